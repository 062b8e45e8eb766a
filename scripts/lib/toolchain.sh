# Sourced from the repository root: Node 24 first on PATH, the Debian packages
# the tests and demos use, and node_modules matching package-lock.json.
PATH="$(scripts/ensure-node.sh):$PATH"
export PATH
bash scripts/ensure-host-packages.sh
if ! cmp -s package-lock.json node_modules/.package-lock.json 2>/dev/null; then
  npm ci --no-audit --no-fund
fi
