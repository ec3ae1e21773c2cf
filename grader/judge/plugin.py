"""The judge's pytest plugin: fixtures for hidden tests, points from markers, outcomes as data.

Passed to ``pytest.main(args, plugins=[plugin])`` on the trusted side. It provides the
``submission`` proxy, ``rng``, ``grading_seed`` and ``oracle_cache`` (:mod:`grader.judge.cache`)
fixtures, and turns each test's first failure into exactly one :class:`~grader.results.Outcome`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from grader.errors import AnswerTooLarge, SandboxCrashed, SandboxMemory, SandboxTimeout, SandboxUnavailable
from grader.judge import budget
from grader.judge.cache import OracleCache
from grader.judge.forbidden import ForbiddenWatch
from grader.judge.proxy import SubmissionProxy
from grader.judge.remote import MissingFunction, SubmissionLoadError, remote_of
from grader.judge.seeds import case_rng
from grader.results import Outcome, TestResult

MESSAGE_CHARS = 2000
SANDBOX_OUTCOMES = (
    (AnswerTooLarge, Outcome.ERROR),  # refused unread: the judge's work on an answer is capped
    (SandboxTimeout, Outcome.TIMEOUT),
    (SandboxMemory, Outcome.MEMORY),
    (SandboxCrashed, Outcome.CRASHED),
    (SandboxUnavailable, Outcome.CRASHED),  # the engine failed mid-run: this test's sandbox is gone
    (MissingFunction, Outcome.MISSING),
)


def classify(exc: BaseException) -> tuple[Outcome, str]:
    """The outcome and message for a test that raised ``exc``."""
    for kind, outcome in SANDBOX_OUTCOMES:
        if isinstance(exc, kind):
            return outcome, str(exc)
    if isinstance(exc, SubmissionLoadError):
        return getattr(exc, "outcome", Outcome.ERROR), str(exc)
    remote = remote_of(exc)
    if remote is not None:
        if remote.builtin == "NotImplementedError":
            return Outcome.NOT_IMPLEMENTED, remote.summary()
        if remote.builtin == "MemoryError" or "can't allocate memory" in remote.message:
            return Outcome.MEMORY, remote.summary()
        detail = f"\n{remote.traceback}" if remote.traceback else ""
        return Outcome.ERROR, f"your code raised {remote.summary()}{detail}"
    if isinstance(exc, AssertionError):
        return Outcome.FAILED, str(exc) or "assertion failed"
    if isinstance(exc, pytest.fail.Exception):
        text = str(exc)
        if text.startswith("DID NOT RAISE"):
            text = f"expected the call to raise {text[len('DID NOT RAISE '):]}, but it returned"
        return Outcome.FAILED, text
    if isinstance(exc, pytest.skip.Exception):
        return Outcome.FAILED, f"the test was skipped: {exc}"
    return Outcome.ERROR, f"the returned value could not be checked: {type(exc).__name__}: {exc}"


def brief_report(item: pytest.Item, call: pytest.CallInfo[None]) -> pytest.TestReport:
    """pytest's report of one phase of a test, without the formatted traceback of a failure.

    The judge reads each failure from ``call.excinfo`` (see :func:`classify`), never from pytest's
    report, and pytest's output is discarded: formatting the traceback of every failing test (for
    a wrong submission, most of them) was most of the judge's own time.
    """
    excinfo = call.excinfo
    longrepr: tuple[str, int, str] | str | None = None
    outcome = "passed"
    if excinfo is not None and isinstance(excinfo.value, pytest.skip.Exception):
        path, line = item.reportinfo()[:2]
        outcome, longrepr = "skipped", (str(path), (line or 0) + 1, str(excinfo.value))
    elif excinfo is not None:
        outcome, longrepr = "failed", excinfo.typename
    return pytest.TestReport(
        item.nodeid, item.location, dict.fromkeys(item.keywords, 1), outcome,  # type: ignore[arg-type]
        longrepr, call.when,  # type: ignore[arg-type]
        duration=call.duration, start=call.start, stop=call.stop, user_properties=item.user_properties,
    )


class JudgePlugin:
    """Collects one :class:`TestResult` per test of one exercise."""

    def __init__(self, proxy: SubmissionProxy | None, seed: int, load_error: SubmissionLoadError | None = None,
                 loader: Callable[[], None] | None = None):
        self.proxy = proxy
        self.seed = seed
        self.load_error = load_error
        self.loader = loader  # loads the submission (setting proxy or load_error) once the tests are collected
        self.fault: Exception | None = None  # what the loader raised: a grader fault, re-raised after pytest
        self.results: list[TestResult] = []
        self.problems: list[str] = []  # collection errors: the bank is broken, not the candidate
        self.interrupted = False
        self._first_failure: dict[str, BaseException] = {}
        self._output: list[str] = []
        self._started = 0.0
        self.watch: ForbiddenWatch | None = None  # set by the runner when the exercise forbids APIs

    def record_output(self, text: str) -> None:
        """Called by the proxy after every request with what the candidate printed."""
        if text:
            self._output.append(text)

    # -- fixtures ------------------------------------------------------------------------------

    @pytest.fixture
    def submission(self) -> SubmissionProxy:
        """The candidate's module, running in the sandbox."""
        if self.load_error is not None:
            raise self.load_error
        assert self.proxy is not None
        return self.proxy

    @pytest.fixture
    def grading_seed(self) -> int:
        """This grading run's seed."""
        return self.seed

    @pytest.fixture
    def rng(self, request: pytest.FixtureRequest) -> np.random.Generator:
        """A generator for this test's randomised cases, from the run's seed and the test's id."""
        return case_rng(self.seed, request.node)

    @pytest.fixture
    def oracle_cache(self, request: pytest.FixtureRequest, rng: np.random.Generator) -> OracleCache:
        """``oracle_cache(key, compute)``: ``compute()`` once per process for this test and seed."""
        return OracleCache((str(request.node.path), request.node.name, self.seed), rng)

    # -- hooks ---------------------------------------------------------------------------------

    def pytest_configure(self, config: pytest.Config) -> None:
        config.addinivalue_line("markers", "points(n): how many points the test is worth")

    def pytest_keyboard_interrupt(self, excinfo: pytest.ExceptionInfo[BaseException]) -> None:
        # pytest reports collection errors through this hook too (Session.Interrupted): only a
        # real interrupt (Ctrl-C, or SIGTERM turned into one) stops the grading.
        self.interrupted = not isinstance(excinfo.value, pytest.Session.Interrupted)

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.problems.append(f"{report.nodeid}: {report.longreprtext[-3000:]}")

    def pytest_runtest_logstart(self, nodeid: str, location: Any) -> None:
        self._output, self._started = [], time.monotonic()
        budget.reset()  # no answer of an earlier test is charged for this test's work
        if self.watch is not None:
            self.watch.begin_test()

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        """Load the submission, now that the tests are collected; if it could not be loaded, list the
        tests that call it as failed by that, and run none of them.

        Running them would only raise the same load error in each test's setup, 48 times over.
        A test that does not use the ``submission`` fixture still runs (and is listed after them).
        """
        if self.loader is not None:
            loader, self.loader = self.loader, None
            try:
                loader()
            except Exception as exc:  # pytest would take it for a broken bank: the runner re-raises it
                self.fault = exc
                items.clear()
                return
        if self.load_error is None:
            return
        unloaded = [item for item in items if "submission" in getattr(item, "fixturenames", ())]
        for item in unloaded:
            self._output, self._started = [], time.monotonic()
            self.results.append(self._result(item, self.load_error))
        skipped = set(unloaded)
        items[:] = [item for item in items if item not in skipped]

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> pytest.TestReport:
        if call.excinfo is not None and item.nodeid not in self._first_failure:
            self._first_failure[item.nodeid] = call.excinfo.value
        if call.when == "teardown":
            self.results.append(self._result(item, self._first_failure.get(item.nodeid)))
            if self.watch is not None:
                self.watch.end_test()
        return brief_report(item, call)

    def _result(self, item: pytest.Item, failure: BaseException | None) -> TestResult:
        marker = item.get_closest_marker("points")
        max_points = float(marker.args[0]) if marker and marker.args else 0.0
        outcome, message = (Outcome.PASSED, "") if failure is None else classify(failure)
        doc = (getattr(item, "function", None).__doc__ or "").strip()  # type: ignore[union-attr]
        return TestResult(
            name=item.name,
            outcome=outcome,
            points=max_points if outcome is Outcome.PASSED else 0.0,
            max_points=max_points,
            description=doc.splitlines()[0] if doc else item.name,
            message=message[:MESSAGE_CHARS],
            output="".join(self._output)[:MESSAGE_CHARS * 8],
            duration=round(time.monotonic() - self._started, 4),
        )
