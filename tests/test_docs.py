"""Drift checks for the documentation (in the style of sqlite-utils' docs tests).

Every command and every option of the ``grader`` CLI appears in README.md or docs/, and every
command's help has a one-line summary and an example.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import click
import pytest

from grader.cli.main import main

ROOT = Path(__file__).resolve().parent.parent
DOCS = "\n".join(p.read_text(encoding="utf-8") for p in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))])


def commands(group: click.Group = main, prefix: str = "grader") -> Iterator[tuple[str, click.Command]]:
    """Every command below ``group``, with its full name (``grader gradescope build``)."""
    for name, command in sorted(group.commands.items()):
        full = f"{prefix} {name}"
        if isinstance(command, click.Group):
            yield from commands(command, full)
        else:
            yield full, command


COMMANDS = dict(commands())
OPTIONS = [(name, option) for name, command in COMMANDS.items() for param in command.params
           if isinstance(param, click.Option) for option in param.opts if option.startswith("--")]


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_is_documented(name: str) -> None:
    assert f"`{name}" in DOCS or f"{name} " in DOCS, f"{name} appears nowhere in README.md or docs/"


@pytest.mark.parametrize(("name", "option"), OPTIONS, ids=[f"{n}-{o}" for n, o in OPTIONS])
def test_every_option_is_documented(name: str, option: str) -> None:
    assert option in DOCS, f"{name} {option} appears nowhere in README.md or docs/"


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_a_summary_and_an_example(name: str) -> None:
    command = COMMANDS[name]
    assert command.help and command.help.strip().splitlines()[0], f"{name} has no help"
    assert "Example:" in command.help, f"{name}'s help has no example"
