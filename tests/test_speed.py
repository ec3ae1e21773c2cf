"""What makes grading fast (issue #16), checked as behaviour: no timed assertions here.

Speed itself is measured by ``bench/bench_speed.py``. These tests pin down the mechanisms, and
that none of them changes a verdict or weakens isolation:

* the judge never has pytest format a failure report (it reads each failure itself);
* a file that cannot be loaded lists its tests with the load error and runs none of them;
* the submission is loaded once the hidden tests are collected, so the sandbox can boot meanwhile;
* sandboxes started ahead (:mod:`grader.sandbox.prestart`) are fresh and serve one session each;
* the worker imports numpy before the first request, never torch;
* ``oracle_cache`` gives a test the same values, and the same random draws, cached or not.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from grader.errors import SandboxUnavailable
from grader.grading import grade_sources
from grader.judge import cache
from grader.limits import Limits
from grader.results import Outcome
from grader.sandbox import wire
from grader.sandbox.base import ExitInfo
from grader.sandbox.fake import FakeBackend, FakeSession
from grader.sandbox.prestart import Prestarter
from grader.sandbox.process_backend import ProcessBackend
from grader.sandbox.session import Session
from grader.submission import SourceFile

from .conftest import DATA

REFERENCE = (DATA / "reference" / "adder.py").read_text()


def hidden_tests(folder: Path, source: str) -> Path:
    """A folder of hidden tests for the mini bank's adder exercise."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "test_speed_hidden.py").write_text(textwrap.dedent(source))
    return folder


def grade_adder(mini_bank, source: str, tests: Path, backend=None, seed: int = 1):
    exercise = mini_bank["adder"]
    files = {"adder": SourceFile(None, source=source)}
    return grade_sources("t", files, [exercise], backend or FakeBackend(), seed=seed,
                         tests={"adder": tests}).exercises[0]


def lines(path: Path) -> list[str]:
    return path.read_text().split() if path.exists() else []


# --- the judge ----------------------------------------------------------------------------------

def test_the_judge_never_has_pytest_format_a_failure(mini_bank, tmp_path):
    # pytest's report of a failure (even under --tb=no) walks and cuts the traceback and renders
    # the exception's text. The judge reads the exception once, itself, and formats nothing else.
    marker = tmp_path / "str-calls"
    tests = hidden_tests(tmp_path / "hidden", f"""
        import pytest

        class Counted(AssertionError):
            def __str__(self):
                with open({str(marker)!r}, "a") as fp:
                    fp.write("str\\n")
                return "1 + 1 is not 3"

        @pytest.mark.points(1)
        def test_fails(submission):
            if submission.add(1, 1) != 3:
                raise Counted()
        """)
    result = grade_adder(mini_bank, REFERENCE, tests)
    [test] = result.tests
    assert (test.outcome, test.message) == (Outcome.FAILED, "1 + 1 is not 3")
    assert lines(marker) == ["str"]  # the judge's own reading, and nothing more


def test_an_unloadable_file_lists_its_tests_with_the_error_and_runs_none(mini_bank, tmp_path):
    setups = tmp_path / "setups"
    tests = hidden_tests(tmp_path / "hidden", f"""
        import pytest

        @pytest.fixture(autouse=True)
        def spy(request):
            with open({str(setups)!r}, "a") as fp:
                fp.write(request.node.name + "\\n")

        @pytest.mark.points(2)
        def test_first(submission):
            '''Calls the submission.'''
            assert submission.add(1, 2) == 3

        @pytest.mark.points(3)
        @pytest.mark.parametrize("n", [1, 2])
        def test_second(submission, n):
            assert submission.add(n, n) == 2 * n

        @pytest.mark.points(1)
        def test_without_the_submission():
            assert True
        """)
    result = grade_adder(mini_bank, "def add(a, b)\n    return a + b\n", tests)
    assert "syntax error (line 1)" in result.load_error
    assert [t.name for t in result.tests] == ["test_first", "test_second[1]", "test_second[2]",
                                              "test_without_the_submission"]
    unloaded = result.tests[:3]
    assert all(t.outcome is Outcome.ERROR and "syntax error" in t.message and t.points == 0 for t in unloaded)
    assert [t.max_points for t in unloaded] == [2, 3, 3] and unloaded[0].description == "Calls the submission."
    assert result.tests[3].outcome is Outcome.PASSED
    assert lines(setups) == ["test_without_the_submission"]  # the others were never set up
    assert result.score == 1 and result.max_score == 10


