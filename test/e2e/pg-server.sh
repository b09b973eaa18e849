#!/usr/bin/env bash
# A throw-away PostgreSQL server (Debian's binaries: apt-get install postgresql)
# for the e2e tier, reachable from the real node's pods: it listens on the
# machine's side of the node link (198.51.100.1, made by hack/cluster/node-up.sh)
# and on 127.0.0.1 for the tests' own checks.
#   pg-server.sh start | stop | createdb NAME ROLE (password from $E2E_PG_PASSWORD) | psql NAME SQL
# Env: BOTS_E2E_PG_PORT (55433), BOTS_E2E_PG_DIR (/var/tmp/bots-e2e-pg)
set -euo pipefail

port="${BOTS_E2E_PG_PORT:-55433}"
dir="${BOTS_E2E_PG_DIR:-/var/tmp/bots-e2e-pg}"
host_ip="198.51.100.1"
initdb="$(compgen -G '/usr/lib/postgresql/*/bin/initdb' | sort -V | tail -1)" || true
[[ -n "$initdb" ]] || { echo "PostgreSQL is not installed: apt-get install postgresql" >&2; exit 1; }
bin="$(dirname "$initdb")"
as_pg() { runuser -u postgres -- "$@"; }
psql_admin() { as_pg "${bin}/psql" -h 127.0.0.1 -p "$port" -U postgres -v ON_ERROR_STOP=1 -qAt "$@"; }

case "${1:-}" in
    start)
        if [[ ! -f "${dir}/data/PG_VERSION" ]]; then
            mkdir -p "$dir"
            chown postgres:postgres "$dir"
            as_pg "${bin}/initdb" -D "${dir}/data" -U postgres --auth-local=trust --auth-host=reject >/dev/null
            # The admin on loopback only; the pods (as the node's address) with a password.
            cat >"${dir}/data/pg_hba.conf" <<HBA
local all all trust
host all postgres 127.0.0.1/32 trust
host all all 198.51.100.0/24 scram-sha-256
HBA
        fi
        if ! as_pg "${bin}/pg_ctl" -D "${dir}/data" status >/dev/null 2>&1; then
            as_pg "${bin}/pg_ctl" -D "${dir}/data" -w -l "${dir}/server.log" \
                -o "-p ${port} -c listen_addresses=127.0.0.1,${host_ip} -k ${dir}" start >/dev/null
        fi
        ;;
    stop)
        if [[ -f "${dir}/data/PG_VERSION" ]]; then
            as_pg "${bin}/pg_ctl" -D "${dir}/data" -m fast -w stop >/dev/null 2>&1 || true
        fi
        ;;
    createdb)
        name="${2:?database name}"
        role="${3:?role name}"
        [[ -n "${E2E_PG_PASSWORD:-}" ]] || { echo "E2E_PG_PASSWORD is not set" >&2; exit 64; }
        # The password goes through a psql variable, never the command line.
        psql_admin -d postgres -v role="$role" -v pw="$E2E_PG_PASSWORD" <<'SQL'
SET client_min_messages = warning;
SELECT format('CREATE ROLE %I LOGIN', :'role') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role') \gexec
ALTER ROLE :"role" PASSWORD :'pw';
SQL
        psql_admin -d postgres -c "SET client_min_messages = warning;" -c "DROP DATABASE IF EXISTS \"${name}\" WITH (FORCE);" \
            -c "CREATE DATABASE \"${name}\" OWNER \"${role}\";"
        ;;
    psql)
        psql_admin -d "${2:?database name}" -c "${3:?SQL}"
        ;;
    *)
        echo "usage: $0 start|stop|createdb NAME ROLE|psql NAME SQL" >&2
        exit 64
        ;;
esac
