#!/usr/bin/env bash
# A throw-away PostgreSQL server (Debian's binaries: apt-get install postgresql) for the image
# tier (on 127.0.0.1) and the e2e tier (also on the real node's link, 198.51.100.1, so pods reach
# it), run as the postgres user from its own data directory.
#   pg-server.sh start|stop|status|schema NAME|psql NAME SQL
#   pg-server.sh createdb NAME [ROLE]   drop and create NAME owned by ROLE (default bots, password
#                                       bots-test-pw); a ROLE's password comes from
#                                       $BOTS_TEST_PG_PASSWORD, never an argument
# Env: BOTS_TEST_PG_PORT (55432), BOTS_TEST_PG_DIR (/var/tmp/bots-image-test-pg),
#      BOTS_TEST_PG_BIND (127.0.0.1; a comma-separated list, e.g. 127.0.0.1,198.51.100.1)
# The admin (postgres) is trusted on loopback only; every other role logs in with a password
# from loopback or from the /24 of each further listen address.
set -euo pipefail

port="${BOTS_TEST_PG_PORT:-55432}"
dir="${BOTS_TEST_PG_DIR:-/var/tmp/bots-image-test-pg}"
bind="${BOTS_TEST_PG_BIND:-127.0.0.1}"
initdb="$(compgen -G '/usr/lib/postgresql/*/bin/initdb' | sort -V | tail -1)" || true
[[ -n "$initdb" ]] || { echo "PostgreSQL is not installed: apt-get install postgresql" >&2; exit 1; }
bin="$(dirname "$initdb")"
as_pg() { runuser -u postgres -- "$@"; }
psql_admin() { as_pg "${bin}/psql" -h 127.0.0.1 -p "$port" -U postgres -v ON_ERROR_STOP=1 -qAt "$@"; }

hba() {
    local addr
    printf 'local all all trust\nhost all postgres 127.0.0.1/32 trust\nhost all all 127.0.0.1/32 scram-sha-256\n'
    for addr in ${bind//,/ }; do
        [[ "$addr" == 127.0.0.1 ]] || printf 'host all all %s.0/24 scram-sha-256\n' "${addr%.*}"
    done
}

case "${1:-}" in
    start)
        if [[ ! -f "${dir}/data/PG_VERSION" ]]; then
            mkdir -p "$dir"
            chown postgres:postgres "$dir"
            as_pg "${bin}/initdb" -D "${dir}/data" -U postgres --auth-local=trust --auth-host=reject >/dev/null
        fi
        hba >"${dir}/data/pg_hba.conf"
        if ! as_pg "${bin}/pg_ctl" -D "${dir}/data" status >/dev/null 2>&1; then
            as_pg "${bin}/pg_ctl" -D "${dir}/data" -w -l "${dir}/server.log" \
                -o "-p ${port} -c listen_addresses=${bind} -k ${dir}" start >/dev/null
        fi
        psql_admin -d postgres -c "DO \$\$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname='bots') THEN CREATE ROLE bots LOGIN PASSWORD 'bots-test-pw'; END IF; END\$\$;"
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
        role="${3:-bots}"
        if [[ -n "${3:-}" ]]; then
            [[ -n "${BOTS_TEST_PG_PASSWORD:-}" ]] || { echo "BOTS_TEST_PG_PASSWORD is not set (the password of role $role)" >&2; exit 64; }
            # The password goes through a psql variable, never the command line.
            psql_admin -d postgres -v role="$role" -v pw="$BOTS_TEST_PG_PASSWORD" <<'SQL'
SET client_min_messages = warning;
SELECT format('CREATE ROLE %I LOGIN', :'role') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role') \gexec
ALTER ROLE :"role" PASSWORD :'pw';
SQL
        fi
        psql_admin -d postgres -c "SET client_min_messages = warning;" -c "DROP DATABASE IF EXISTS \"${name}\" WITH (FORCE);" \
            -c "CREATE DATABASE \"${name}\" OWNER \"${role}\";"
        ;;
    schema)
        # Schema snapshot (tables, columns, indexes, constraints) for idempotency checks.
        name="${2:?database name}"
        as_pg "${bin}/pg_dump" -h 127.0.0.1 -p "$port" -U postgres --schema-only --no-owner "$name" |
            grep -v -e '^--' -e '^$' -e '^\\restrict' -e '^\\unrestrict'
        ;;
    psql)
        psql_admin -d "${2:?database name}" -c "${3:?SQL}"
        ;;
    *)
        echo "usage: $0 start|stop|status|createdb NAME [ROLE]|schema NAME|psql NAME SQL" >&2
        exit 64
        ;;
esac
