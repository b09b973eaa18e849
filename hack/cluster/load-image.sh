#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Load an image from the Docker engine into the real node's containerd and
# name it by digest, the way the program deploys images:
#   bash hack/cluster/load-image.sh IMAGE [REPOSITORY]
# prints REPOSITORY@sha256:<digest> (default repository registry.local/edi/bots)
# on stdout. Set that as the stack's imageRef (imageMode existing): with
# imagePullPolicy IfNotPresent the kubelet finds it and pulls nothing.
# There is no registry here, so containerd only knows an image by the names it
# was given: the digest reference is added as a name after the import.
set -euo pipefail

# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if [ $# -lt 1 ] || [ $# -gt 2 ]; then sed -n '3,5p' "$0" >&2; exit 2; fi
image=$1
repo=${2:-registry.local/edi/bots}
if [[ "$repo" == *@* ]] || [[ "${repo##*/}" == *:* ]]; then
  echo "REPOSITORY=$repo: give a repository without tag or digest (e.g. registry.local/edi/bots)" >&2
  exit 2
fi
docker image inspect "$image" >/dev/null 2>&1 || { echo "IMAGE=$image: no such image in the Docker engine" >&2; exit 2; }

# `ctr images import` prints "unpacking <name> (sha256:<manifest digest>)...done".
out="$(docker save "$image" | node_ctr images import - 2>&1)" || { echo "$out" >&2; exit 1; }
digest="$(sed -n 's/^unpacking [^ ]* (\(sha256:[0-9a-f]\{64\}\)).*/\1/p' <<<"$out" | head -n 1)"
name="$(sed -n 's/^unpacking \([^ ]*\) (sha256:.*/\1/p' <<<"$out" | head -n 1)"
if [ -z "$digest" ] || [ -z "$name" ]; then
  echo "could not read the digest from ctr's output: $out" >&2
  exit 1
fi
ref="$repo@$digest"
node_ctr images tag --force "$name" "$ref" >/dev/null
clog "loaded $image into the node as $ref"
echo "$ref"
