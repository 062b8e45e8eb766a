#!/usr/bin/env bash
# Builds the compiled operator and agent (dist/) of a committed revision, such as the previous
# release's (test/fixtures/previous-release), for the skew tests that run one release's operator
# with the other's agents. Cached by commit; prints the directory to run from.
#   scripts/previous-dist.sh REV
set -euo pipefail
cd "$(dirname "$0")/.."
revision=$1
commit=$(git rev-parse --verify --quiet "$revision^{commit}") ||
  { echo "previous-dist: revision $revision is not in this clone (a shallow clone lacks it)" >&2; exit 1; }
out=${NETTUNE_CACHE:-$HOME/.cache/nettune}/previous-dist/$commit
if [ -f "$out/.built" ]; then echo "$out"; exit 0; fi
rm -rf "$out.tmp" && mkdir -p "$out.tmp"
git archive "$commit" | tar -x -C "$out.tmp"
(
  cd "$out.tmp"
  npm ci --ignore-scripts --no-audit --no-fund --prefer-offline --loglevel=error >&2
  node node_modules/typescript/bin/tsc -p tsconfig.build.json >&2
  node -e "require('node:fs').cpSync('crds', 'dist/crds', { recursive: true })"
)
touch "$out.tmp/.built"
rm -rf "$out" && mv "$out.tmp" "$out"
echo "$out"
