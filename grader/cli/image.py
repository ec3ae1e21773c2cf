"""``grader image``: build and inspect the Docker sandbox image (:mod:`grader.sandbox.image`)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from grader.cli.errors import translate_errors
from grader.sandbox.image import (
    DEFAULT_BASE_IMAGE,
    LOCAL_BASE_IMAGE,
    WHEELHOUSE_ENV,
    build_image,
    build_local_base,
    expected_image_tag,
    image_status,
    load_image,
    save_image,
)


def _echo(line: str) -> None:
    click.echo(line, err=True)


@click.group(name="image")
def image_group() -> None:
    """Build and inspect the Docker sandbox image."""


@image_group.command(name="build")
@click.option(
    "--base-image",
    default=DEFAULT_BASE_IMAGE,
    show_default=True,
    help="Debian-like image with Python 3.11 to build on.",
)
@click.option(
    "--local-base", is_flag=True, help=f"Build and use a local debootstrap base ({LOCAL_BASE_IMAGE}): no registry."
)
@click.option(
    "--wheelhouse",
    type=click.Path(file_okay=False, path_type=Path),
    help=f"Wheel cache folder [default: ./wheelhouse or ${WHEELHOUSE_ENV}].",
)
@click.option("--force", is_flag=True, help="Rebuild even when the tag exists.")
@click.option("--no-cache", is_flag=True, help="Do not reuse Docker's layer cache.")
@translate_errors
def build_command(base_image: str, local_base: bool, wheelhouse: Path | None, force: bool, no_cache: bool) -> None:
    """Build the sandbox image and tag it nlp-grader-sandbox:<hash> and :latest.

    Example: grader image build --local-base
    """
    if local_base:
        base_image = build_local_base(_echo)
    tag = build_image(base_image, wheelhouse=wheelhouse, force=force, no_cache=no_cache, echo=_echo)
    click.echo(tag)


@image_group.command(name="status")
def status_command() -> None:
    """Show whether the expected sandbox image exists; exit 1 when it cannot be used.

    Example: grader image status
    """
    status = image_status()
    for key, value in status.items():
        click.echo(f"{key}: {value}")
    if status["image"] != "present":
        sys.exit(1)


@image_group.command(name="tag")
@translate_errors
def tag_command() -> None:
    """Print the tag the docker backend will run.

    Example: docker run --rm -i "$(grader image tag)"
    """
    click.echo(expected_image_tag())


@image_group.command(name="save")
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
@translate_errors
def save_command(target: Path) -> None:
    """Save the sandbox image to a gzipped tar, for a host without a registry (grader image load there).

    Example: grader image save sandbox.tar.gz
    """
    click.echo(save_image(target, _echo))


@image_group.command(name="load")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@translate_errors
def load_command(source: Path) -> None:
    """Load a sandbox image saved by grader image save; refuse one this grader would not run.

    Example: grader image load sandbox.tar.gz
    """
    click.echo(load_image(source, _echo))
