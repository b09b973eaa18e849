#!/usr/bin/env bash
# A real SFTP server for the tests: Debian's OpenSSH sshd, unpacked from the openssh-server package
# into the tools cache (not installed: its maintainer scripts would generate system host keys and
# start a system sshd), run on 127.0.0.1 (BOTS_SFTP_BIND) with its own sshd_config, host key and user, all in its
# directory. The user exists only inside the server's own mount namespace (copies of /etc/passwd,
# /etc/shadow and /etc/group with the user added are bind-mounted there): nothing system-wide
# changes. SFTP only (internal-sftp), password and public-key logins.
#
#   bash test/support/sftp-server.sh start       start it (idempotent), print SFTP_HOST=, SFTP_PORT=,
#                                                SFTP_USER=, SFTP_PASSWORD=, SFTP_HOME= (the user's
#                                                home on this machine; files put there as root
#                                                belong to SFTP_UID=)
#   bash test/support/sftp-server.sh authorize FILE   add a public key to the user's authorized keys
#   bash test/support/sftp-server.sh stop        stop it (its directory is kept)
#   bash test/support/sftp-server.sh wipe        stop it and delete its directory
#
# Environment: BOTS_SFTP_PORT (default 18522), BOTS_SFTP_BIND (address to listen on, default
# 127.0.0.1; the host's address on the real node's link so pods reach it), BOTS_SFTP_DIR (default
# /var/tmp/bots-sftp-$PORT).
# Needs root (unshare, bind mounts) and apt-get (the package).
set -euo pipefail

PORT="${BOTS_SFTP_PORT:-18522}"
BIND="${BOTS_SFTP_BIND:-127.0.0.1}"
DIR="${BOTS_SFTP_DIR:-/var/tmp/bots-sftp-$PORT}"
CACHE="${BOTS_TOOLS_CACHE:-$HOME/.cache/bots-edi-deploy}"
USER_NAME=partner
USER_UID=20001
PIDFILE="$DIR/sshd.pid"

