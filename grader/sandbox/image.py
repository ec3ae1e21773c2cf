"""The sandbox image: build it from the top-level ``Dockerfile`` and name it by what it holds.

The tag is ``nlp-grader-sandbox:<hash>``. The hash is a sha256 over the files that decide what
runs in the sandbox -- the Dockerfile, ``sandbox-requirements.txt`` (every package pinned),
``grader/sandbox/worker.py`` and ``grader/sandbox/wire.py`` -- so a grader never talks to a
worker from another version of itself: change the worker and the backend looks for a new tag
until ``grader image build`` makes it. The base image is left out of the hash (the backend must
compute the tag without knowing how the image was built); it is recorded as an image label.

The build needs no network inside Docker: wheels are downloaded on the host into a wheelhouse
(cached, keyed by the requirements) and installed with ``pip install --no-index``. The build
context is a fresh directory holding only the files the Dockerfile copies, so hidden tests and
references can never reach the image. See docs/docker.md.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import docker
import docker.errors
import docker.transport.unixconn
import requests

from grader.errors import ImageError
from grader.pins import TORCH_CPU_INDEX, TORCH_REQUIREMENT

IMAGE_REPOSITORY = "nlp-grader-sandbox"
DEFAULT_BASE_IMAGE = "python:3.11-slim"
LOCAL_BASE_IMAGE = "nlp-grader-base"
IMAGE_ENV = "GRADER_SANDBOX_IMAGE"  # names an image to use instead of the computed tag
WHEELHOUSE_ENV = "GRADER_WHEELHOUSE"  # where downloaded wheels are cached
LABEL_HASH = "nlp-grader.sandbox-hash"
LABEL_BASE = "nlp-grader.base-image"

# Paths relative to the repository; the build context mirrors them, so the one Dockerfile serves
# both `grader image build` and a manual `docker build .` (guarded by .dockerignore).
SANDBOX_FILES = (
    "Dockerfile",
    "sandbox-requirements.txt",
    "grader/sandbox/worker.py",
    "grader/sandbox/wire.py",
)
REQUIREMENTS = "sandbox-requirements.txt"
BUILD_TIMEOUT_SECONDS = 1800
GLIBC_MINOR = 36  # Debian bookworm's glibc 2.36: the oldest the image may have

Echo = Callable[[str], None]


def _quiet(_: str) -> None:
    """Default progress sink: say nothing."""


def source_root() -> Path:
    """The repository holding the Dockerfile and the worker (this file is grader/sandbox/image.py)."""
    return Path(__file__).resolve().parents[2]


def content_hash(root: Path | None = None) -> str:
    """sha256 over the files that make up the sandbox, as 16 hex digits."""
    root = root or source_root()
    digest = hashlib.sha256()
    for rel in SANDBOX_FILES:
        path = root / rel
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise ImageError(
                f"{path} is missing: the sandbox image is built from a checkout of "
                f"nlp-grader (or set {IMAGE_ENV} to an image name)"
            ) from None
        # Name and length frame each file, so moving bytes between files changes the hash.
        digest.update(f"{rel}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()[:16]


def expected_image_tag() -> str:
    """The image the docker backend runs: $GRADER_SANDBOX_IMAGE, else the content-hash tag."""
    return os.environ.get(IMAGE_ENV) or f"{IMAGE_REPOSITORY}:{content_hash()}"


def _connect_or_close(self: docker.transport.unixconn.UnixHTTPConnection) -> None:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.settimeout(self.timeout)
        sock.connect(self.unix_socket)
    except BaseException:
        sock.close()
        raise
    self.sock = sock


# The SDK's Unix-socket connection (docker 7.1) leaves the socket open when connect() fails, for
# example when the engine went away between two calls: a ResourceWarning wherever the garbage
# collector runs. The same method, closing the socket on failure.
docker.transport.unixconn.UnixHTTPConnection.connect = _connect_or_close  # type: ignore[method-assign]

DOCKER_API_VERSION = "1.41"  # Docker 20.10 and later; everything the grader asks of an engine


def docker_client() -> docker.DockerClient:
    """A client for the local engine, checked with a ping."""
    _check_engine_socket()
    client = None
    try:
        # A fixed API version: with "auto" the constructor itself asks the engine, and when none
        # answers it raises before it returns the client whose socket it opened (a leak).
        client = docker.from_env(version=DOCKER_API_VERSION)
        client.ping()
    except (docker.errors.DockerException, requests.RequestException) as exc:
        if client is not None:  # its connection pool holds a socket: no leak when the engine is gone
            client.close()
        raise ImageError(
            f"no Docker engine answers ({exc}): start dockerd (scripts/provision-docker.sh) or use --sandbox process"
        ) from None
    return client


def _check_engine_socket() -> None:
    """Fail fast, and without a leak, when nothing listens where the engine should be.

    The Docker SDK leaks its socket when a connection fails (it never closes a socket whose
    ``connect`` raised); a plain connection attempt here, closed either way, keeps the SDK away
    from engines that are not there.
    """
    host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    try:
        if host.startswith("unix://"):
            with socket.socket(socket.AF_UNIX) as probe:
                probe.settimeout(5)
                probe.connect(host.removeprefix("unix://"))
        elif host.startswith("tcp://"):
            address, _, port = host.removeprefix("tcp://").rstrip("/").rpartition(":")
            with socket.create_connection((address.strip("[]"), int(port)), timeout=5):
                pass
    except (OSError, ValueError) as exc:
        raise ImageError(
            f"no Docker engine answers at {host} ({getattr(exc, 'strerror', None) or exc}): start dockerd "
            "(make docker) or use --sandbox process"
        ) from None


def image_exists(tag: str, client: docker.DockerClient | None = None) -> bool:
    """Whether the engine holds an image by this name."""
    if client is None:
        with contextlib.closing(docker_client()) as own:
            return image_exists(tag, own)
    try:
        client.images.get(tag)
    except docker.errors.ImageNotFound:
        return False
    return True


# --- wheelhouse -------------------------------------------------------------------------------


def default_wheelhouse() -> Path:
    """Where wheels are cached: $GRADER_WHEELHOUSE, else ./wheelhouse in the repository."""
    return Path(os.environ.get(WHEELHOUSE_ENV) or source_root() / "wheelhouse")


def _requirements_key(root: Path) -> str:
    return hashlib.sha256((root / REQUIREMENTS).read_bytes()).hexdigest()[:16]


def ensure_wheelhouse(cache: Path, echo: Echo = _quiet) -> Path:
    """Download the pinned wheels once per version of the requirements; return their folder."""
    root = source_root()
    target = cache / _requirements_key(root)
    stamp = target / ".complete"
    if stamp.exists():
        echo(f"wheelhouse {target} is ready")
        return target
    _check_torch_pin(root / REQUIREMENTS)
    target.mkdir(parents=True, exist_ok=True)
    echo(f"downloading wheels into {target}")
    _pip_download(root / REQUIREMENTS, target)
    _check_cpu_torch(target)
    stamp.write_text("ok\n")
    _prune_other_wheelhouses(cache, keep=target)
    return target


def _check_torch_pin(requirements: Path) -> None:
    lines = [line.split("#")[0].strip() for line in requirements.read_text(encoding="utf-8").splitlines()]
    if TORCH_REQUIREMENT not in lines:
        raise ImageError(f"{requirements} must pin {TORCH_REQUIREMENT}, the version grader/pins.py names")


def _pip_download(requirements: Path, target: Path) -> None:
    # --no-deps: the requirements pin every package already, and following torch's metadata
    # from PyPI's CUDA build would fetch gigabytes of nvidia wheels. `pip install --no-index`
    # in the image then proves the pins are complete. The host's pip configuration
    # (find-links, index, proxy) applies, which is how an offline mirror is used.
    cmd = [sys.executable, "-m", "pip", "download", "--disable-pip-version-check", "--no-deps"]
    cmd += ["--only-binary=:all:", "--python-version", "3.11", "--implementation", "cp"]
    cmd += [arg for tag in _image_platforms() for arg in ("--platform", tag)]
    cmd += ["-d", str(target), "-r", str(requirements)]
    if subprocess.run(cmd, stdout=sys.stderr).returncode != 0:
        raise ImageError(f"pip download failed (see above): {' '.join(cmd)}")


def _image_platforms() -> list[str]:
    """Wheel platform tags the image can load, whatever the host's own glibc is.

    Both bases are Debian bookworm or newer: glibc 2.36 at least. pip does not widen a given
    --platform to older manylinux tags by itself, so every one is listed.
    """
    arch = platform.machine()
    tags = [f"manylinux_2_{minor}_{arch}" for minor in range(GLIBC_MINOR, 16, -1)]
    return tags + [f"manylinux2014_{arch}"]


def _check_cpu_torch(target: Path) -> None:
    # On PyPI, the pinned torch for Linux is the CUDA build; only a CPU wheel belongs in the sandbox.
    wheels = [p.name for p in target.glob("torch-*.whl")]
    if wheels and not any("+cpu" in name for name in wheels):
        raise ImageError(
            f"{target} holds {wheels[0]}, not the CPU build of torch; point pip at "
            f"the CPU wheels of {TORCH_REQUIREMENT} (PIP_FIND_LINKS=<dir> or PIP_EXTRA_INDEX_URL="
            f"{TORCH_CPU_INDEX}) and delete that folder"
        )


def _prune_other_wheelhouses(cache: Path, keep: Path) -> None:
    # Wheels of older requirement pins are dead weight (torch alone is ~200 MB).
    for old in cache.iterdir():
        if old != keep and (old / ".complete").exists():
            shutil.rmtree(old, ignore_errors=True)


# --- build ------------------------------------------------------------------------------------


def assemble_context(dest: Path, wheels: Path) -> None:
    """Fill an empty folder with exactly what the Dockerfile copies: nothing else is sent."""
    root = source_root()
    for rel in SANDBOX_FILES:
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / rel, dest / rel)
    (dest / "wheelhouse").mkdir()
    for wheel in wheels.glob("*.whl"):
        _link_or_copy(wheel, dest / "wheelhouse" / wheel.name)


def _link_or_copy(src: Path, dst: Path) -> None:
    try:
        os.link(src, dst)  # torch is ~200 MB: a hard link saves copying it on every build
    except OSError:
        shutil.copy2(src, dst)


def ensure_base_image(client: docker.DockerClient, base: str, echo: Echo = _quiet) -> None:
    """Make sure the base image is present locally, pulling it if need be."""
    if image_exists(base, client):
        return
    echo(f"pulling base image {base}")
    try:
        client.images.pull(base)
    except docker.errors.DockerException as exc:
        raise ImageError(
            f"cannot pull base image {base}: {exc}\n"
            "Without an image registry, build a local base with debootstrap and use it:\n"
            f"  scripts/build-base-image.sh {LOCAL_BASE_IMAGE}\n"
            f"  grader image build --base-image {LOCAL_BASE_IMAGE}\n"
            "(or: grader image build --local-base, which does both)"
        ) from None


def build_local_base(echo: Echo = _quiet) -> str:
    """Run scripts/build-base-image.sh (a no-op when the image exists); return the base's name."""
    script = source_root() / "scripts" / "build-base-image.sh"
    echo(f"building local base image {LOCAL_BASE_IMAGE} with {script.name}")
    if subprocess.run([str(script), LOCAL_BASE_IMAGE], stdout=sys.stderr).returncode != 0:
        raise ImageError(f"{script} failed (see above)")
    return LOCAL_BASE_IMAGE


