#!/usr/bin/env bash
# Make sure a Docker engine answers on this machine. Idempotent: does nothing when one already does.
#
# Installs docker.io from Debian/Ubuntu apt when dockerd is missing, starts dockerd in the background
# (CI machines and containers have no systemd to do it), then waits until `docker info` answers.
# Env: DOCKERD_LOG (default /var/log/dockerd.log), DOCKER_WAIT_SECONDS (default 60).
set -euo pipefail

log="${DOCKERD_LOG:-/var/log/dockerd.log}"
wait_seconds="${DOCKER_WAIT_SECONDS:-60}"

say() { echo "provision-docker: $*" >&2; }

if docker info >/dev/null 2>&1; then
    say "a Docker engine already answers"
    exit 0
fi

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

if ! command -v dockerd >/dev/null 2>&1; then
    say "dockerd not found: installing docker.io with apt-get"
    as_root apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q docker.io
fi

# Another dockerd may still be starting (e.g. a parallel run of this script): only launch ours
# when none is alive, otherwise two daemons fight over /var/run/docker.pid.
if ! pgrep -x dockerd >/dev/null 2>&1; then
    say "starting dockerd in the background (log: $log)"
    as_root sh -c "nohup dockerd >'$log' 2>&1 &"
fi

for _ in $(seq "$wait_seconds"); do
    if docker info >/dev/null 2>&1; then
        say "Docker engine is up"
        exit 0
    fi
    sleep 1
done

say "no Docker engine answered within ${wait_seconds}s; last lines of $log:"
tail -n 20 "$log" >&2 || true
exit 1