log() { printf '[sftp-server %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

# ssh-keygen makes the host key, openssl the password hash.
ensure_tools() {
  command -v ssh-keygen >/dev/null && command -v openssl >/dev/null && return
  log "installing openssh-client and openssl (host key, password hash)"
  install_them() { DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -q openssh-client openssl >&2; }
  install_them || { apt-get -o DPkg::Lock::Timeout=300 update -qq >&2 && install_them; }
}

sshd_bin() {
  local version dir deb
  candidate() { apt-cache policy openssh-server | awk '/Candidate:/ {print $2}'; }
  version="$(candidate)"
  if [ -z "$version" ] || [ "$version" = "(none)" ]; then
    # A fresh machine has no package lists yet.
    apt-get -o DPkg::Lock::Timeout=300 update -qq >&2
    version="$(candidate)"
  fi
  if [ -z "$version" ] || [ "$version" = "(none)" ]; then
    log "apt-cache knows no openssh-server, even after apt-get update"
    exit 1
  fi
  dir="$CACHE/openssh-server-${version//[:~]/_}"
  if [ ! -x "$dir/usr/sbin/sshd" ]; then
    log "unpacking Debian's openssh-server $version into $dir"
    rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
    # apt's _apt user cannot write here; the download runs unsandboxed as root (apt warns, harmless).
    (cd "$dir.tmp" && apt-get download -q "openssh-server=$version" >&2 2>&1)
    deb="$(ls "$dir.tmp"/openssh-server_*.deb)"
    dpkg-deb -x "$deb" "$dir.tmp/root"
    rm -rf "$dir" && mv "$dir.tmp/root" "$dir" && rm -rf "$dir.tmp"
  fi
  echo "$dir/usr/sbin/sshd"
}

running() { [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; }

answers() { timeout 2 bash -c "exec 3<>/dev/tcp/$BIND/$PORT && head -c 4 <&3" 2>/dev/null | grep -q SSH-; }

print_env() {
  printf 'SFTP_HOST=%s\nSFTP_PORT=%s\nSFTP_USER=%s\nSFTP_PASSWORD=%s\nSFTP_HOME=%s\nSFTP_UID=%s\n' \
    "$BIND" "$PORT" "$USER_NAME" "$(cat "$DIR/password")" "$DIR/home/$USER_NAME" "$USER_UID"
}

setup() {
  mkdir -p "$DIR/home/$USER_NAME"
  chmod 755 "$DIR" "$DIR/home"
  chown "$USER_UID:$USER_UID" "$DIR/home/$USER_NAME"
  [ -s "$DIR/host_key" ] || ssh-keygen -q -t ed25519 -N '' -f "$DIR/host_key"
  [ -s "$DIR/password" ] || (umask 077 && head -c 18 /dev/urandom | base64 | tr -d '/+=\n' >"$DIR/password")
  touch "$DIR/authorized_keys"
  # The user (and sshd's privilege-separation user) exist only in these copies.
  grep -v -e "^$USER_NAME:" -e '^sshd:' /etc/passwd >"$DIR/passwd"
  printf '%s:x:%s:%s::%s:/bin/sh\nsshd:x:%s:65534::/run/sshd:/usr/sbin/nologin\n' \
    "$USER_NAME" "$USER_UID" "$USER_UID" "$DIR/home/$USER_NAME" $((USER_UID + 1)) >>"$DIR/passwd"
  grep -v "^$USER_NAME:" /etc/group >"$DIR/group"
  printf '%s:x:%s:\n' "$USER_NAME" "$USER_UID" >>"$DIR/group"
  (umask 077 && grep -v "^$USER_NAME:" /etc/shadow >"$DIR/shadow" &&
    printf '%s:%s:19000:0:99999:7:::\n' "$USER_NAME" "$(openssl passwd -6 -stdin <"$DIR/password")" >>"$DIR/shadow")
  cat >"$DIR/sshd_config" <<EOF
ListenAddress $BIND:$PORT
HostKey $DIR/host_key
PidFile none
UsePAM no
PasswordAuthentication yes
KbdInteractiveAuthentication no
PubkeyAuthentication yes
AuthorizedKeysFile $DIR/authorized_keys
StrictModes no
AllowUsers $USER_NAME
Subsystem sftp internal-sftp
ForceCommand internal-sftp
LogLevel VERBOSE
EOF
}

start() {
  local sshd i
  if running && answers; then
    print_env
    return
  fi
  ensure_tools
  sshd="$(sshd_bin)"
  setup
  log "starting sshd on $BIND:$PORT (dir $DIR, log $DIR/sshd.log)"
  # A private mount namespace: the copies replace the system files for sshd alone; /run is a tmpfs
  # there (sshd needs an empty root-owned /run/sshd).
  # shellcheck disable=SC2016 # expanded by the inner sh, from its arguments
  setsid unshare --mount --propagation private sh -c '
    mount --bind "$1/passwd" /etc/passwd && mount --bind "$1/shadow" /etc/shadow &&
    mount --bind "$1/group" /etc/group && mount -t tmpfs tmpfs /run && mkdir -m 755 /run/sshd &&
    exec "$2" -D -e -f "$1/sshd_config"' sftp-server "$DIR" "$sshd" >"$DIR/sshd.log" 2>&1 </dev/null &
  echo $! >"$PIDFILE"
  for i in $(seq 1 40); do
    if answers; then
      log "ready after ${i}x0.25s"
      print_env
      return
    fi
    running || { log "sshd exited:"; tail -n 20 "$DIR/sshd.log" >&2; exit 1; }
    sleep 0.25
  done
  log "no answer on $BIND:$PORT"
  tail -n 20 "$DIR/sshd.log" >&2
  exit 1
}

stop() {
  running || { rm -f "$PIDFILE"; return 0; }
  kill "$(cat "$PIDFILE")" 2>/dev/null || true
  rm -f "$PIDFILE"
  log "stopped"
}

case "${1:-}" in
  start) start ;;
  authorize) cat "${2:?public key file}" >>"$DIR/authorized_keys" ;;
  stop) stop ;;
  wipe) stop; rm -rf "$DIR" ;;
  *) echo "usage: $0 start|authorize FILE|stop|wipe" >&2; exit 2 ;;
esac
