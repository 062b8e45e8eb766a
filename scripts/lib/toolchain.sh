# Sourced from the repository root: Node 24 first on PATH, the Debian packages
# the tests and demos use, and node_modules matching package-lock.json.
PATH="$(scripts/ensure-node.sh):$PATH"
export PATH
bash scripts/ensure-host-packages.sh
# npm's own node_modules/.package-lock.json never equals package-lock.json (it
# has no root entry), so a copy of the lock node_modules was installed from
# says whether it is current; npm ci removes it with the rest.
if ! cmp -s package-lock.json node_modules/.installed-package-lock.json 2>/dev/null; then
  npm ci --no-audit --no-fund
  cp package-lock.json node_modules/.installed-package-lock.json
fi
