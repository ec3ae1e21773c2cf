#!/usr/bin/env bash
# Build a local Debian bookworm base image with python3, for machines that cannot pull
# python:3.11-slim (air-gapped, or no image registry). Idempotent: skips when the image exists.
#
# Usage: scripts/build-base-image.sh [NAME]        (default NAME: nlp-grader-base)
# Env:   DEBIAN_MIRROR (default http://deb.debian.org/debian), FORCE=1 to rebuild.
#
# Only apt reaches the Debian mirror; no image registry is involved. bookworm's python3 is 3.11,
# the same as the host's, so a wheelhouse downloaded on the host installs in the image as is.
set -euo pipefail

name="${1:-nlp-grader-base}"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"

say() { echo "build-base-image: $*" >&2; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

if [ "${FORCE:-0}" != "1" ] && docker image inspect "$name" >/dev/null 2>&1; then
    say "image $name already exists (FORCE=1 rebuilds it)"
    exit 0
fi

if ! command -v debootstrap >/dev/null 2>&1; then
    say "debootstrap not found: installing it with apt-get"
    as_root apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap
fi

root="$(mktemp -d /tmp/nlp-grader-base.XXXXXX)"
trap 'as_root rm -rf "$root"' EXIT

say "debootstrapping bookworm into $root (about a minute)"
# minbase keeps the image small; python3-venv gives the Dockerfile a venv with pip inside it.
as_root debootstrap --variant=minbase --include=python3,python3-venv,python3-pip \
    bookworm "$root" "$mirror" >"$root.log" 2>&1 || {
    say "debootstrap failed; last lines of $root.log:"
    tail -n 20 "$root.log" >&2
    exit 1
}
rm -f "$root.log"

# apt caches and lists are dead weight in an image that never runs apt.
as_root rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*

say "importing $root as image $name"
as_root tar -C "$root" -c . | docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' \
    --change 'CMD ["python3"]' \
    - "$name" >/dev/null
say "built $name"
