#!/usr/bin/env bash
# Bots EDI container entrypoint. PID 1 is tini (ENTRYPOINT ["/usr/bin/tini","--",...]); every
# service is exec'd so it receives SIGTERM directly. See docker/README.md for the contract.
#
#   webserver | engine [bots-engine args...] | jobqueueserver | dirmonitor | init-db | shell [cmd...]
set -Eeuo pipefail

readonly BOTS_HOME="${BOTS_HOME:-/home/bots/.bots}"
export BOTSENV="${BOTSENV:-default}"
readonly ENV_DIR="${BOTS_HOME}/env/${BOTSENV}"
readonly SOURCE_CONFIG_DIR="${BOTS_SOURCE_CONFIG_DIR:-/etc/bots}"
readonly DEFAULT_CONFIG_DIR="/opt/bots/config"
export BOTS_CONFIG_DIR="${BOTS_CONFIG_DIR:-/run/bots/config}"
# Bots imports usersys as the top-level module "usersys" from the botsenv dir.
export PYTHONPATH="${ENV_DIR}${PYTHONPATH:+:${PYTHONPATH}}"

log() { printf 'bots-entrypoint: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit "${2:-1}"; }

usage() {
    cat >&2 <<'USAGE'
usage: bots-entrypoint SERVICE [args...]
  webserver              Bots web UI (port from [webserver] port in bots.ini, default 8080)
  engine [args...]       one engine run; args go to bots-engine (e.g. --new, route ids); exits
                         with Bots' code: 0 ok, 1 system error, 2 EDI errors, 3 already running
  jobqueueserver         XML-RPC job queue on localhost:[jobqueue] port (default 28082)
  dirmonitor             directory monitor (needs the job queue on localhost)
  init-db                create/complete the database schema and the superuser (idempotent)
  shell [cmd...]         bash (or cmd) with the runtime environment prepared
USAGE
}

prepare_env_dirs() {
    local pkg_usersys
    if ! mkdir -p "${ENV_DIR}/botssys/data" "${ENV_DIR}/botssys/logging" \
                  "${ENV_DIR}/botssys/sqlitedb" "${ENV_DIR}/botssys/infile" "${ENV_DIR}/usersys"; then
        log "cannot create ${ENV_DIR} as $(id -u):$(id -g); owner of ${BOTS_HOME}: $(stat -c '%u:%g %a' "${BOTS_HOME}" 2>/dev/null || echo missing)"
        die "the data volume must be writable for uid/gid 10001 (set fsGroup 10001)"
    fi
    # Seed usersys from Bots' own package usersys (charsets unoa/unob, envelope scripts, ...),
    # once; never overwrite what is there.
    if [[ ! -f "${ENV_DIR}/usersys/__init__.py" ]]; then
        pkg_usersys="$(python3 -c 'import os, bots; print(os.path.join(os.path.dirname(bots.__file__), "usersys"))')"
        cp -R --no-clobber --no-preserve=ownership,mode "${pkg_usersys}/." "${ENV_DIR}/usersys/"
        find "${ENV_DIR}/usersys" -name '__pycache__' -prune -exec rm -rf {} +
        log "seeded ${ENV_DIR}/usersys from ${pkg_usersys}"
    fi
}

prepare_config() {
    bots-prepare-config --source "${SOURCE_CONFIG_DIR}" --defaults "${DEFAULT_CONFIG_DIR}" \
        --dest "${BOTS_CONFIG_DIR}" || die "invalid configuration" 78
}

service="${1:-}"
[[ $# -gt 0 ]] && shift

case "${service}" in
    webserver|engine|jobqueueserver|dirmonitor|init-db|shell) ;;
    ''|-h|--help|help)
        usage
        exit 64
        ;;
    *)
        log "unknown service type '${service}'"
        usage
        exit 64
        ;;
esac

prepare_env_dirs
prepare_config
cd "${ENV_DIR}"

case "${service}" in
    webserver|jobqueueserver|dirmonitor)
        [[ $# -eq 0 ]] || die "${service} takes no arguments (got: $*)" 64
        exec bots-service "${service}" "-c${BOTS_CONFIG_DIR}"
        ;;
    engine)
        # bots-engine prints its usage and exits 0 on any unknown flag: refuse them here instead.
        for arg in "$@"; do
            case "${arg}" in
                --new|--resend|--rereceive|--automaticretrycommunication|--cleanup) ;;
                -c*) die "engine: do not pass -c; the config dir is ${BOTS_CONFIG_DIR}" 64 ;;
                --routeid*) die "engine: bots-engine has no --routeid; give route ids as plain arguments" 64 ;;
                -*) die "engine: unknown option '${arg}' (allowed: --new --resend --rereceive --automaticretrycommunication --cleanup, then route ids)" 64 ;;
            esac
        done
        exec bots-service engine "-c${BOTS_CONFIG_DIR}" "$@"
        ;;
    init-db)
        exec bots-init-db
        ;;
    shell)
        if [[ $# -eq 0 ]]; then
            exec bash
        fi
        exec "$@"
        ;;
esac
