#!/usr/bin/env bash
# Bots EDI container entrypoint. PID 1 is tini (ENTRYPOINT ["/usr/bin/tini","--",...]); every
# service is exec'd so it receives SIGTERM directly. See docker/README.md for the contract.
#
#   webserver | engine [bots-engine args...] | jobqueueserver | dirmonitor | init-db | exchange [args...]
#   | backup ARGS | shell [cmd...]
set -Eeuo pipefail

log() { printf 'bots-entrypoint: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit "${2:-1}"; }

# Variables of the fork's entrypoint: honoured where they still mean something, else refused with
# the replacement (a silently ignored setting is worse than a failed start).
if [[ -n "${DB_INIT_SKIP+x}" ]]; then
    die "DB_INIT_SKIP is not read by this image: only the init-db service (the db-init Job) initialises the database, the webserver never does; remove DB_INIT_SKIP" 64
fi
if [[ -n "${CONFIG_DIR:-}" ]]; then
    if [[ -n "${BOTS_SOURCE_CONFIG_DIR:-}" && "${BOTS_SOURCE_CONFIG_DIR}" != "${CONFIG_DIR}" ]]; then
        die "CONFIG_DIR=${CONFIG_DIR} and BOTS_SOURCE_CONFIG_DIR=${BOTS_SOURCE_CONFIG_DIR} disagree; set only BOTS_SOURCE_CONFIG_DIR (the dir holding bots.ini and settings.py)" 64
    fi
    log "CONFIG_DIR is the fork's name for BOTS_SOURCE_CONFIG_DIR: reading bots.ini and settings.py from ${CONFIG_DIR}"
    BOTS_SOURCE_CONFIG_DIR="${CONFIG_DIR}"
fi
# PORT is honoured by bots-prepare-config ([webserver] port).

# The file exchange moves files only: no Bots config, database or run dir, so none of the
# preparation below.
if [[ "${1:-}" == exchange ]]; then
    shift
    exec bots-exchange "$@"
fi

readonly BOTS_HOME="${BOTS_HOME:-/home/bots/.bots}"
export BOTSENV="${BOTSENV:-default}"
readonly ENV_DIR="${BOTS_HOME}/env/${BOTSENV}"
readonly SOURCE_CONFIG_DIR="${BOTS_SOURCE_CONFIG_DIR:-/etc/bots}"
readonly DEFAULT_CONFIG_DIR="/opt/bots/config"
BOTS_MAJOR="$(cut -d. -f1 /opt/venv/bots-version)"
readonly BOTS_MAJOR

# Scratch for the assembled config: /run/bots (an emptyDir in the pods; mode 1777 in the image, which
# a `docker run --tmpfs /run/bots` inherits). If it is not writable all the same (a read-only or
# foreign mount), /tmp/bots-run is used instead.
run_dir="${BOTS_RUN_DIR:-/run/bots}"
if ! { mkdir -p "${run_dir}" 2>/dev/null && [[ -w "${run_dir}" ]]; }; then
    fallback="${TMPDIR:-/tmp}/bots-run"
    if mkdir -p "${fallback}" 2>/dev/null && [[ -w "${fallback}" ]]; then
        log "${run_dir} is not writable for uid $(id -u) (a root-owned tmpfs?); using ${fallback}"
        run_dir="${fallback}"
    else
        die "neither ${run_dir} nor ${fallback} is writable for uid $(id -u): mount an emptyDir/tmpfs writable by 10001 at ${run_dir} (docker: --tmpfs ${run_dir}:uid=10001,gid=10001)" 78
    fi
fi
export BOTS_RUN_DIR="${run_dir}"
readonly ASSEMBLED_CONFIG_DIR="${BOTS_RUN_DIR}/config"
if (( BOTS_MAJOR >= 4 )); then
    # Bots 4 takes its botsenv from the config dir's parent: <botsenv>/config, a link to the
    # assembled dir (bots-prepare-config makes it).
    export BOTS_CONFIG_DIR="${ENV_DIR}/config"
else
    export BOTS_CONFIG_DIR="${ASSEMBLED_CONFIG_DIR}"
    # Bots 3.3.1 imports usersys as the top-level module "usersys" from the botsenv dir.
    export PYTHONPATH="${ENV_DIR}${PYTHONPATH:+:${PYTHONPATH}}"
fi

usage() {
    cat >&2 <<'USAGE'
usage: bots-entrypoint SERVICE [args...]
  webserver              Bots web UI (port from [webserver] port in bots.ini, default 8080)
  engine [args...]       one engine run; args go to bots-engine (e.g. --new, route ids); exits
                         with Bots' code: 0 ok, 1 system error, 2 EDI errors, 3 already running
  jobqueueserver         XML-RPC job queue on localhost:[jobqueue] port (default 28082)
  dirmonitor             directory monitor (needs the job queue on localhost)
  init-db                create/complete the database schema and the superuser (idempotent)
  exchange [args...]     run file-exchange rules once (bots-exchange; needs no Bots config)
  backup run|list|verify ID|restore ID   backups of the environment (bots-backup; docs/backups.md)
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
        --dest "${ASSEMBLED_CONFIG_DIR}" || die "invalid configuration" 78
}

service="${1:-}"
[[ $# -gt 0 ]] && shift

case "${service}" in
    webserver|engine|jobqueueserver|dirmonitor|init-db|backup|shell) ;;
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

# A stop request while the environment is being prepared ends the container cleanly (the service
# has not started; Bots would otherwise never see the signal and bash would exit 143).
case "${service}" in
    webserver|jobqueueserver|dirmonitor) trap 'log "SIGTERM before ${service} started: exiting"; exit 0' TERM ;;
esac
prepare_env_dirs
prepare_config
cd "${ENV_DIR}"
trap - TERM

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
        # bots-backup's marker (the job queue's runs check it in /opt/bots/bin/bots-engine).
        if [[ -f "${ENV_DIR}/.backup-in-progress" ]]; then
            deadline="$(head -c 20 "${ENV_DIR}/.backup-in-progress" | tr -cd '0-9')"
            if [[ -n "${deadline}" ]] && (( $(date +%s) < deadline )); then
                log "a backup is in progress (${ENV_DIR}/.backup-in-progress): this engine run is skipped; the next one picks up its files"
                exit 0
            fi
        fi
        exec bots-service engine "-c${BOTS_CONFIG_DIR}" "$@"
        ;;
    init-db)
        exec bots-init-db
        ;;
    backup)
        exec bots-backup "$@"
        ;;
    shell)
        if [[ $# -eq 0 ]]; then
            exec bash
        fi
        exec "$@"
        ;;
esac