def build_image(
    base_image: str = DEFAULT_BASE_IMAGE,
    *,
    wheelhouse: Path | None = None,
    force: bool = False,
    no_cache: bool = False,
    echo: Echo = _quiet,
) -> str:
    """Build the sandbox image unless its tag exists already; tag it also :latest; return it."""
    client = docker_client()
    tag = expected_image_tag()
    if image_exists(tag, client) and not force:
        echo(f"image {tag} is up to date")
    else:
        ensure_base_image(client, base_image, echo)
        cache = wheelhouse or default_wheelhouse()
        wheels = ensure_wheelhouse(cache, echo)
        with tempfile.TemporaryDirectory(prefix=".context-", dir=cache) as ctx:
            assemble_context(Path(ctx), wheels)
            _run_build(client, Path(ctx), tag, base_image, no_cache, echo)
    client.images.get(tag).tag(IMAGE_REPOSITORY, "latest")
    return tag


def _run_build(client: docker.DockerClient, context: Path, tag: str, base: str, no_cache: bool, echo: Echo) -> None:
    echo(f"building {tag} from {base}")
    # The low-level API streams the build log as it goes; the high-level one only returns at
    # the end, and a silent minute looks like a hang.
    stream = client.api.build(
        path=str(context),
        tag=tag,
        buildargs={"BASE_IMAGE": base},
        pull=False,
        rm=True,
        forcerm=True,
        nocache=no_cache,
        decode=True,
        timeout=BUILD_TIMEOUT_SECONDS,
        labels={LABEL_HASH: tag.rpartition(":")[2], LABEL_BASE: base},
    )
    try:
        for line in _build_lines(stream):
            echo(line)
    except docker.errors.DockerException as exc:
        raise ImageError(f"docker build of {tag} failed: {exc}") from None


