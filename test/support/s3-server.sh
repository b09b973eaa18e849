#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# A real S3-compatible object store for the tests: SeaweedFS (`weed mini`: master, volume server,
# filer and S3 gateway in one process), built from the Go module proxy into the tools cache
# (hack/tools/build-all.sh seaweedfs). Path-style addressing, signature v4, one identity whose keys
# are generated once per data directory and printed by `start`.
#
#   bash test/support/s3-server.sh start   start it (idempotent), wait until S3 answers, print
#                                          S3_ENDPOINT=, S3_ACCESS_KEY=, S3_SECRET_KEY=, S3_REGION=
#   bash test/support/s3-server.sh env     print those lines without starting anything
#   bash test/support/s3-server.sh bucket NAME..   create buckets (idempotent; the server is running)
#   bash test/support/s3-server.sh stop    stop it (data kept)
#   bash test/support/s3-server.sh wipe    stop it and delete its data
#
# Environment: BOTS_S3_PORT (S3 port, default 18333; the next 7 ports are its own internal ones),
# BOTS_S3_BIND (address to listen on, default 127.0.0.1; give the host's address on the real
# node's link so pods reach it), BOTS_S3_DIR (default /var/tmp/bots-s3-$BOTS_S3_PORT).
# Nothing leaves the machine: telemetry, the admin UI, WebDAV, Iceberg and Lance are off. Volumes
# (files that grow as objects arrive, each bucket its own) are capped at 512 MB and counted, not
# sized from the free disk, so a bucket gets one even on a nearly full disk.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PORT="${BOTS_S3_PORT:-18333}"
BIND="${BOTS_S3_BIND:-127.0.0.1}"
DIR="${BOTS_S3_DIR:-/var/tmp/bots-s3-$PORT}"
PIDFILE="$DIR/weed.pid"
LOG="$DIR/weed.log"
REGION=us-east-1

log() { printf '[s3-server %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

weed_bin() {
  # shellcheck source=../../hack/tools/lib.sh
  . "$ROOT/hack/tools/lib.sh"
  if ! bots_tool_ready seaweedfs; then
    bash "$ROOT/hack/tools/build-all.sh" seaweedfs >&2
  fi
  echo "$(bots_tool_dir seaweedfs)/bin/weed"
}

running() { [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; }

# The identity's keys, made once per data directory (readable by root only).
credentials() {
  mkdir -p "$DIR"
  if [ ! -s "$DIR/credentials" ]; then
    (umask 077 && printf '%s %s\n' "BOTS$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n' | tr a-f A-F)" \
      "$(head -c 30 /dev/urandom | base64 | tr -d '/+=\n')" >"$DIR/credentials")
  fi
  read -r ACCESS_KEY SECRET_KEY <"$DIR/credentials"
}

print_env() {
  credentials
  printf 'S3_ENDPOINT=http://%s:%s\nS3_ACCESS_KEY=%s\nS3_SECRET_KEY=%s\nS3_REGION=%s\n' \
    "$BIND" "$PORT" "$ACCESS_KEY" "$SECRET_KEY" "$REGION"
}

# An unsigned request is refused with 403 once the gateway is up with its identities.
answers() {
  local code
  code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://$BIND:$PORT/" || true)"
  [ "$code" = 403 ]
}

start() {
  local weed i
  if running && answers; then
    print_env
    return
  fi
  weed="$(weed_bin)"
  credentials
  (umask 077 && cat >"$DIR/s3.json" <<EOF
{"identities": [{"name": "bots-tests", "credentials": [{"accessKey": "$ACCESS_KEY", "secretKey": "$SECRET_KEY"}],
  "actions": ["Admin", "Read", "List", "Tagging", "Write"]}]}
EOF
  )
  mkdir -p "$DIR/data"
  log "starting SeaweedFS S3 on $BIND:$PORT (data $DIR, log $LOG)"
  setsid "$weed" mini -dir="$DIR/data" -ip="$BIND" -ip.bind="$BIND" \
    -s3.port="$PORT" -master.port=$((PORT + 1)) -volume.port=$((PORT + 2)) -filer.port=$((PORT + 3)) \
    -master.port.grpc=$((PORT + 4)) -volume.port.grpc=$((PORT + 5)) -filer.port.grpc=$((PORT + 6)) \
    -s3.port.grpc=$((PORT + 7)) -s3.port.iceberg=0 -s3.port.lance=0 \
    -s3.config="$DIR/s3.json" -webdav=false -admin.ui=false -master.telemetry=false \
    -master.volumeSizeLimitMB=512 -volume.max=64 \
    >"$LOG" 2>&1 </dev/null &
  echo $! >"$PIDFILE"
  for i in $(seq 1 120); do
    if answers; then
      log "ready after ${i}x0.5s"
      print_env
      return
    fi
    if ! running; then
      log "weed exited; last lines of $LOG:"
      tail -n 20 "$LOG" >&2
      exit 1
    fi
    sleep 0.5
  done
  log "no S3 answer on $BIND:$PORT after 60s; last lines of $LOG:"
  tail -n 20 "$LOG" >&2
  exit 1
}

stop() {
  local pid i
  running || { rm -f "$PIDFILE"; return 0; }
  pid="$(cat "$PIDFILE")"
  kill "$pid"
  for i in $(seq 1 40); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.25
  done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$PIDFILE"
  log "stopped"
}

bucket() {
  local weed name
  weed="$(weed_bin)"
  for name in "$@"; do
    if ! printf 's3.bucket.list\n' | "$weed" shell -master="$BIND:$((PORT + 1)).$((PORT + 4))" -filer="$BIND:$((PORT + 3)).$((PORT + 6))" 2>/dev/null |
        grep -qE "^[[:space:]]*$name([[:space:]]|$)"; then
      printf 's3.bucket.create -name %s\n' "$name" | "$weed" shell -master="$BIND:$((PORT + 1)).$((PORT + 4))" -filer="$BIND:$((PORT + 3)).$((PORT + 6))" >&2
    fi
  done
}

case "${1:-}" in
  start) start ;;
  bucket) shift; bucket "$@" ;;
  env) print_env ;;
  stop) stop ;;
  wipe) stop; rm -rf "$DIR" ;;
  *) echo "usage: $0 start|env|bucket NAME..|stop|wipe" >&2; exit 2 ;;
esac
