# Builds Go programs from a pinned module into a cache directory outside the
# repository, keyed by the module files, so only the first run pays for it.
# Source it, then: go_tools <label> <module dir> <version> <note> <package>...
# Prints the directory holding the programs. GO_TOOLS_LDFLAGS adds linker flags.
go_tools() {
  local label=$1 module=$2 version=$3 note=$4
  shift 4
  local cache="${NETTUNE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/nettune}"
  local key
  key=$( { cat "$module/go.mod" "$module/go.sum"; echo "${GO_TOOLS_LDFLAGS:-}"; } | sha256sum | cut -c1-12)
  local dir="$cache/$label-$version-$key"
  local built=1 package
  for package in "$@"; do [ -x "$dir/${package##*/}" ] || built=0; done
  if [ "$built" = 1 ]; then
    echo "$dir"
    return 0
  fi
  PATH="$PATH:/usr/local/go/bin"
  command -v go >/dev/null 2>&1 || { echo "ensure-$label: Go is needed to build $label $version" >&2; return 1; }
  echo "ensure-$label: building $label $version (first run only, $note)" >&2
  local tmp="$dir.partial.$$" started
  rm -rf "$tmp" && mkdir -p "$tmp"
  started=$(date +%s)
  # -v lists each package as it finishes: that is the progress shown while building.
  if ! (cd "$module" && go build -v -trimpath -ldflags "-s -w ${GO_TOOLS_LDFLAGS:-}" -o "$tmp/" "$@" 2>&1 |
    awk -v label="$label" '{ n++; if (n % 100 == 0) { printf "ensure-%s: %d packages compiled\n", label, n > "/dev/stderr" } }'; exit "${PIPESTATUS[0]}"); then
    rm -rf "$tmp"
    return 1
  fi
  rm -rf "$dir" && mv "$tmp" "$dir"
  echo "ensure-$label: built in $(( $(date +%s) - started ))s into $dir" >&2
  echo "$dir"
}

# Linker flags that stamp a Kubernetes version into component-base, as release builds do.
k8s_version_ldflags() {
  local version=$1 minor
  minor=$(echo "$version" | cut -d. -f2)
  local pkg=k8s.io/component-base/version
  echo "-X $pkg.gitVersion=$version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
}
