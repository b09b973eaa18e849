# shellcheck shell=bash
# shellcheck source-path=SCRIPTDIR
# Source me:  . hack/tools/env.sh
#
# Puts Node.js 24 (hack/tools/node.sh) first on PATH, so the language host and the
# policy pack run on it, and the tools that hack/tools/build-all.sh builds (the Pulumi
# CLI, pulumi-language-nodejs, the provider plugins, etcd, kube-*, kubectl, kwok)
# after it, and sets what the Pulumi CLI needs to run without any network beyond 127.0.0.1:
#   - no update check, no plugin downloads (plugins on PATH are used as is);
#   - BOTS_CLUSTER_DIR / BOTS_KUBECONFIG / BOTS_KUBE_CONTEXT name the local
#     cluster of hack/cluster/up.sh (KUBECONFIG itself is left alone).
# Confirmation prompts stay on: `pulumi up`/`destroy` in your shell still ask.
# It builds and installs nothing; see build-all.sh and node.sh.

# shellcheck source=hack/tools/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=hack/tools/node.sh
. "$(dirname "${BASH_SOURCE[0]}")/node.sh"

case ":$PATH:" in
  *":$(bots_tool_dir pulumi)/bin:"*) ;;
  *) PATH="$(bots_tools_path):$PATH" ;;
esac
if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
  PATH="$PATH:/usr/local/go/bin"
fi
bots_node_path
bots_node_ready || echo "env.sh: Node.js $BOTS_NODE_VERSION is not installed yet: bash hack/tools/node.sh" >&2
export PATH BOTS_TOOLS_CACHE

export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true

export BOTS_CLUSTER_DIR="${BOTS_CLUSTER_DIR:-$BOTS_TOOLS_CACHE/cluster}"
export BOTS_KUBECONFIG="$BOTS_CLUSTER_DIR/kubeconfig"
export BOTS_KUBE_CONTEXT="bots-local"
