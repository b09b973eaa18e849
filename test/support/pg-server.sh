#!/usr/bin/env bash
# A throw-away PostgreSQL server (Debian's binaries) for the image tests, on 127.0.0.1 only.
#   pg-server.sh start|stop|status|createdb NAME
# Env: BOTS_TEST_PG_PORT (55432), BOTS_TEST_PG_DIR (/var/tmp/bots-image-test-pg)
# Role bots / password bots-test-pw owns every database it creates.
set -euo pipefail

port="${BOTS_TEST_PG_PORT:-55432}"
dir="${BOTS_TEST_PG_DIR:-/var/tmp/bots-image-test-pg}"
bin="$(dirname "$(compgen -G '/usr/lib/postgresql/*/bin/initdb' | sort -V | tail -1)")"
as_pg() { runuser -u postgres -- "$@"; }
psql_admin() { as_pg "${bin}/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -qAt "$@"; }

case "${1:-}" in
    start)
        if [[ ! -f "${dir}/data/PG_VERSION" ]]; then
            mkdir -p "$dir"
            chown postgres:postgres "$dir"
            as_pg "${bin}/initdb" -D "${dir}/data" -U postgres --auth-local=trust --auth-host=trust >/dev/null
            # Password auth for the bots role over TCP; postgres (admin) trusted on loopback.
            cat >"${dir}/data/pg_hba.conf" <<HBA
local all all trust
host all postgres 127.0.0.1/32 trust
host all all 127.0.0.1/32 scram-sha-256
HBA
        fi
        if ! as_pg "${bin}/pg_ctl" -D "${dir}/data" status >/dev/null 2>&1; then
            as_pg "${bin}/pg_ctl" -D "${dir}/data" -w -l "${dir}/server.log" \
                -o "-p ${port} -c listen_addresses=127.0.0.1 -k ${dir}" start >/dev/null
        fi
        psql_admin -c "DO \$\$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname='bots') THEN CREATE ROLE bots LOGIN PASSWORD 'bots-test-pw'; END IF; END\$\$;"
        ;;
    stop)
        if [[ -f "${dir}/data/PG_VERSION" ]]; then
            as_pg "${bin}/pg_ctl" -D "${dir}/data" -m fast -w stop >/dev/null 2>&1 || true
        fi
        ;;
    status)
        as_pg "${bin}/pg_ctl" -D "${dir}/data" status >/dev/null 2>&1
        ;;
    createdb)
        name="${2:?database name}"
        psql_admin -c "SET client_min_messages = warning;" -c "DROP DATABASE IF EXISTS \"${name}\";" -c "CREATE DATABASE \"${name}\" OWNER bots;"
        ;;
    schema)
        # Schema snapshot (tables, columns, indexes, constraints) for idempotency checks.
        name="${2:?database name}"
        as_pg "${bin}/pg_dump" -h 127.0.0.1 -p "$port" -U postgres --schema-only --no-owner "$name" |
            grep -v -e '^--' -e '^$' -e '^\\restrict' -e '^\\unrestrict'
        ;;
    *)
        echo "usage: $0 start|stop|status|createdb NAME|schema NAME" >&2
        exit 64
        ;;
esac
