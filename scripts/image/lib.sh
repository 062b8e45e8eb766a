# Shared by scripts/image.sh and the node tier: buildah with its storage kept
# in the cache, and the locally made stand-in for the Dockerfile's base image.
# Sourced from the repository root.
cache_root="${NETTUNE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/nettune}"
image_cache="$cache_root/images"
base_image=docker.io/library/node:24-bookworm-slim
node_version="${NETTUNE_NODE_VERSION:-24.21.0}"
# The npm that the official node:24 image carries.
npm_version=11.21.0
debian_mirror="${NETTUNE_DEBIAN_MIRROR:-http://deb.debian.org/debian}"

bah() {
  buildah --root "$image_cache/storage" --runroot "$image_cache/run" --storage-driver overlay "$@"
}

ensure_image_tools() {
  local missing=()
  command -v buildah >/dev/null || missing+=(buildah)
  command -v mmdebstrap >/dev/null || missing+=(mmdebstrap)
  command -v runc >/dev/null || missing+=(runc)
  if [ ${#missing[@]} -gt 0 ]; then
    echo "image: installing ${missing[*]}" >&2
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  mkdir -p "$image_cache"
}

image_base_key() {
  echo "base $base_image node $node_version npm $npm_version recipe 1"
}

# A directory mounted at /usr/local/etc during RUN steps: npm's global config
# there trusts this machine's CA bundle, which outbound HTTPS here needs. Being
# a mount, it leaves nothing in the image.
npm_build_etc() {
  local dir
  dir=$(mktemp -d)
  cp /etc/ssl/certs/ca-certificates.crt "$dir/ca.crt"
  printf 'cafile=/usr/local/etc/ca.crt\nregistry=%s\n' "$(npm config get registry 2>/dev/null || echo https://registry.npmjs.org/)" >"$dir/npmrc"
  echo "$dir"
}

ensure_base_image() {
  local key
  key=$(image_base_key | sha256sum | cut -c1-12)
  if [ "$(bah inspect --type image --format '{{index .ImageAnnotations "nettune.io/base-key"}}' "$base_image" 2>/dev/null)" = "$key" ]; then
    return 0
  fi
  local started work
  started=$(date +%s)
  work=$(mktemp -d)
  echo "image: making the base image $base_image (Debian bookworm + Node.js $node_version)" >&2
  # Slim like debian:bookworm-slim: no docs, man pages or locales; apt keeps no lists or debs.
  mmdebstrap --variant=minbase --quiet \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/info/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-exclude=/usr/share/groff/*' \
    --dpkgopt='path-exclude=/usr/share/lintian/*' \
    --customize-hook='printf "%s\n" "DPkg::Post-Invoke { \"rm -f /var/cache/apt/archives/*.deb /var/cache/apt/*.bin || true\"; };" "APT::Update::Post-Invoke { \"rm -f /var/cache/apt/archives/*.deb /var/cache/apt/*.bin || true\"; };" "Dir::Cache::pkgcache \"\"; Dir::Cache::srcpkgcache \"\";" > "$1/etc/apt/apt.conf.d/docker-clean"' \
    --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*' \
    bookworm "$work/rootfs.tar" "$debian_mirror" >&2
  # Node.js as the official image has it: /usr/local/bin/node, npm and npx.
  local node_dir
  node_dir=$(NETTUNE_NODE_VERSION=$node_version bash scripts/ensure-node.sh --package)
  mkdir -p "$work/usr-local/bin" "$work/usr-local/lib/node_modules" "$work/usr-local/include"
  cp "$node_dir/node" "$work/usr-local/bin/node"
  cp -r "$node_dir/../include/node" "$work/usr-local/include/node"
  (cd "$work" && npm pack --silent "npm@$npm_version" >/dev/null && mkdir npm && tar -xzf npm-*.tgz -C npm)
  mv "$work/npm/package" "$work/usr-local/lib/node_modules/npm"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$work/usr-local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$work/usr-local/bin/npx"
  tar -C "$work/usr-local" -cf "$work/usr-local.tar" .
  local c
  c=$(bah from --quiet scratch)
  bah add --quiet "$c" "$work/rootfs.tar" / >/dev/null
  bah add --quiet "$c" "$work/usr-local.tar" /usr/local >/dev/null
  bah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --env NODE_VERSION="$node_version" --cmd node --annotation "nettune.io/base-key=$key" "$c"
  bah commit --quiet --rm "$c" "$base_image" >/dev/null
  rm -rf "$work"
  echo "image: base image made in $(($(date +%s) - started))s" >&2
}

# The pod sandbox ("pause") image the node tier's containerd uses: one static
# binary. Prints the OCI archive's path.
pause_archive() {
  local name=$1 archive="$image_cache/pause-1.oci.tar"
  if [ ! -s "$archive" ]; then
    local work c
    work=$(mktemp -d)
    gcc -static -O2 -o "$work/pause" scripts/image/pause.c
    c=$(bah from --quiet scratch)
    bah copy --quiet "$c" "$work/pause" /pause >/dev/null
    bah config --entrypoint '["/pause"]' --user 65535:65535 "$c"
    bah commit --quiet --rm "$c" "$name" >/dev/null
    bah push --quiet "$name" "oci-archive:$archive.partial:$name" >&2
    mv "$archive.partial" "$archive"
    rm -rf "$work"
  fi
  echo "$archive"
}
