#!/usr/bin/env bash
# Entry point of the bots-tests build target: Bots' own tests (bots/tests, the selection its
# pyproject.toml makes) on the built environment. They run generalinit('config') relative to the
# working directory (bots/tests/__init__.py), so they get a throw-away botsenv under /tmp made the
# way Bots makes one (botsinit.initbotsenv: config/, botssys/, usersys/). Extra args go to pytest.
set -euo pipefail
work="$(mktemp -d "${TMPDIR:-/tmp}/bots-tests.XXXXXX")"
python3 -c 'import sys; from bots import botsinit; botsinit.initbotsenv(botsenv_path=sys.argv[1])' "$work" >&2
cp -R /opt/bots-tests/. "$work/"
cd "$work"
exec python3 -m pytest -p no:cacheprovider -o addopts=--verbose "$@"
