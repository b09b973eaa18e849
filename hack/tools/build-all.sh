#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Build the tools of the end-to-end tier from Go modules into a version-keyed
# cache outside the work tree:
#   ${BOTS_TOOLS_CACHE:-$HOME/.cache/bots-edi-deploy}/<tool>-<version>/bin
#
#   bash hack/tools/build-all.sh            # every tool (what test:e2e needs)
#   bash hack/tools/build-all.sh pulumi kwok  # only these
#   bash hack/tools/build-all.sh --list     # tool names and cache directories
#
# Tools: pulumi (CLI), langhost (pulumi-language-nodejs), kubernetes-provider,
# random-provider (stand-in), etcd, kubernetes (kube-apiserver,
# kube-controller-manager, kube-scheduler, kubectl), kwok, and for the real
# node: kubernetes-node (kubelet, kube-proxy), coredns, pause (sandbox image);
# seaweedfs (weed, the tests' S3-compatible server: test/support/s3-server.sh).
#
# A tool whose cache directory is complete (see lib.sh) is skipped, so a warm
# run takes about a second. Builds run one at a time (2-core machines) with
# -trimpath -ldflags="-s -w"; GOCACHE and GOMODCACHE stay at Go's defaults so
# they stay warm across runs. Wrapper modules with their go.sum live in
# hack/tools/go/<module>; versions in hack/tools/versions.sh.
set -euo pipefail

# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

export GOTOOLCHAIN=local GOFLAGS="${GOFLAGS:-} -mod=readonly -buildvcs=false"
LDFLAGS_BASE="-s -w"

