#!/usr/bin/env bash
# A throw-away MariaDB server (Debian's mariadb-server binaries) for the image tests (127.0.0.1)
# and the e2e tier (also on the real node's link, 198.51.100.1), run as the mysql user from its
# own datadir.
#   mysql-server.sh start|stop|status|createdb NAME|tables NAME|schema NAME|sql NAME SQL
#   mysql-server.sh grant NAME USER HOST   (password from $BOTS_TEST_MYSQL_PASSWORD, never an argument)
# Env: BOTS_TEST_MYSQL_PORT (53306), BOTS_TEST_MYSQL_DIR (/var/tmp/bots-image-test-mysql),
#      BOTS_TEST_MYSQL_BIND (127.0.0.1; MariaDB 10.11 takes a comma-separated list)
# User bots / password bots-test-pw gets all privileges on every database it creates.
set -euo pipefail

port="${BOTS_TEST_MYSQL_PORT:-53306}"
dir="${BOTS_TEST_MYSQL_DIR:-/var/tmp/bots-image-test-mysql}"
sock="${dir}/mysqld.sock"
bind="${BOTS_TEST_MYSQL_BIND:-127.0.0.1}"
client() { mariadb --protocol=socket -S "$sock" -u root "$@"; }

case "${1:-}" in
    start)
        if [[ ! -d "${dir}/data/mysql" ]]; then
            mkdir -p "${dir}/data"
            chown -R mysql:mysql "$dir"
            mariadb-install-db --user=mysql --datadir="${dir}/data" --auth-root-authentication-method=socket \
                --skip-test-db >"${dir}/install.log" 2>&1
        fi
        if ! client -e 'select 1' >/dev/null 2>&1; then
            runuser -u mysql -- /usr/sbin/mariadbd --datadir="${dir}/data" --socket="$sock" \
                --port="$port" --bind-address="$bind" --pid-file="${dir}/mysqld.pid" \
                --log-error="${dir}/error.log" --skip-log-bin >/dev/null 2>&1 &
            for _ in $(seq 1 60); do client -e 'select 1' >/dev/null 2>&1 && break; sleep 0.5; done
        fi
        client -e "CREATE USER IF NOT EXISTS 'bots'@'127.0.0.1' IDENTIFIED BY 'bots-test-pw';"
        ;;
    stop)
        if [[ -f "${dir}/mysqld.pid" ]]; then
            kill "$(cat "${dir}/mysqld.pid")" 2>/dev/null || true
            for _ in $(seq 1 60); do [[ -f "${dir}/mysqld.pid" ]] || break; sleep 0.5; done
        fi
        ;;
    status)
        client -e 'select 1' >/dev/null 2>&1
        ;;
    createdb)
        name="${2:?database name}"
        client -e "DROP DATABASE IF EXISTS \`${name}\`; CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4; GRANT ALL ON \`${name}\`.* TO 'bots'@'127.0.0.1';"
        ;;
    tables)
        name="${2:?database name}"
        client -N -e "SELECT table_name FROM information_schema.tables WHERE table_schema='${name}' ORDER BY 1;"
        ;;
    grant)
        name="${2:?database name}"; user="${3:?user}"; host="${4:?host pattern}"
        [[ -n "${BOTS_TEST_MYSQL_PASSWORD:-}" ]] || { echo "BOTS_TEST_MYSQL_PASSWORD is not set" >&2; exit 64; }
        # The password goes in on stdin, never on a command line.
        client <<SQL
CREATE USER IF NOT EXISTS '${user}'@'${host}';
ALTER USER '${user}'@'${host}' IDENTIFIED BY '${BOTS_TEST_MYSQL_PASSWORD//\'/\'\'}';
GRANT ALL ON \`${name}\`.* TO '${user}'@'${host}';
SQL
        ;;
    sql)
        client -N -B "${2:?database name}" -e "${3:?SQL}"
        ;;
    schema)
        name="${2:?database name}"
        mariadb-dump --protocol=socket -S "$sock" -u root --no-data --skip-dump-date --skip-comments "$name" |
            sed -E 's/ AUTO_INCREMENT=[0-9]+//'
        ;;
    *)
        echo "usage: $0 start|stop|status|createdb NAME|tables NAME|schema NAME|sql NAME SQL|grant NAME USER HOST" >&2
        exit 64
        ;;
esac