def test_the_submission_is_loaded_once_the_tests_are_collected(mini_bank, tmp_path):
    events = tmp_path / "events"

    class RecordingSession(FakeSession):
        def load(self, module, source, filename, timeout=None, **options):
            with open(events, "a") as fp:
                fp.write(f"load-{module}\n")
            return super().load(module, source, filename, timeout, **options)

    class RecordingBackend(FakeBackend):
        def open_session(self, limits):
            return RecordingSession(limits)

    tests = hidden_tests(tmp_path / "hidden", f"""
        import pytest

        with open({str(events)!r}, "a") as fp:
            fp.write("collected\\n")

        @pytest.mark.points(1)
        def test_adds(submission):
            assert submission.add(1, 2) == 3
        """)
    result = grade_adder(mini_bank, REFERENCE, tests, RecordingBackend())
    assert result.score == 1
    assert lines(events) == ["collected", "load-adder"]


class UnstartableBackend:
    """A real backend whose engine is gone: every start fails."""

    name = "process"

    def open_session(self, limits: Limits) -> Session:
        return Session(self, limits)

    def start(self, limits: Limits):
        raise SandboxUnavailable("the engine went away")


def test_a_sandbox_that_cannot_start_is_a_grader_fault_not_a_broken_bank(mini_bank):
    exercise = mini_bank["adder"]
    with pytest.raises(SandboxUnavailable, match="the engine went away"):
        grade_sources("t", {"adder": SourceFile(None, source=REFERENCE)}, [exercise], UnstartableBackend(), seed=1)


# --- sandboxes started ahead --------------------------------------------------------------------

class SleepSandbox:
    """A real process standing in for a worker: enough to see what is started, handed out and ended."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.process = subprocess.Popen(["sleep", "600"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE)

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()

    def exit_info(self) -> ExitInfo:
        return ExitInfo(self.process.poll())

    def end_detached(self) -> bool:
        return False

    def cleanup(self) -> None:
        for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()

    @property
    def alive(self) -> bool:
        return self.process.poll() is None


class SleepBackend:
    """Starts :class:`SleepSandbox` processes and remembers them all."""

    name = "sleep"

    def __init__(self) -> None:
        self.started: list[SleepSandbox] = []

    def start(self, limits: Limits) -> SleepSandbox:
        sandbox = SleepSandbox(limits)
        self.started.append(sandbox)
        return sandbox

    def open_session(self, limits: Limits) -> Session:
        return Session(self, limits)


def test_each_session_gets_a_fresh_sandbox_and_the_next_one_starts_ahead():
    inner, limits = SleepBackend(), Limits.default()
    backend = Prestarter(inner, ahead=1)
    try:
        handed = []
        for _ in range(3):
            backend.open_session(limits)  # early: the session's sandbox starts now
            sandbox = backend.start(limits)
            assert sandbox not in handed  # never one that served an earlier session
            handed.append(sandbox)
            backend.retire(sandbox)
        backend._reaper.submit(lambda: None).result()  # the endings queued so far are done
        assert not any(s.alive for s in handed)
        [(_limits, ahead)] = backend._pending  # one more is starting, for a fourth session
        assert ahead.result() not in handed and len(inner.started) == 4
    finally:
        backend.close()
    assert not any(s.alive for s in inner.started)  # the one never used is killed too


def test_a_session_ends_its_sandbox_through_the_backend_in_the_background():
    inner, limits = SleepBackend(), Limits.default()
    backend = Prestarter(inner, ahead=0)
    session = backend.open_session(limits)
    sandbox = session._ensure_started()
    assert backend.live == [sandbox]
    session.close()
    backend.close()  # waits for the endings
    assert backend.live == [] and not sandbox.alive


def test_a_stopping_backend_kills_everything_and_starts_nothing_more():
    inner, limits = SleepBackend(), Limits.default()
    backend = Prestarter(inner, ahead=2)
    in_use = backend.start(limits)
    backend.kill_all()
    assert not in_use.alive and not any(s.alive for s in inner.started)
    with pytest.raises(SandboxUnavailable, match="stopping"):
        backend.start(limits)


def test_sandboxes_started_for_other_limits_are_not_used():
    inner = SleepBackend()
    backend = Prestarter(inner, ahead=1)
    smaller = Limits.default().merged({"memory_mb": 512})
    try:
        first = backend.start(Limits.default())  # and one more starts ahead, with the default limits
        other = backend.start(smaller)
        assert other is not first and other.limits == smaller
    finally:
        backend.close()
    assert len(inner.started) >= 3 and not any(s.alive for s in inner.started)


# --- the worker ---------------------------------------------------------------------------------

MODULES = "import sys\n\ndef loaded():\n    return ['numpy' in sys.modules, 'torch' in sys.modules]\n"


def loaded_modules(backend) -> list[bool]:
    with backend.open_session(Limits.default()) as session:
        assert session.load("m", MODULES, "m.py")["ok"]
        response = session.request({"op": "call", "module": "m", "name": "loaded", "args": wire.encode([]),
                                    "kwargs": wire.encode({})})
        return wire.decode(response["value"])


def test_the_worker_imports_numpy_before_the_first_request_and_never_torch():
    assert loaded_modules(ProcessBackend()) == [True, False]


@pytest.mark.docker
def test_a_docker_sandbox_started_ahead_has_numpy_and_no_torch():
    from grader.sandbox.docker_backend import DockerBackend

    backend = Prestarter(DockerBackend(), ahead=1)
    try:
        assert loaded_modules(backend) == [True, False]
    finally:
        backend.close()


SCRIBBLER = """\
import os