log() { printf '[tools %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

if ! command -v go >/dev/null; then
  for g in /usr/local/go/bin /usr/lib/go/bin; do [ -x "$g/go" ] && PATH="$g:$PATH"; done
fi
command -v go >/dev/null || { log "go is not installed (needs Go >= 1.26)"; exit 1; }

# go build in a wrapper module into <dir>/bin, atomically (build into a scratch
# dir, then move); $1 = tool, $2 = ldflags, rest = packages.
go_build() {
  local tool=$1 ldflags=$2; shift 2
  local mod dir tmp
  mod="$BOTS_TOOLS_DIR/go/$(bots_tool_module "$tool")"
  dir="$(bots_tool_dir "$tool")"
  tmp="$(mktemp -d "$BOTS_TOOLS_CACHE/.build-$tool.XXXXXX")"
  (cd "$mod" && go build -trimpath -ldflags="$LDFLAGS_BASE $ldflags" -o "$tmp/bin/" "$@")
  finish "$tool" "$tmp" "$dir"
}

finish() {
  local tool=$1 tmp=$2 dir=$3
  bots_src_hash "$(bots_tool_module "$tool")" > "$tmp/.stamp"
  chmod 755 "$tmp"
  rm -rf "$dir.old"
  [ -e "$dir" ] && mv "$dir" "$dir.old"
  mv "$tmp" "$dir"
  rm -rf "$dir.old"
}

build_pulumi() {
  go_build pulumi "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$BOTS_PULUMI_VERSION" \
    github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
}

# Like go_build, for the main package of the wrapper module itself, named $3.
go_build_main() {
  local tool=$1 ldflags=$2 name=$3
  local mod dir tmp
  mod="$BOTS_TOOLS_DIR/go/$(bots_tool_module "$tool")"
  dir="$(bots_tool_dir "$tool")"
  tmp="$(mktemp -d "$BOTS_TOOLS_CACHE/.build-$tool.XXXXXX")"
  (cd "$mod" && go build -trimpath -ldflags="$LDFLAGS_BASE $ldflags" -o "$tmp/bin/$name" .)
  finish "$tool" "$tmp" "$dir"
}

# Tools built from this repo's own sources are keyed by a hash of them: drop older builds.
prune_older() {
  local keep d
  keep="$(bots_tool_dir "$1")"
  for d in "${keep%-*}"-*; do
    if [ "$d" != "$keep" ] && [ -f "$d/.stamp" ]; then
      rm -rf "$d"
    fi
  done
}

build_langhost() {
  go_build_main langhost "-X main.version=$BOTS_LANGHOST_SDK_VERSION" pulumi-language-nodejs
  prune_older langhost
}

build_random_provider() {
  go_build_main random-provider "-X main.version=$BOTS_RANDOM_STANDIN_VERSION+standin" pulumi-resource-random
  prune_older random-provider
}

# The provider's main package embeds files its Makefile generates; generate them
# from the module's schema.json / terraform-mapping.json in a scratch copy.
build_kubernetes_provider() {
  local mod src work tmp dir
  mod="$BOTS_TOOLS_DIR/go/kubernetes-provider"
  dir="$(bots_tool_dir kubernetes-provider)"
  src="$(cd "$mod" && go list -m -f '{{.Dir}}' github.com/pulumi/pulumi-kubernetes/provider/v4)"
  if [ -z "$src" ] || [ ! -d "$src" ]; then
    (cd "$mod" && go mod download github.com/pulumi/pulumi-kubernetes/provider/v4)
    src="$(cd "$mod" && go list -m -f '{{.Dir}}' github.com/pulumi/pulumi-kubernetes/provider/v4)"
  fi
  work="$(mktemp -d)"
  cp "$mod"/go.mod "$mod"/go.sum "$mod"/*.go "$work/"
  VERSION="$BOTS_K8S_PROVIDER_VERSION" SRC="$src/cmd/pulumi-resource-kubernetes" OUT="$work" node -e '
    const fs = require("fs");
    const s = JSON.parse(fs.readFileSync(process.env.SRC + "/schema.json", "utf8"));
    s.version = process.env.VERSION;
    fs.writeFileSync(process.env.OUT + "/schema-embed.json", JSON.stringify(s));
    const m = JSON.parse(fs.readFileSync(process.env.SRC + "/terraform-mapping.json", "utf8"));
    fs.writeFileSync(process.env.OUT + "/terraform-mapping-embed.json", JSON.stringify(m));'
  tmp="$(mktemp -d "$BOTS_TOOLS_CACHE/.build-kubernetes-provider.XXXXXX")"
  (cd "$work" && go build -trimpath \
    -ldflags="$LDFLAGS_BASE -X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$BOTS_K8S_PROVIDER_VERSION" \
    -o "$tmp/bin/pulumi-resource-kubernetes" .)
  rm -rf "$work"
  finish kubernetes-provider "$tmp" "$dir"
}

build_etcd() {
  go_build_main etcd "" etcd
}

# -X flags that stamp the Kubernetes version into kube-* binaries.
kube_ldflags() {
  local v=$BOTS_KUBERNETES_VERSION major minor ld p
  major=${v%%.*}; minor=${v#*.}; minor=${minor%%.*}
  ld=""
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld="$ld -X $p.gitVersion=v$v -X $p.gitMajor=$major -X $p.gitMinor=$minor"
    ld="$ld -X $p.gitTreeState=clean -X $p.buildDate=2026-01-01T00:00:00Z"
  done
  echo "$ld"
}

build_kubernetes() {
  go_build kubernetes "$(kube_ldflags)" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl
}

# The real node's agents, from the same k8s.io/kubernetes version (build after
# "kubernetes": most packages are then in GOCACHE already).
build_kubernetes_node() {
  go_build kubernetes-node "$(kube_ldflags)" \
    k8s.io/kubernetes/cmd/kubelet k8s.io/kubernetes/cmd/kube-proxy
}

build_coredns() {
  go_build_main coredns "-X github.com/coredns/coredns/coremain.GitCommit=v$BOTS_COREDNS_VERSION" coredns
}

# The pause binary, packed as a one-layer image archive (docker save format,
# which `ctr images import` reads) named $BOTS_PAUSE_IMAGE. The layer is built
# with fixed owners and times, so the same source gives the same digests.
build_pause() {
  local mod dir tmp work layer_sha config_sha
  mod="$BOTS_TOOLS_DIR/go/pause"
  dir="$(bots_tool_dir pause)"
  tmp="$(mktemp -d "$BOTS_TOOLS_CACHE/.build-pause.XXXXXX")"
  (cd "$mod" && CGO_ENABLED=0 go build -trimpath -ldflags="$LDFLAGS_BASE" -o "$tmp/bin/pause" .)
  work="$(mktemp -d)"
  mkdir -p "$work/root"
  cp "$tmp/bin/pause" "$work/root/pause"
  tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$work/root" -cf "$work/layer.tar" pause
  layer_sha="$(sha256sum "$work/layer.tar" | cut -c1-64)"
  printf '{"architecture":"amd64","os":"linux","config":{"Entrypoint":["/pause"],"User":"65535:65535"},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]},"history":[{"created_by":"hack/tools/build-all.sh build_pause"}]}' \
    "$layer_sha" > "$work/config.json"
  config_sha="$(sha256sum "$work/config.json" | cut -c1-64)"
  mkdir -p "$work/img/$layer_sha"
  mv "$work/layer.tar" "$work/img/$layer_sha/layer.tar"
  mv "$work/config.json" "$work/img/$config_sha.json"
  printf '[{"Config":"%s.json","RepoTags":["%s"],"Layers":["%s/layer.tar"]}]' \
    "$config_sha" "$BOTS_PAUSE_IMAGE" "$layer_sha" > "$work/img/manifest.json"
  tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$work/img" -cf "$tmp/pause-image.tar" \
    manifest.json "$config_sha.json" "$layer_sha"
  rm -rf "$work"
  finish pause "$tmp" "$dir"
  prune_older pause
}

build_seaweedfs() {
  go_build seaweedfs "" github.com/seaweedfs/seaweedfs/weed
}

# kwok plus the Stage definitions it needs (it refuses to start without any):
# the upstream "fast" node/pod stages, which make pods Running/Ready at once and
# Job pods Succeeded, and node heartbeats with leases.
build_kwok() {
  local src dir
  go_build kwok "" sigs.k8s.io/kwok/cmd/kwok
  dir="$(bots_tool_dir kwok)"
  src="$(cd "$BOTS_TOOLS_DIR/go/kwok" && go list -m -f '{{.Dir}}' sigs.k8s.io/kwok)"
  mkdir -p "$dir/stages"
  cp "$src"/kustomize/stage/node/fast/node-initialize.yaml \
     "$src"/kustomize/stage/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
     "$src"/kustomize/stage/pod/fast/pod-ready.yaml \
     "$src"/kustomize/stage/pod/fast/pod-complete.yaml \
     "$src"/kustomize/stage/pod/fast/pod-delete.yaml "$dir/stages/"
  chmod u+w "$dir"/stages/*.yaml
}

main() {
  local tools=() t start
  if [ "${1:-}" = "--list" ]; then
    for t in "${BOTS_ALL_TOOLS[@]}"; do
      printf '%-20s %s %s\n' "$t" "$(bots_tool_dir "$t")" "$(bots_tool_ready "$t" && echo ready || echo missing)"
    done
    return
  fi
  if [ $# -gt 0 ]; then tools=("$@"); else tools=("${BOTS_ALL_TOOLS[@]}"); fi
  mkdir -p "$BOTS_TOOLS_CACHE"
  # One build at a time, also across concurrent callers (up-local vs test:e2e).
  exec 9>"$BOTS_TOOLS_CACHE/.build.lock"
  flock 9
  for t in "${tools[@]}"; do
    bots_tool_dir "$t" >/dev/null || exit 2
    if bots_tool_ready "$t"; then
      continue
    fi
    log "building $t -> $(bots_tool_dir "$t")"
    start=$(date +%s)
    "build_${t//-/_}"
    log "built $t in $(( $(date +%s) - start ))s"
  done
  link_langhost
}

# The CLI treats pulumi-language-nodejs as a bundled plugin and warns ("using
# pulumi-language-nodejs from $PATH") unless it sits beside the pulumi binary.
link_langhost() {
  local pbin lh
  pbin="$(bots_tool_dir pulumi)/bin"
  lh="$(bots_tool_dir langhost)/bin/pulumi-language-nodejs"
  if [ -d "$pbin" ] && [ -x "$lh" ] && [ "$(readlink "$pbin/pulumi-language-nodejs" 2>/dev/null)" != "$lh" ]; then
    ln -sfn "$lh" "$pbin/pulumi-language-nodejs"
  fi
}

main "$@"
