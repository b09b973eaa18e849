#!/usr/bin/env bash
# Install the Debian packages the real node uses when any is missing (run by
# up.sh with BOTS_NODE=real): containerd, runc, the CNI plugins, socat (the API
# server relay), conntrack (kube-proxy), iptables, iproute2, and jq (the cluster and
# operator scripts read JSON with it). Extra package names
# given as arguments are installed the same way (the e2e tier adds postgresql and mariadb-server).
set -euo pipefail

pkgs=(containerd runc containernetworking-plugins socat conntrack iptables iproute2 jq "$@")
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "[cluster] installing ${missing[*]} (apt-get)" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
