#!/usr/bin/env bash
# Build a local Debian bookworm base image from debootstrap and `docker import` it.
#
# No container registry is reachable on the project's machines, so the image tests and the
# bench hand this image to docker/Dockerfile through --build-arg BASE_IMAGE=... instead of the
# public default (debian:bookworm-slim). It is made to look like debian:bookworm-slim:
# minbase variant, the same apt sources, docs/man/locales excluded by dpkg.
#
# Usage: build-base-image.sh [amd64|arm64]      (default: the host's architecture)
# Env:   BOTS_BASE_IMAGE_TAG  image name to create (default bots-local/debian:bookworm-slim-<arch>)
#        DEBIAN_MIRROR        default http://deb.debian.org/debian
# Idempotent: does nothing when the image already exists (delete it to rebuild).
set -euo pipefail

arch="${1:-$(dpkg --print-architecture)}"
tag="${BOTS_BASE_IMAGE_TAG:-bots-local/debian:bookworm-slim-${arch}}"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"

if docker image inspect "$tag" >/dev/null 2>&1; then
    echo "base image $tag already present"
    exit 0
fi

platform_flag=()
if [[ "$arch" != "$(dpkg --print-architecture)" ]]; then
    # Foreign architecture: debootstrap runs the second stage under qemu-user-static/binfmt.
    if [[ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]]; then
        echo "arm64 emulation is not registered; run hack/docker/setup-engine.sh --multiarch first" >&2
        exit 1
    fi
    platform_flag=(--platform "linux/${arch}")
fi

work="$(mktemp -d /var/tmp/bots-base.XXXXXX)"
trap 'rm -rf "$work"' EXIT
rootfs="$work/rootfs"

start=$(date +%s)
debootstrap --variant=minbase --arch="$arch" bookworm "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 || {
    tail -40 "$work/debootstrap.log" >&2
    exit 1
}

# The same dpkg excludes as the official slim images (no docs, man pages, locales).
mkdir -p "$rootfs/etc/dpkg/dpkg.cfg.d"
cat >"$rootfs/etc/dpkg/dpkg.cfg.d/docker" <<'DPKG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
DPKG
cat >"$rootfs/etc/apt/apt.conf.d/docker-clean" <<'APT'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
APT
rm -f "$rootfs/etc/apt/sources.list"
cat >"$rootfs/etc/apt/sources.list.d/debian.sources" <<SRC
Types: deb
URIs: ${mirror}
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${mirror%/debian}/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
# Trust the same extra CAs as this machine (a TLS-intercepting egress proxy may sit in front of
# PyPI here). They become active when the Dockerfile installs ca-certificates. Test-only: the
# public default base has no such file.
if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
    mkdir -p "$rootfs/usr/local/share/ca-certificates"
    cp /usr/local/share/ca-certificates/*.crt "$rootfs/usr/local/share/ca-certificates/"
fi
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/usr/share/doc/* \
       "$rootfs"/usr/share/man/* "$rootfs"/usr/share/locale/* "$rootfs"/var/log/*.log

tar -C "$rootfs" --numeric-owner -c . |
    docker import "${platform_flag[@]}" \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'CMD ["bash"]' - "$tag" >/dev/null
echo "built base image $tag for linux/${arch} in $(( $(date +%s) - start ))s"
