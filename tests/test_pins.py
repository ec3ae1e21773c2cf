"""The torch pin is declared once, in grader/pins.py; the files that cannot read Python agree with it."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from grader.pins import TORCH_REQUIREMENT, TORCH_VERSION

ROOT = Path(__file__).resolve().parent.parent


def test_pyproject_pins_the_same_torch():
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    assert [d for d in dependencies if re.match(r"torch\b", d)] == [TORCH_REQUIREMENT]


def test_the_sandbox_image_pins_the_same_torch():
    lines = [line.split("#")[0].strip() for line in (ROOT / "sandbox-requirements.txt").read_text().splitlines()]
    assert [line for line in lines if re.match(r"torch\b", line)] == [TORCH_REQUIREMENT]


def test_the_makefile_reads_the_pin_instead_of_repeating_it():
    makefile = (ROOT / "Makefile").read_text()
    assert "grader/pins.py" in makefile and "torch==$(TORCH_VERSION)" in makefile
    assert TORCH_VERSION not in makefile
