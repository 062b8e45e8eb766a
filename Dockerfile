# One image, the programs nettune-operator, nettune-agent, nettune-agent-cli and
# nettune-uninstall (the chart and the operator's DaemonSet pick one with
# `command`).
#   docker build -t ghcr.io/nettune/nettune:0.1.0 .
#   npm run image     the same without Docker (buildah), as an OCI archive
#
# The base image by digest, so that a re-pushed tag cannot change what is
# built: node:24-bookworm-slim as published for Node 24.18.0 (the multi-arch
# index). To update it, look the tag up and paste its digest here:
#   crane digest node:24-bookworm-slim
#   (or: docker buildx imagetools inspect node:24-bookworm-slim)
# npm run image builds without a registry from a locally made stand-in, which
# it passes as BASE_IMAGE.
ARG BASE_IMAGE=node:24-bookworm-slim@sha256:6f7b03f7c2c8e2e784dcf9295400527b9b1270fd37b7e9a7285cf83b6951452d

FROM ${BASE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY api api
COPY common common
COPY operator/src operator/src
COPY node-agent/src node-agent/src
COPY crds crds
COPY scripts/build scripts/build
RUN npm run build && npm prune --omit=dev

FROM ${BASE_IMAGE}
# The agent drives the NIC with ethtool, follows link and ethtool events with
# iproute2 and ethtool --monitor (under coreutils' stdbuf), reads
# conntrack counters with conntrack; nothing else is added.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ethtool iproute2 conntrack \
 && rm -rf /var/lib/apt/lists/*
# Nothing here installs packages at run time or changes user: no npm, npx or
# corepack, and no setuid or setgid program (su, mount, passwd and the like)
# for a process in the container to gain privileges through.
RUN rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack \
      /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack \
 && find / -xdev -type f -perm /6000 -exec chmod ug-s {} +
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules node_modules
COPY --from=build /src/dist dist
# nettune-agent-cli: plan|apply|revert|inventory|diagnose on the node without a cluster.
# nettune-uninstall: the chart's pre-delete hook. nettune-migrate: its post-install and
# post-upgrade hook (stored objects into the storage version).
# The agent runs with Node's flags from node-agent/src/node-flags.ts (V8's lite mode: an idle
# agent about 19 MB smaller; one garbage-collector thread: half its idle CPU). The CLI starts
# from a V8 startup snapshot (cli.blob), which only the Node that made it can read: it is made
# again here, with this stage's Node.
RUN node --no-warnings --snapshot-blob /app/dist/cli.blob --build-snapshot /app/dist/cli-snapshot.cjs \
 && for program in operator:operator/src/main.js agent:node-agent/src/main.js \
      agent-cli:node-agent/src/cli.js uninstall:operator/src/uninstall.js \
      migrate:operator/src/migrate.js; do \
      name=${program%%:*}; run="/app/dist/${program#*:}"; \
      [ "$name" = agent ] && run="--lite-mode --single-threaded-gc $run"; \
      [ "$name" = agent-cli ] && run="--snapshot-blob /app/dist/cli.blob"; \
      printf '#!/bin/sh\nexec node %s "$@"\n' "$run" > "/usr/local/bin/nettune-$name"; \
      chmod 0755 "/usr/local/bin/nettune-$name"; \
    done
# The operator runs as this user with a read-only root filesystem; the agent's
# DaemonSet runs it as root and privileged, which it needs for /sys and /proc.
USER 65532:65532
ENTRYPOINT []
CMD ["nettune-operator"]
