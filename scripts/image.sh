#!/usr/bin/env bash
# npm run image: builds the project's Dockerfile on this machine with buildah,
# with no Docker daemon and no registry, and writes an OCI archive of the image
# (ghcr.io/nettune/nettune:<chart appVersion>). Prints the archive's path.
#
# The Dockerfile's base image (node:24-bookworm-slim) is made locally when it
# is missing: a Debian bookworm rootfs from mmdebstrap plus Node.js 24 and npm
# laid out as the official image lays them out. Everything lives in the cache
# (buildah's storage too); the archive is rebuilt only when what goes into the
# image changed.
#   NETTUNE_IMAGE=name:tag  another name for the image
#   NETTUNE_IMAGE_REVISION=rev  build a committed revision (such as the previous release's tag,
#     test/fixtures/previous-release) instead of the working tree, kept in a cache of its own
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/image/lib.sh
ensure_image_tools

revision=${NETTUNE_IMAGE_REVISION:-}
if [ -n "$revision" ]; then
  tree=$(git rev-parse --verify --quiet "$revision^{tree}") ||
    { echo "image: revision $revision is not in this clone (a shallow clone lacks it)" >&2; exit 1; }
  context=$(mktemp -d)
  git archive "$revision" | tar -x -C "$context"
  kind=previous
else
  context=.
  kind=nettune
fi
version=$(awk '$1 == "appVersion:" {gsub(/"/, "", $2); print $2}' "$context/charts/nettune/Chart.yaml")
image=${NETTUNE_IMAGE:-ghcr.io/nettune/nettune:$version}

# The content of every file the Dockerfile copies, committed or not; a revision is its tree.
key=$( {
  image_base_key
  echo "$image"
  if [ -n "$revision" ]; then
    echo "$tree"
  else
    git ls-files -z --cached --others --exclude-standard Dockerfile .dockerignore package.json \
      package-lock.json tsconfig.json tsconfig.build.json api common crds operator/src node-agent/src scripts/build |
      sort -z | xargs -0 sha256sum 2>/dev/null || true
  fi
} | sha256sum | cut -c1-16)
archive="$image_cache/$kind-$key.oci.tar"
if [ -s "$archive" ]; then
  [ "$context" = . ] || rm -rf "$context"
  echo "$archive"
  exit 0
fi

ensure_base_image
started=$(date +%s)
echo "image: building $image from Dockerfile" >&2
build_etc=$(npm_build_etc)
trap 'rm -rf "$build_etc"; [ "$context" = . ] || rm -rf "$context"' EXIT
bah bud --pull=never --network=host --layers=false --volume "$build_etc:/usr/local/etc:ro" \
  --build-arg "BASE_IMAGE=$base_image" \
  -f "$context/Dockerfile" -t "$image" "$context" >"$image_cache/build.log" 2>&1 ||
  { tail -40 "$image_cache/build.log" >&2; echo "image: build failed (log: $image_cache/build.log)" >&2; exit 1; }
rm -f "$image_cache/$kind"-*.oci.tar
bah push --quiet "$image" "oci-archive:$archive.partial:$image" >&2
mv "$archive.partial" "$archive"
# Untagged layers of earlier builds are not needed again.
bah rmi --prune >/dev/null 2>&1 || true
echo "image: $image built in $(($(date +%s) - started))s: $archive" >&2
echo "$archive"