def scribble():
    seen = os.path.exists('/tmp/left-by-an-earlier-session')
    open('/tmp/left-by-an-earlier-session', 'w').close()
    return [seen, os.uname().nodename]
"""


@pytest.mark.docker
def test_docker_sandboxes_started_ahead_are_fresh_containers_never_reused():
    from grader.sandbox.docker_backend import DockerBackend, remove_leftover_containers

    backend = Prestarter(DockerBackend(), ahead=1)
    hosts = []
    try:
        for _ in range(3):
            with backend.open_session(Limits.default()) as session:
                assert session.load("s", SCRIBBLER, "s.py")["ok"]
                response = session.request({"op": "call", "module": "s", "name": "scribble",
                                            "args": wire.encode([]), "kwargs": wire.encode({})})
                seen, host = wire.decode(response["value"])
                assert seen is False  # nothing an earlier session wrote
                hosts.append(host)
    finally:
        backend.close()
    assert len(set(hosts)) == 3  # three containers
    assert remove_leftover_containers(mine=True) == 0  # none left running, the spare included


# --- the oracle cache ---------------------------------------------------------------------------

ORACLE_TEST = """
import pytest

@pytest.mark.points(1)
def test_cached(submission, rng, oracle_cache):
    def case():
        with open({log!r}, "a") as fp:
            fp.write("computed\\n")
        values = [float(v) for v in rng.normal(size=3)]
        return values, sum(values)

    values, expected = oracle_cache("case", case)
    values.append(1.0)  # changing what it got must not change what the next candidate gets
    after = float(rng.normal())
    with open({log!r}, "a") as fp:
        fp.write(f"draw={{after!r}}\\n")
    assert abs(submission.add(values[0], values[1]) + values[2] - expected) < 1e-9
