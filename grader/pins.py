"""Pinned versions that several places need, declared here once and read everywhere.

The judge's own venv (``make setup``), the sandbox image (``sandbox-requirements.txt``), the GitHub
Classroom workflow and the Gradescope autograder all run torch, and all must run the same CPU build:
an unpinned torch from PyPI is the multi-GB CUDA build. The Makefile reads ``TORCH_VERSION`` from
this file; ``pyproject.toml`` and ``sandbox-requirements.txt`` cannot read Python, so
``tests/test_pins.py`` proves that they agree with it.
"""

from __future__ import annotations

TORCH_VERSION = "2.13.0"
TORCH_REQUIREMENT = f"torch=={TORCH_VERSION}"
TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"  # where pip finds the CPU build (PyPI's is CUDA)
