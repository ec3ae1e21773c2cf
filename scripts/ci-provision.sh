#!/usr/bin/env bash
# Make a fresh CI machine ready for the docker sandbox, in order:
#   1. a Docker engine that answers (scripts/provision-docker.sh);
#   2. a base image: python:3.11-slim when it can be pulled, else a local debootstrap base
#      (scripts/build-base-image.sh nlp-grader-base);
#   3. the sandbox image, via `grader image build` (python -m grader.cli image build).
# Idempotent and quick on re-runs: each step skips what is already there.
# Env: PYTHON (default .venv/bin/python), BASE_IMAGE (default python:3.11-slim),
#      PULL_TIMEOUT seconds (default 120).
set -euo pipefail
cd "$(dirname "$0")/.."

py="${PYTHON:-.venv/bin/python}"
[ -x "$py" ] || py=python3
base="${BASE_IMAGE:-python:3.11-slim}"
local_base=nlp-grader-base

step() { echo "ci-provision: [${SECONDS}s] $*" >&2; }

step "engine"
scripts/provision-docker.sh

if "$py" -m grader.cli image status >/dev/null 2>&1; then
    step "sandbox image is up to date"
    "$py" -m grader.cli image status
    exit 0
fi

step "base image"
if docker image inspect "$base" >/dev/null 2>&1; then
    :
elif docker image inspect "$local_base" >/dev/null 2>&1; then
    base="$local_base"  # built by an earlier run: no point asking the registry again
elif ! timeout "${PULL_TIMEOUT:-120}" docker pull -q "$base" >/dev/null 2>&1; then
    step "cannot pull $base: building the local base $local_base"
    scripts/build-base-image.sh "$local_base"
    base="$local_base"
fi

step "sandbox image from $base"
"$py" -m grader.cli image build --base-image "$base"
"$py" -m grader.cli image status
step "done"
