#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# The plain side of `npm run bench:throughput`: the image's Bots in a virtualenv on this machine,
# built as docker/Dockerfile builds /opt/venv (Debian's Python 3.11, the hash-pinned wheels of
# docker/requirements/bots4.txt, the Bots source tree as a wheel, bots_runtime as plain files),
# in ${BOTS_THROUGHPUT_VENV:-/var/tmp/throughput-venv}; a warm run (same inputs) does nothing.
#   bash test/bench/throughput-venv.sh BOTS_SOURCE_DIR   prints the venv's path
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
[ $# -eq 1 ] || { sed -n '7p' "$0" >&2; exit 2; }
src="$(cd "$1" && pwd)"
venv="${BOTS_THROUGHPUT_VENV:-/var/tmp/throughput-venv}"

apt_install() { apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >&2; }
if ! command -v python3.11 >/dev/null || ! python3.11 -c 'import ensurepip' 2>/dev/null; then
  # python3.11 and its venv module: the interpreter the image runs (Debian 12's python3).
  apt_install python3 python3-venv
fi
# libpq5: what psycopg's libpq binding loads at run time, as in the image.
dpkg -s libpq5 >/dev/null 2>&1 || apt_install libpq5

stamp="$(cat "$ROOT/docker/requirements/bots4.txt" <(find "$src" "$ROOT/docker/python" -type f -not -path '*/__pycache__/*' -printf '%P %s %T@\n' | sort) | sha256sum | cut -c1-16)"
if [ "$(cat "$venv/.throughput-stamp" 2>/dev/null)" = "$stamp" ]; then
  echo "$venv"
  exit 0
fi
rm -rf "$venv"
python3.11 -m venv "$venv"
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PIP_DEFAULT_TIMEOUT=120
wheels="$(mktemp -d /var/tmp/throughput-wheels.XXXXXX)"
trap 'rm -rf "$wheels"' EXIT
"$venv/bin/pip" wheel -q --use-pep517 --require-hashes --no-deps -r "$ROOT/docker/requirements/bots4.txt" -w "$wheels/deps" >&2
"$venv/bin/pip" install -q --no-index --no-deps "$wheels"/deps/*.whl >&2
PDM_BUILD_SCM_VERSION=4.0.0 "$venv/bin/pip" wheel -q --use-pep517 --no-deps "$src" -w "$wheels/bots" >&2
"$venv/bin/pip" install -q --no-index --no-deps "$wheels"/bots/*.whl >&2
"$venv/bin/pip" check >&2
site="$("$venv/bin/python3" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
"$venv/bin/python3" "$ROOT/docker/python/install.py" "$site" "$venv/bin" "$venv/bin/python3" >/dev/null
echo "$stamp" > "$venv/.throughput-stamp"
echo "$venv"
