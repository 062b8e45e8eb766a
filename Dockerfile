# One image, two programs: nettune-operator and nettune-agent (the chart and
# the operator's DaemonSet pick one with `command`).
#   docker build -t ghcr.io/nettune/nettune:0.1.0 .

FROM node:24-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY api api
COPY common common
COPY operator/src operator/src
COPY node-agent/src node-agent/src
RUN npm run build && npm prune --omit=dev

FROM node:24-bookworm-slim
# The agent drives the NIC with ethtool, reads links with iproute2 and
# conntrack counters with conntrack; nothing else is added.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ethtool iproute2 conntrack \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules node_modules
COPY --from=build /src/dist dist
RUN printf '#!/bin/sh\nexec node /app/dist/operator/src/main.js "$@"\n' > /usr/local/bin/nettune-operator \
 && printf '#!/bin/sh\nexec node /app/dist/node-agent/src/main.js "$@"\n' > /usr/local/bin/nettune-agent \
 && chmod 0755 /usr/local/bin/nettune-operator /usr/local/bin/nettune-agent
# The operator runs as this user with a read-only root filesystem; the agent's
# DaemonSet runs it as root and privileged, which it needs for /sys and /proc.
USER 65532:65532
ENTRYPOINT []
CMD ["nettune-operator"]
