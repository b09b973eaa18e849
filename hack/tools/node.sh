#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Node.js 24 LTS for everything in this repository: npm ci, lint, every test tier, the Pulumi
# language host and the policy pack (both run `node` from PATH). It is the npm registry's
# node-linux-<arch> package plus the npm that Node.js ships with, fetched with `npm pack` (any npm
# will do for that, once), checked against the integrity hashes in versions.sh and unpacked into
#   ${BOTS_TOOLS_CACHE:-$HOME/.cache/bots-edi-deploy}/node-<version>/bin/{node,npm,npx}
#
#   bash hack/tools/node.sh              install it (a warm run does nothing) and print its bin dir
#   bash hack/tools/node.sh CMD [ARG..]  install it, then run CMD with it first on PATH
#   . hack/tools/node.sh; bots_node_ensure   the same inside a script: install, put first on PATH

# shellcheck source=versions.sh
. "$(dirname "${BASH_SOURCE[0]}")/versions.sh"
BOTS_TOOLS_CACHE="${BOTS_TOOLS_CACHE:-$HOME/.cache/bots-edi-deploy}"

bots_node_dir() { echo "$BOTS_TOOLS_CACHE/node-$BOTS_NODE_VERSION"; }

bots_node_ready() {
  local dir
  dir="$(bots_node_dir)"
  [ -x "$dir/bin/node" ] && [ "$(cat "$dir/.stamp" 2>/dev/null)" = "node $BOTS_NODE_VERSION npm $BOTS_NPM_VERSION" ]
}

# Puts the cached Node.js first on PATH (whether installed or not; env.sh uses this alone).
bots_node_path() {
  local bin
  bin="$(bots_node_dir)/bin"
  case "$PATH" in
    "$bin":*) ;;
    *) PATH="$bin:$PATH" ;;
  esac
  export PATH
}

# Any npm can fetch the packages; on a machine with none, Debian's is installed when we are root.
bots_node_bootstrap_npm() {
  command -v npm >/dev/null 2>&1 && return 0
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "node.sh: installing Debian's npm, only to fetch Node.js $BOTS_NODE_VERSION from the npm registry" >&2
    apt-get -o DPkg::Lock::Timeout=300 update -qq && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq npm >/dev/null
  else
    echo "node.sh: npm is needed once to fetch Node.js $BOTS_NODE_VERSION: apt-get install npm (or any Node.js installer)" >&2
    return 1
  fi
}

bots_node_install() {
  local arch integrity dir tmp
  case "$(uname -m)" in
    x86_64) arch=x64 integrity=$BOTS_NODE_INTEGRITY_X64 ;;
    aarch64 | arm64) arch=arm64 integrity=$BOTS_NODE_INTEGRITY_ARM64 ;;
    *) echo "node.sh: no node-linux package for $(uname -m)" >&2; return 1 ;;
  esac
  bots_node_bootstrap_npm || return 1
  dir="$(bots_node_dir)"
  mkdir -p "$BOTS_TOOLS_CACHE"
  tmp="$(mktemp -d "$BOTS_TOOLS_CACHE/.node.XXXXXX")"
  echo "node.sh: fetching node-linux-$arch@$BOTS_NODE_VERSION and npm@$BOTS_NPM_VERSION from the npm registry into $dir" >&2
  if ! (cd "$tmp" && npm pack --json --silent --no-fund --no-audit \
      "node-linux-$arch@$BOTS_NODE_VERSION" "npm@$BOTS_NPM_VERSION" >pack.json); then
    rm -rf "$tmp"; return 1
  fi
  local want
  for want in "$integrity" "$BOTS_NPM_INTEGRITY"; do
    if ! grep -qF "\"integrity\": \"$want\"" "$tmp/pack.json"; then
      echo "node.sh: the npm registry served a package whose integrity is not $want (versions.sh)" >&2
      rm -rf "$tmp"; return 1
    fi
  done
  mkdir -p "$tmp/lib/node_modules/npm"
  tar -xzf "$tmp/node-linux-$arch-$BOTS_NODE_VERSION.tgz" -C "$tmp" --strip-components=1 package/bin/node package/LICENSE
  tar -xzf "$tmp/npm-$BOTS_NPM_VERSION.tgz" -C "$tmp/lib/node_modules/npm" --strip-components=1
  # The layout of Node.js's own distribution: bin/npm and bin/npx link to the CLIs under lib/.
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$tmp/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$tmp/bin/npx"
  rm -f "$tmp"/*.tgz "$tmp/pack.json"
  if [ "$("$tmp/bin/node" --version)" != "v$BOTS_NODE_VERSION" ]; then
    echo "node.sh: $tmp/bin/node does not run as v$BOTS_NODE_VERSION" >&2
    rm -rf "$tmp"; return 1
  fi
  echo "node $BOTS_NODE_VERSION npm $BOTS_NPM_VERSION" >"$tmp/.stamp"
  chmod 755 "$tmp"
  rm -rf "$dir"
  mv "$tmp" "$dir"
}

bots_node_ensure() {
  if ! bots_node_ready; then
    mkdir -p "$BOTS_TOOLS_CACHE"
    # One install at a time (lint and a test tier may start together).
    (
      flock 8
      bots_node_ready || bots_node_install
    ) 8>"$BOTS_TOOLS_CACHE/.node.lock" || return 1
  fi
  bots_node_path
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  bots_node_ensure
  if [ $# -eq 0 ]; then
    bots_node_dir
  else
    exec "$@"
  fi
fi