"""


def test_the_oracle_cache_computes_once_and_leaves_the_same_draws(mini_bank, tmp_path):
    cache.clear()
    log = tmp_path / "log"
    tests = hidden_tests(tmp_path / "hidden", ORACLE_TEST.format(log=str(log)))
    first = grade_adder(mini_bank, REFERENCE, tests, seed=7)
    second = grade_adder(mini_bank, REFERENCE, tests, seed=7)
    assert first.score == second.score == 1
    events = lines(log)
    assert events[0] == "computed" and events.count("computed") == 1
    draws = [e for e in events if e.startswith("draw=")]
    assert len(draws) == 2 and draws[0] == draws[1]  # the rng was left where the computation left it
    grade_adder(mini_bank, REFERENCE, tests, seed=8)  # another seed: other cases, computed afresh
    assert lines(log).count("computed") == 2
    cache.clear()


def test_the_oracle_cache_computes_afresh_when_the_draws_so_far_differ():
    import numpy as np

    cache.clear()
    calls = []

    def compute(rng):
        calls.append(1)
        return float(rng.normal())

    rng = np.random.default_rng(1)
    first = cache.OracleCache(("file", "test", 1), rng)("k", lambda: compute(rng))
    moved = np.random.default_rng(1)
    moved.normal()  # this test drew once more before asking
    second = cache.OracleCache(("file", "test", 1), moved)("k", lambda: compute(moved))
    assert len(calls) == 2 and first != second
    cache.clear()


# --- the batch and the command line -------------------------------------------------------------

def brief_only(candidate) -> dict:
    """A batch task that grades nothing: the pool's own bookkeeping is what is under test."""
    return {"candidate": candidate.name, "status": "graded", "message": "", "score": 0.0, "max_score": 0.0,
            "percent": 0.0, "duration": 0.0}


def test_the_pool_keeps_a_few_candidates_per_job_in_flight_not_the_whole_batch(tmp_path, monkeypatch):
    from grader.batch import pool
    from grader.batch.run import BatchRequest, run_batch

    sizes: list[int] = []
    real_wait = pool.wait

    def measured_wait(fs, *args, **kwargs):
        sizes.append(len(fs))
        return real_wait(fs, *args, **kwargs)

    monkeypatch.setattr(pool, "wait", measured_wait)
    subs = tmp_path / "subs"
    subs.mkdir()
    for index in range(12):
        (subs / f"c{index:02d}.py").write_text(REFERENCE)
    run_batch(BatchRequest(subs, tmp_path / "results", bank=DATA / "mini_bank", sandbox="process", jobs=2, seed=1),
              task=brief_only)
    assert sizes and max(sizes) <= pool.IN_FLIGHT_PER_JOB * 2  # each wait() visits a bounded set


def test_the_command_line_imports_a_command_only_when_it_runs():
    heavy = ("grader.batch", "grader.integrations.gradescope", "grader.sandbox.image", "grader.validate")
    code = ("import sys, click\nfrom grader.cli.main import main\n"
            "main.get_command(click.Context(main), 'grade')\n"
            f"print(sorted(m for m in sys.modules if m.startswith({heavy!r})))\n")
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert completed.stdout.strip() == "[]"


def ahead_of_this_worker(candidate) -> dict:
    """A batch task that reports how many containers its worker would start ahead, and grades nothing."""
    from grader.batch import worker

    assert worker._STATE is not None and worker._STATE.backend is not None
    return {**brief_only(candidate), "message": str(worker._STATE.backend.ahead)}


class Briefs:
    """A batch progress that keeps the briefs of finished candidates, in order."""

    def __init__(self) -> None:
        self.briefs: list[dict] = []

    def begin(self, total: int, done: int, todo: int) -> None: ...
    def tick(self) -> None: ...
    def note(self, message: str) -> None: ...

    def finished(self, brief: dict) -> None:
        self.briefs.append(brief)


@pytest.mark.docker
def test_the_last_candidates_of_a_batch_start_no_container_for_a_next_one(tmp_path):
    from grader.batch.run import BatchRequest, run_batch

    subs = tmp_path / "subs"
    subs.mkdir()
    for index in range(4):
        (subs / f"c{index}.py").write_text(REFERENCE)
    progress = Briefs()
    run_batch(BatchRequest(subs, tmp_path / "results", bank=DATA / "mini_bank", sandbox="docker", jobs=1, seed=1),
              progress, task=ahead_of_this_worker)
    # By name: two candidates that finish within one wait of the pool are reported in either order.
    ahead = {b["candidate"]: b["message"] for b in progress.briefs}
    assert ahead == {"c0.py": "1", "c1.py": "1", "c2.py": "1", "c3.py": "0"}


