#!/usr/bin/env bash
# Prints the directory holding Debian's prometheus and promtool (2.42 on bookworm), installing the
# package when they are missing: the image tier tests the alert rules with `promtool test rules`
# and the e2e tier scrapes the deployed stack with a real Prometheus server. The package's own
# service is not started (no init system here; the tests run the server themselves).
# Needs root for apt-get; otherwise it says what to install.
set -euo pipefail
if ! command -v promtool >/dev/null 2>&1 || ! command -v prometheus >/dev/null 2>&1; then
    if [[ "$(id -u)" -ne 0 ]]; then
        echo "prometheus.sh: promtool/prometheus missing: apt-get install prometheus" >&2
        exit 1
    fi
    echo "prometheus.sh: installing Debian's prometheus (promtool and the server, for the alert-rule and scrape tests)" >&2
    # policy-rc.d 101: the package must not start its service on install.
    policy=/usr/sbin/policy-rc.d
    created=""
    if [[ ! -e "$policy" ]]; then
        printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && created=1
    fi
    install_it() { DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends prometheus >/dev/null; }
    install_it || { apt-get -o DPkg::Lock::Timeout=300 update -qq && install_it; }
    [[ -n "$created" ]] && rm -f "$policy"
fi
dirname "$(command -v promtool)"