def _build_lines(stream: Iterator[dict[str, Any]]) -> Iterator[str]:
    for chunk in stream:
        if "error" in chunk:
            raise ImageError(f"docker build failed: {chunk['error'].strip()}")
        text = chunk.get("stream", "").rstrip()
        if text:
            yield text


# --- moving an image to a host without a registry or network ---------------------------------


def save_image(target: Path, echo: Echo = _quiet) -> str:
    """Write the expected sandbox image to ``target`` (a gzipped ``docker save`` tar); return its tag.

    The file is written under a temporary name and renamed into place: never half there.
    """
    client = docker_client()
    tag = expected_image_tag()
    try:
        image = client.images.get(tag)
    except docker.errors.ImageNotFound:
        raise ImageError(f"image {tag} is not here: run `grader image build` first") from None
    echo(f"saving {tag} to {target}")
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    try:
        with gzip.open(partial, "wb", compresslevel=1) as fp:
            for chunk in image.save(named=tag):
                fp.write(chunk)
        os.replace(partial, target)
    except (OSError, docker.errors.DockerException, requests.RequestException) as exc:
        raise ImageError(f"cannot save {tag} to {target}: {exc}") from None
    finally:
        partial.unlink(missing_ok=True)
    return tag


def load_image(source: Path, echo: Echo = _quiet) -> str:
    """Load an image saved by :func:`save_image` (or ``docker save``); return the expected tag it holds.

    It is refused, after loading, unless it holds the tag this grader expects: an image saved by
    another version of the grader would run another worker.
    """
    client = docker_client()
    expected = expected_image_tag()
    echo(f"loading {source}")
    try:
        with source.open("rb") as fp:  # the engine reads gzip, bzip2 and xz tars alike
            images = client.images.load(fp)
    except (OSError, docker.errors.DockerException, requests.RequestException) as exc:
        raise ImageError(f"cannot load {source}: {exc}") from None
    tags = sorted(t for image in images for t in image.tags)
    if expected not in tags:
        raise ImageError(f"{source} holds {', '.join(tags) or 'no tagged image'}, not {expected}, the image this "
                         "grader runs: save it from a grader of the same version (`grader image tag` tells)")
    return expected


def image_status() -> dict[str, str]:
    """What `grader image status` shows: image present/missing/unavailable, tag, base, size."""
    try:
        tag = expected_image_tag()
        client = docker_client()
    except ImageError as exc:
        return {"image": "unavailable", "detail": str(exc)}
    try:
        image = client.images.get(tag)
    except docker.errors.ImageNotFound:
        return {"image": "missing", "tag": tag, "detail": "run `grader image build`"}
    labels = image.labels or {}
    size_mb = int(image.attrs.get("Size", 0)) // 2**20
    return {
        "image": "present",
        "tag": tag,
        "id": image.short_id,
        "base": labels.get(LABEL_BASE, "?"),
        "size": f"{size_mb} MB",
    }
