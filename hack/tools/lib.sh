# shellcheck shell=bash
# shellcheck source-path=SCRIPTDIR
# Helpers shared by build-all.sh and env.sh. Source, don't run.
#
# Layout: ${BOTS_TOOLS_CACHE:-$HOME/.cache/bots-edi-deploy}/<tool>-<version>/bin
# A tool directory is complete when it holds .stamp, whose content is the hash
# of the wrapper module (go.mod, go.sum, *.go) it was built from; build-all.sh
# skips a tool whose stamp matches, so a warm machine builds nothing.

BOTS_TOOLS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BOTS_TOOLS_CACHE="${BOTS_TOOLS_CACHE:-$HOME/.cache/bots-edi-deploy}"
# shellcheck source=versions.sh
. "$BOTS_TOOLS_DIR/versions.sh"

# Hash of a wrapper module's sources (first 12 hex digits of sha256).
bots_src_hash() {
  local dir="$BOTS_TOOLS_DIR/go/$1"
  (cd "$dir" && find . -maxdepth 1 -type f \( -name '*.go' -o -name go.mod -o -name go.sum \) -print0 |
    sort -z | xargs -0 sha256sum) | sha256sum | cut -c1-12
}

# The cache directory (without /bin) of every tool, by short name.
bots_tool_dir() {
  case "$1" in
    pulumi) echo "$BOTS_TOOLS_CACHE/pulumi-$BOTS_PULUMI_VERSION" ;;
    langhost) echo "$BOTS_TOOLS_CACHE/pulumi-language-nodejs-$BOTS_LANGHOST_SDK_VERSION-$(bots_src_hash langhost-nodejs)" ;;
    kubernetes-provider) echo "$BOTS_TOOLS_CACHE/pulumi-resource-kubernetes-$BOTS_K8S_PROVIDER_VERSION" ;;
    random-provider) echo "$BOTS_TOOLS_CACHE/pulumi-resource-random-standin-$BOTS_RANDOM_STANDIN_VERSION-$(bots_src_hash random-provider)" ;;
    etcd) echo "$BOTS_TOOLS_CACHE/etcd-$BOTS_ETCD_VERSION" ;;
    kubernetes) echo "$BOTS_TOOLS_CACHE/kubernetes-$BOTS_KUBERNETES_VERSION" ;;
    kwok) echo "$BOTS_TOOLS_CACHE/kwok-$BOTS_KWOK_VERSION" ;;
    kubernetes-node) echo "$BOTS_TOOLS_CACHE/kubernetes-node-$BOTS_KUBERNETES_VERSION" ;;
    coredns) echo "$BOTS_TOOLS_CACHE/coredns-$BOTS_COREDNS_VERSION" ;;
    pause) echo "$BOTS_TOOLS_CACHE/pause-$(bots_src_hash pause)" ;;
    seaweedfs) echo "$BOTS_TOOLS_CACHE/seaweedfs-$BOTS_SEAWEEDFS_VERSION" ;;
    *) echo "unknown tool: $1" >&2; return 1 ;;
  esac
}

# Wrapper module directory of each tool.
bots_tool_module() {
  case "$1" in
    pulumi) echo pulumi ;;
    langhost) echo langhost-nodejs ;;
    kubernetes-provider) echo kubernetes-provider ;;
    random-provider) echo random-provider ;;
    etcd) echo etcd ;;
    kubernetes) echo kubernetes ;;
    kwok) echo kwok ;;
    kubernetes-node) echo kubernetes-node ;;
    coredns) echo coredns ;;
    pause) echo pause ;;
    seaweedfs) echo seaweedfs ;;
  esac
}

BOTS_ALL_TOOLS=(pulumi langhost kubernetes-provider random-provider etcd kubernetes kwok kubernetes-node coredns pause seaweedfs)

bots_tool_ready() {
  local dir
  dir="$(bots_tool_dir "$1")" || return 1
  [ -f "$dir/.stamp" ] && [ "$(cat "$dir/.stamp")" = "$(bots_src_hash "$(bots_tool_module "$1")")" ]
}

# PATH entries for every tool (whether built or not).
bots_tools_path() {
  local t p=""
  for t in "${BOTS_ALL_TOOLS[@]}"; do
    p="$p${p:+:}$(bots_tool_dir "$t")/bin"
  done
  echo "$p"
}