def test_the_final_steps_libraries_are_loaded_while_the_batch_grades():
    # Pygments compiles a lexer's rules into its class's _tokens the first time one is made.
    code = ("import sys\nfrom pygments.lexers import PythonLexer\nfrom grader.batch import run\n"
            "assert 'numpy' not in sys.modules and '_tokens' not in vars(PythonLexer)\n"
            "run._prepare_final_step().join()\n"
            "print('grader.winnowing' in sys.modules and 'numpy' in sys.modules and '_tokens' in vars(PythonLexer))\n")
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert completed.stdout.strip() == "True"


def test_cached_arrays_are_read_only_for_every_candidate_and_cannot_be_unfrozen():
    import numpy as np

    cache.clear()
    handed = []
    for _ in range(3):  # the first candidate computes, the next two get the kept value
        rng = np.random.default_rng(5)
        A, info = cache.OracleCache(("file", "test", 5), rng)("k", lambda r=rng: (r.normal(size=(4, 3)), {"n": [4]}))
        assert not A.flags.writeable
        with pytest.raises(ValueError, match="read-only"):
            A[0, 0] = 1.0
        info["n"].append(5)  # lists and dicts are still copies: this changes nothing kept
        handed.append((A, info))
    first, second, third = handed
    np.testing.assert_array_equal(first[0], third[0])
    assert second[1] == {"n": [4, 5]} and third[1] == {"n": [4, 5]}  # each got its own [4], then appended
    with pytest.raises(ValueError):
        second[0].flags.writeable = True  # a view of a read-only array cannot be made writeable
    cache.clear()


def what_the_worker_sees(candidate) -> dict:
    """A batch task that reports its worker's environment, folder and whether the judge was imported
    before the worker started (by the forkserver, once for every worker)."""
    import os
    import sys

    seen = [os.environ.get("GRADER_TEST_PROBE", "-"), os.getcwd(), str("pytest" in sys.modules)]
    return {**brief_only(candidate), "message": "|".join(seen)}


def test_workers_are_forked_with_the_judge_imported_and_the_parents_environment_of_now(tmp_path, monkeypatch):
    from grader.batch.run import BatchRequest, run_batch

    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "c0.py").write_text(REFERENCE)
    for probe in ("first", "second"):  # the forkserver outlives the first batch; the second must not see its state
        folder = tmp_path / probe
        folder.mkdir()
        monkeypatch.setenv("GRADER_TEST_PROBE", probe)
        monkeypatch.chdir(folder)
        progress = Briefs()
        run_batch(BatchRequest(subs, tmp_path / f"results-{probe}", bank=DATA / "mini_bank", sandbox="process",
                               jobs=1, seed=1), progress, task=what_the_worker_sees)
        assert [b["message"] for b in progress.briefs] == [f"{probe}|{folder}|True"]


def leaves_an_exit_hook(candidate) -> dict:
    """A batch task that registers an atexit hook, as the sandboxes' cleanup does, writing a file."""
    import atexit
    import os

    marks = Path(os.environ["GRADER_TEST_MARKS"])
    atexit.register((marks / candidate.name).write_text, "the worker ran its exit hooks")
    return brief_only(candidate)


def test_workers_run_their_exit_hooks_as_they_end(tmp_path, monkeypatch):
    """The worker's exit hooks remove the containers it started ahead for candidates that never
    came: a forked worker, which ends with os._exit, must still run them."""
    from grader.batch.run import BatchRequest, run_batch

    subs, marks = tmp_path / "subs", tmp_path / "marks"
    subs.mkdir()
    marks.mkdir()
    for index in range(3):
        (subs / f"c{index}.py").write_text(REFERENCE)
    monkeypatch.setenv("GRADER_TEST_MARKS", str(marks))
    run_batch(BatchRequest(subs, tmp_path / "results", bank=DATA / "mini_bank", sandbox="process", jobs=2, seed=1),
              Briefs(), task=leaves_an_exit_hook)
    assert sorted(p.name for p in marks.iterdir()) == ["c0.py", "c1.py", "c2.py"]
