"""Runs one exercise's hidden tests against one loaded submission, on the judge's side."""

from __future__ import annotations

import contextlib
import io
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from grader.bank import Exercise
from grader.errors import BankTestsBroken, SandboxCrashed, SandboxFailure, SandboxMemory, SandboxTimeout
from grader.judge.forbidden import ForbiddenWatch
from grader.judge.plugin import JudgePlugin
from grader.judge.proxy import SubmissionProxy
from grader.judge.remote import RemoteError, SubmissionLoadError
from grader.limits import Limits
from grader.names import readable_name
from grader.results import ExerciseResult, Outcome
from grader.sandbox.base import SandboxSession
from grader.submission import SourceFile

EMPTY_INI = Path(__file__).with_name("pytest.ini")


def run_exercise(
    exercise: Exercise,
    submitted: SourceFile,
    session: SandboxSession,
    seed: int,
    limits: Limits,
    tests: Path | None = None,
) -> ExerciseResult:
    """Load the submission for ``exercise`` into the session and run the hidden tests under ``limits``."""
    started = time.monotonic()
    module = Path(exercise.file).stem
    session.new_exercise()  # no strike from an earlier exercise counts against this one
    watch = _watch(exercise, submitted)
    plugin = JudgePlugin(None, seed)

    def load() -> None:
        # The plugin calls this once the hidden tests are collected: importing them (and their
        # oracle libraries) overlaps the start of the sandbox, which the backend may have begun.
        plugin.load_error = _load(exercise, submitted, session, module, limits.load_seconds, watch)
        if plugin.load_error is None:
            probes = f"probes_{exercise.slug}" if exercise.probes else None
            plugin.proxy = SubmissionProxy(
                session, module, probes, on_output=plugin.record_output, default_timeout=limits.call_seconds,
                watch=watch,
            )
            plugin.watch = watch
        session.budget_deadline = time.monotonic() + limits.submission_seconds

    plugin.loader = load
    try:
        _run_pytest(tests or exercise.hidden_tests, exercise.root, plugin)
    finally:
        session.budget_deadline = None
    if plugin.fault is not None:
        raise plugin.fault  # the grader's own failure while loading (no sandbox...), not the candidate's
    if plugin.problems:
        raise BankTestsBroken(f"{exercise.slug}: tests could not be collected:\n" + "\n".join(plugin.problems))
    if watch is not None:
        watch.apply(plugin.results)
    return ExerciseResult(
        slug=exercise.slug,
        title=exercise.title,
        tests=plugin.results,
        max_score=exercise.points,
        submitted_file=readable_name(str(submitted.path or "")),
        load_error=str(plugin.load_error) if plugin.load_error else "",
        duration=round(time.monotonic() - started, 3),
    )


def _watch(exercise: Exercise, submitted: SourceFile) -> ForbiddenWatch | None:
    """The exercise's forbidden APIs, found in the source (None when it forbids nothing)."""
    if not exercise.forbidden or submitted.problem:
        return None
    probes = exercise.probes.read_text(encoding="utf-8") if exercise.probes else None
    return ForbiddenWatch(exercise.forbidden, exercise.parts, submitted.source, probes)


def _load(
    exercise: Exercise, submitted: SourceFile, session: SandboxSession, module: str, seconds: float,
    watch: ForbiddenWatch | None = None,
) -> SubmissionLoadError | None:
    """Load the candidate's module (and the exercise's probes); a failure becomes a verdict."""
    if submitted.problem:
        return SubmissionLoadError(f"{exercise.file}: {submitted.problem}")
    try:
        response = session.load(module, submitted.source, exercise.file, seconds, forbidden=exercise.forbidden)
        if watch is not None:
            watch.observed(response.get("forbidden"), "load", module)
        if not response.get("ok"):
            return _load_failure(exercise, RemoteError.from_wire(response.get("error")))
        if exercise.probes is not None:
            source = exercise.probes.read_text(encoding="utf-8")
            response = session.load(f"probes_{exercise.slug}", source, "probes.py", seconds)
            if not response.get("ok"):
                detail = RemoteError.from_wire(response.get("error")).summary()
                return SubmissionLoadError(f"the exercise's probes could not run beside your code: {detail}")
    except SandboxFailure as exc:
        error = SubmissionLoadError(f"{exercise.file} could not be loaded: {exc}")
        error.outcome = _LOAD_OUTCOMES.get(type(exc), Outcome.CRASHED)  # type: ignore[attr-defined]
        return error
    finally:
        session.output.take()  # import-time output is not any test's
    return None


_LOAD_OUTCOMES = {SandboxTimeout: Outcome.TIMEOUT, SandboxMemory: Outcome.MEMORY, SandboxCrashed: Outcome.CRASHED}


def _load_failure(exercise: Exercise, remote: RemoteError) -> SubmissionLoadError:
    where = f" (line {remote.lineno})" if remote.lineno else ""
    if remote.type_name in ("SyntaxError", "IndentationError", "TabError"):
        return SubmissionLoadError(f"{exercise.file} has a syntax error{where}: {remote.message}")
    error = SubmissionLoadError(f"{exercise.file} raised {remote.summary()} while being imported{where}")
    if remote.builtin == "MemoryError":
        error.outcome = Outcome.MEMORY  # type: ignore[attr-defined]
    return error


UNUSED_PLUGINS = (
    "debugging", "doctest", "faulthandler", "junitxml", "legacypath", "logging", "monkeypatch", "pastebin",
    "recwarn", "setuponly", "setupplan", "subtests", "threadexception", "tmpdir", "unittest", "warnings",
    "terminal",  # the judge reads outcomes from its own hooks: nothing is printed
)


def _run_pytest(tests: Path, rootdir: Path, plugin: JudgePlugin) -> None:
    """Run pytest in this process with arguments the grader sets: no conftest, no config files."""
    args = [
        str(tests),
        "-c", str(EMPTY_INI),
        "--rootdir", str(rootdir),
        "--noconftest",
        "--import-mode=importlib",
        "--strict-markers",
        "-p", "no:cacheprovider",
        "-p", "no:stepwise",
        "-p", "no:unraisableexception",  # its gc.collect() at the end of each run walks the whole heap
        # pytest's plugins that hidden tests never use: each one costs every candidate's session
        # its registration and per-test hooks (about a fifth of the judge's time in a batch).
        *[flag for name in UNUSED_PLUGINS for flag in ("-p", f"no:{name}")],
        "--capture=sys",  # the judge's own output only: the candidate's is the sandbox's
        "-W", "ignore",
        "-o", "python_files=test_*.py",
    ]
    with _no_plugin_autoload(), contextlib.redirect_stdout(io.StringIO()):
        code = pytest.main(args, plugins=[plugin])
    if plugin.interrupted:  # Ctrl-C or SIGTERM: pytest stopped the run, and so do we
        raise KeyboardInterrupt("grading was interrupted")
    if code == pytest.ExitCode.NO_TESTS_COLLECTED and (plugin.results or plugin.fault):
        return  # the submission could not be loaded: every test is listed, none had to run
    if code in (pytest.ExitCode.INTERNAL_ERROR, pytest.ExitCode.USAGE_ERROR, pytest.ExitCode.NO_TESTS_COLLECTED):
        plugin.problems.append(f"pytest exited with {code!r}")


@contextlib.contextmanager
def _no_plugin_autoload() -> Iterator[None]:
    """Third-party pytest plugins installed on the judge must not change how tests run."""
    saved = os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD")
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    try:
        yield
    finally:
        if saved is None:
            del os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"]
        else:
            os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = saved
