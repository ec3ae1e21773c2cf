# The sandbox image: Python 3.11 with numpy and torch (CPU), and the worker. Nothing else.
#
# It holds no hidden tests, no references and no other judge code: `grader image build` sends a
# build context that contains only the files COPY'd below (and .dockerignore allow-lists the same
# files for a manual `docker build .`). The wheels come from a wheelhouse downloaded on the host,
# so the build needs no network: `pip install --no-index`.
#
# BASE_IMAGE must be a Debian-like image with python3 3.11 and its venv module:
#   python:3.11-slim (the default), or the local `nlp-grader-base` that
#   scripts/build-base-image.sh makes with debootstrap when no image registry can be reached.
ARG BASE_IMAGE=python:3.11-slim

# --- stage 1: install the wheels into a venv; the wheelhouse (~200 MB) stays in this stage ---
FROM ${BASE_IMAGE} AS build
# python3 exists on both bases (/usr/local/bin on slim, /usr/bin on Debian's); the venv then
# gives one `python` path that is the same on both.
RUN python3 -m venv /opt/venv
# `grader image build` puts the wheels at wheelhouse/ in its context. For a manual build from the
# top level, name the downloaded folder: --build-arg WHEELHOUSE=wheelhouse/<requirements hash>
ARG WHEELHOUSE=wheelhouse
COPY sandbox-requirements.txt /tmp/sandbox-requirements.txt
COPY ${WHEELHOUSE}/ /tmp/wheelhouse/
RUN /opt/venv/bin/python -m pip install --no-cache-dir --no-index --find-links /tmp/wheelhouse \
        -r /tmp/sandbox-requirements.txt \
    # pip is no use in a sandbox without network; dropping it leaves less to poke at.
    && /opt/venv/bin/python -m pip uninstall -y -q pip

# --- stage 2: the runtime image ---
FROM ${BASE_IMAGE}
COPY --from=build /opt/venv /opt/venv
# Owned by root and read-only to the sandbox user (the container also runs with --read-only).
COPY grader/sandbox/worker.py grader/sandbox/wire.py /opt/nlp-grader/
RUN chmod 0755 /opt/nlp-grader && chmod 0644 /opt/nlp-grader/worker.py /opt/nlp-grader/wire.py
ENV PATH=/opt/venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    LANG=C.UTF-8 \
    HOME=/tmp
WORKDIR /tmp
# nobody:nogroup on Debian; `docker run --user 65534:65534` says the same, this is the fallback.
USER 65534:65534
# -I: ignore PYTHON* variables, the user site and the script's directory (the worker finds
# wire.py itself). -B: no .pyc written, since -I also ignores PYTHONDONTWRITEBYTECODE.
CMD ["/opt/venv/bin/python", "-I", "-B", "/opt/nlp-grader/worker.py"]
