"""``grader image save`` and ``grader image load``: the sandbox image moved to a host without a registry.

A tiny image stands in for the sandbox image (``GRADER_SANDBOX_IMAGE`` names it), so that the round
trip takes seconds: saved, removed from the engine, loaded back; an image of another tag is refused.
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest

GRADER = Path(sys.executable).with_name("grader")
TINY = "nlp-grader-test-tiny"


def grader(*args: object, image: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(GRADER), *map(str, args)], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "GRADER_SANDBOX_IMAGE": image})


@pytest.fixture()
def tiny_image() -> Iterator[str]:
    import docker

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        data = b"not a real sandbox\n"
        info = tarfile.TarInfo("README")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    client = docker.from_env()
    tag = f"{TINY}:{os.getpid()}"
    client.api.import_image_from_data(buffer.getvalue(), repository=TINY, tag=str(os.getpid()))
    try:
        yield tag
    finally:
        for name in (tag, f"{TINY}:other"):
            try:
                client.images.remove(name, force=True)
            except docker.errors.ImageNotFound:
                pass
        client.close()


@pytest.mark.docker
def test_an_image_saved_then_loaded_is_the_image_the_grader_expects(tiny_image: str, tmp_path: Path) -> None:
    import docker

    archive = tmp_path / "sandbox.tar.gz"
    saved = grader("image", "save", archive, image=tiny_image)
    assert saved.returncode == 0 and saved.stdout.strip() == tiny_image, saved.stderr
    assert archive.read_bytes()[:2] == b"\x1f\x8b" and not list(tmp_path.glob(".*partial*"))
    with contextlib.closing(docker.from_env()) as client:
        client.images.remove(tiny_image, force=True)
    loaded = grader("image", "load", archive, image=tiny_image)
    assert loaded.returncode == 0 and loaded.stdout.strip() == tiny_image, loaded.stderr
    with contextlib.closing(docker.from_env()) as client:
        assert client.images.get(tiny_image)

    other = grader("image", "load", archive, image=f"{TINY}:other")
    assert other.returncode == 3 and f"not {TINY}:other" in other.stderr
    missing = grader("image", "save", tmp_path / "x.tar.gz", image=f"{TINY}:other")
    assert missing.returncode == 3 and "grader image build" in missing.stderr
