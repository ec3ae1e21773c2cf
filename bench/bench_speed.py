"""Grading speed against the naive floor, ``docker run ... pytest`` per submission (issue #16).

Run by hand on a quiet machine (``make bench`` runs the default comparison)::

    .venv/bin/python bench/bench_speed.py                          # the comparison, 3 repetitions
    .venv/bin/python bench/bench_speed.py --scaling 20 200 1000    # throughput as the batch grows
    .venv/bin/python bench/bench_speed.py --exercises 6            # each exercise's reference, 6 copies

**The comparison** runs, interleaved and ``--repeats`` times, on the 20 files of the corpus
(``--corpus``, default ``../shared/bench-corpus/cosine-20``; its README defines the baseline):

* naive batch: ``xargs -P JOBS`` over the files, each ``docker run --rm --network none -v DIR:/work:ro
  -w /work IMAGE python -m pytest -q -p no:cacheprovider naive_test_cosine.py`` where DIR holds the
  file as ``submission.py`` and the corpus's ``naive_test_cosine.py``. The test file is named: the
  README's command leaves it out, and pytest's default pattern does not match that name, so as
  written it runs no test at all (exit 5) and never imports numpy;
* ``grader batch CORPUS -o FRESH -e cosine_similarity --jobs JOBS --sandbox docker``;
* naive single: the same ``docker run`` for one file;
* ``grader grade FILE -e cosine_similarity --sandbox docker``, a cold start of the command.

It prints each run, then the medians per submission and the ratios grader / naive. The goals:
batch ratio <= 1.0, single ratio < 2.0. ``--extra-batch NAME=CMD`` and ``--extra-single NAME=CMD``
time another grader the same way (e.g. Otter-Grader); CMD is a shell command where ``{corpus}``,
``{out}`` and ``{file}`` are replaced.

IMAGE is "the sandbox's base with numpy and pytest": built here, offline, from the base image the
sandbox image records (``nlp-grader.base-image``), numpy copied from the sandbox image and pytest
(with its dependencies) copied from this environment; no registry, no pip inside Docker.

**Scaling** generates batches of N candidates by cycling the corpus, grades each with ``--jobs 1``
and ``--jobs 2``, and prints candidates per second, seconds per candidate and the speed-up.

**Exercises** grades N copies of each exercise's reference in a batch (``--jobs JOBS``) and prints
the per-candidate time (the batch's wall time over N, and the median grading time of a candidate
after each worker's first, which pays for the imports), and whether the reference imports torch
(the sandbox imports it only then).

The load average is printed with every figure: numbers measured on a busy machine are noise.
Both sides run with byte code, as installed packages do: the naive image is compiled when it is
built, and the grader runs without a machine-wide ``PYTHONDONTWRITEBYTECODE`` (``--keep-environment``
keeps it, and every grader run then compiles the grader and the hidden tests anew).
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

GRADER = Path(sys.executable).with_name("grader")
EXERCISE = "cosine_similarity"
SEED = 4242
NAIVE_TEST = "naive_test_cosine.py"
NAIVE_REPOSITORY = "nlp-grader-naive"
PYTEST_DISTRIBUTIONS = ("pytest", "pluggy", "iniconfig", "packaging", "pygments")
NAIVE_DOCKERFILE = """\
ARG SANDBOX_IMAGE
ARG BASE_IMAGE
FROM ${SANDBOX_IMAGE} AS sandbox
FROM ${BASE_IMAGE}
RUN python3 -m venv --without-pip /opt/venv
COPY --from=sandbox /opt/venv/lib/python3.11/site-packages/numpy /opt/venv/lib/python3.11/site-packages/numpy
COPY --from=sandbox /opt/venv/lib/python3.11/site-packages/numpy.libs /opt/venv/lib/python3.11/site-packages/numpy.libs
COPY site-packages/ /opt/venv/lib/python3.11/site-packages/
# Byte code, as pip writes it on install: each container is fresh and would compile pytest anew.
RUN python3 -m compileall -q /opt/venv/lib/python3.11/site-packages
ENV PATH=/opt/venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8
"""


# --- the machine ----------------------------------------------------------------------------------

def load() -> str:
    """The load average, to print beside every figure."""
    one, five, fifteen = os.getloadavg()
    return f"load {one:.1f} {five:.1f} {fifteen:.1f} on {os.cpu_count()} cpus"


# The grader runs as an installed package does: with byte code. A machine-wide
# PYTHONDONTWRITEBYTECODE=1 would make every run compile the grader (and the hidden tests) anew;
# --keep-environment keeps it.
ENVIRONMENT = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def timed(command: list[str] | str, *, ok: tuple[int, ...] = (0,), cwd: Path | None = None) -> float:
    """Wall seconds of one command; a command that fails is an error of the benchmark, not a figure."""
    started = time.perf_counter()
    completed = subprocess.run(command, shell=isinstance(command, str), cwd=cwd, capture_output=True, text=True,
                               env=ENVIRONMENT)
    seconds = time.perf_counter() - started
    if completed.returncode not in ok:
        raise SystemExit(f"failed ({completed.returncode}): {command}\n{completed.stdout[-2000:]}"
                         f"{completed.stderr[-2000:]}")
    return seconds


# --- the naive baseline ---------------------------------------------------------------------------

def naive_image() -> str:
    """The naive baseline's image, built offline once (its tag hashes what it is made of)."""
    import docker

    from grader.sandbox.image import LABEL_BASE, docker_client, expected_image_tag

    client = docker_client()
    sandbox = expected_image_tag()
    try:
        base = client.images.get(sandbox).labels.get(LABEL_BASE) or "python:3.11-slim"
    except docker.errors.ImageNotFound:
        raise SystemExit(f"the sandbox image {sandbox} is missing: run `grader image build` first") from None
    versions = [f"{name}=={importlib.metadata.version(name)}" for name in PYTEST_DISTRIBUTIONS]
    digest = hashlib.sha256("\n".join([NAIVE_DOCKERFILE, sandbox, base, *versions]).encode()).hexdigest()[:12]
    tag = f"{NAIVE_REPOSITORY}:{digest}"
    try:
        client.images.get(tag)
        return tag
    except docker.errors.ImageNotFound:
        pass
    print(f"building the naive baseline's image {tag} (from {base}, numpy from {sandbox}, {', '.join(versions)})")
    with tempfile.TemporaryDirectory(prefix="naive-image-") as tmp:
        context = Path(tmp)
        (context / "Dockerfile").write_text(NAIVE_DOCKERFILE)
        _copy_distributions(context / "site-packages")
        client.images.build(path=str(context), tag=tag, rm=True, forcerm=True,
                            buildargs={"SANDBOX_IMAGE": sandbox, "BASE_IMAGE": base})
    return tag


def _copy_distributions(target: Path) -> None:
    """pytest and its dependencies, as installed here (pure Python), into a site-packages folder."""
    for name in PYTEST_DISTRIBUTIONS:
        distribution = importlib.metadata.distribution(name)
        for file in distribution.files or []:
            if file.parts[0] == ".." or "__pycache__" in file.parts:
                continue  # console scripts and byte code
            source = Path(str(distribution.locate_file(file)))
            if source.is_file():
                (target / file).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target / file)


def naive_folders(corpus: Path, files: list[Path], target: Path) -> list[Path]:
    """One folder per file: the file as submission.py, beside the naive tests."""
    folders = []
    for index, path in enumerate(files):
        folder = target / f"{index:04d}"
        folder.mkdir(parents=True)
        shutil.copy(path, folder / "submission.py")
        shutil.copy(corpus.parent / NAIVE_TEST, folder / NAIVE_TEST)
        folder.chmod(0o755)
        folders.append(folder)
    return folders


def naive_command(image: str, folder: str) -> str:
    # The test file is named on the command line: pytest's default pattern (test_*.py, *_test.py)
    # does not match naive_test_cosine.py, so without it pytest collects nothing (exit 5).
    return (f"docker run --rm --network none -v {shlex.quote(folder)}:/work:ro -w /work {image} "
            f"python -m pytest -q -p no:cacheprovider {NAIVE_TEST}")


def naive_batch(image: str, folders: list[Path], jobs: int) -> float:
    """``xargs -P jobs`` over the folders; pytest's exit 1 (failed tests) is a normal run."""
    listing = "\n".join(str(f) for f in folders)
    command = (f"printf '%s\\n' {shlex.quote(listing)} | xargs -P {jobs} -I DIR "
               f"sh -c {shlex.quote(naive_command(image, 'DIR') + ' >/dev/null 2>&1; true')}")
    return timed(command)


def naive_single(image: str, folder: Path) -> float:
    return timed(naive_command(image, str(folder)), ok=(0, 1))


# --- nlp-grader -----------------------------------------------------------------------------------

def grader_batch(corpus: Path, out: Path, jobs: int, exercise: str = EXERCISE) -> float:
    shutil.rmtree(out, ignore_errors=True)
    return timed([str(GRADER), "batch", str(corpus), "-o", str(out), "-e", exercise, "--jobs", str(jobs),
                  "--sandbox", "docker", "--seed", str(SEED)])


def grader_single(file: Path) -> float:
    return timed([str(GRADER), "grade", str(file), "-e", EXERCISE, "--sandbox", "docker", "--seed", str(SEED)])


def extra(command: str, **values: Path) -> Callable[[], float]:
    text = command
    for key, value in values.items():
        text = text.replace("{" + key + "}", shlex.quote(str(value)))
    return lambda: timed(text)


# --- the comparison -------------------------------------------------------------------------------

def compare(corpus: Path, repeats: int, jobs: int, extras_batch: dict[str, str], extras_single: dict[str, str]) -> None:
    files = sorted(corpus.glob("*.py"))
    single = files[0]
    image = naive_image()
    with tempfile.TemporaryDirectory(prefix="bench-speed-") as tmp:
        work = Path(tmp)
        folders = naive_folders(corpus, files, work / "naive")
        runs: dict[str, Callable[[], float]] = {
            "naive batch": lambda: naive_batch(image, folders, jobs),
            "grader batch": lambda: grader_batch(corpus, work / "results", jobs),
            **{f"{name} batch": extra(cmd, corpus=corpus, out=work / f"out-{name}", file=single)
               for name, cmd in extras_batch.items()},
            "naive single": lambda: naive_single(image, folders[0]),
            "grader single": lambda: grader_single(single),
            **{f"{name} single": extra(cmd, corpus=corpus, out=work / f"out-{name}", file=single)
               for name, cmd in extras_single.items()},
        }
        print(f"{len(files)} files of {corpus}; batch figures are per submission at {jobs} at a time; "
              f"single: {single.name} alone")
        print(f"warm-up (not counted), {load()}")
        for run in runs.values():
            run()
        samples: dict[str, list[float]] = {name: [] for name in runs}
        for rep in range(repeats):
            order = list(runs) if rep % 2 == 0 else list(reversed(runs))  # interleaved, drift cancels out
            for name in order:
                seconds = runs[name]()
                per = seconds / len(files) if name.endswith("batch") else seconds
                samples[name].append(per)
                print(f"  rep {rep + 1} {name:16s} {per:6.3f} s per submission ({seconds:6.2f} s)  {load()}")
    medians = {name: statistics.median(values) for name, values in samples.items()}
    print(f"\nmedians of {repeats} (seconds per submission):")
    for name, value in medians.items():
        print(f"  {name:16s} {value:6.3f} s")
    for kind, goal in (("batch", "<= 1.0"), ("single", "< 2.0")):
        naive = medians[f"naive {kind}"]
        for name, value in medians.items():
            if name.endswith(kind) and not name.startswith("naive"):
                # Each repetition's own ratio too: the load drifts between repetitions, less within one.
                paired = [run / floor for run, floor in zip(samples[name], samples[f"naive {kind}"], strict=True)]
                print(f"  ratio {name} / naive {kind}: {value / naive:5.2f} (of the medians); per repetition "
                      f"{', '.join(f'{r:.2f}' for r in paired)}, median {statistics.median(paired):.2f}"
                      + (f"  (goal {goal})" if name.startswith("grader") else ""))
    print(f"  {load()}")


# --- scaling and exercises ------------------------------------------------------------------------

def populate(files: list[Path], count: int, target: Path) -> Path:
    """``count`` candidates cycling through ``files``, each a single .py named after its source."""
    target.mkdir(parents=True)
    for index in range(count):
        source = files[index % len(files)]
        shutil.copy(source, target / f"c{index:05d}_{source.name}")
    return target


def scaling(corpus: Path, sizes: list[int], job_counts: list[int]) -> None:
    files = sorted(corpus.glob("*.py"))
    print(f"scaling: batches generated from {corpus}, --jobs {' and '.join(map(str, job_counts))}")
    print(f"  {'N':>5} {'jobs':>4} {'wall s':>8} {'cand/s':>7} {'s/cand':>7} {'speed-up':>8}  load")
    with tempfile.TemporaryDirectory(prefix="bench-scaling-") as tmp:
        for size in sizes:
            folder = populate(files, size, Path(tmp) / f"subs-{size}")
            walls: dict[int, float] = {}
            for jobs in job_counts:
                walls[jobs] = grader_batch(folder, Path(tmp) / f"out-{size}-{jobs}", jobs)
                speedup = walls[min(walls)] / walls[jobs]
                print(f"  {size:5d} {jobs:4d} {walls[jobs]:8.1f} {size / walls[jobs]:7.2f} {walls[jobs] / size:7.3f} "
                      f"{speedup:7.2f}x  {load()}")
            shutil.rmtree(folder)


def exercises(copies: int, jobs: int) -> None:
    from grader.bank import load_bank

    print(f"each exercise's reference, {copies} copies in one batch, --jobs {jobs}:")
    with tempfile.TemporaryDirectory(prefix="bench-exercises-") as tmp:
        for slug, exercise in load_bank().items():
            reference = exercise.reference
            folder = populate([reference], copies, Path(tmp) / f"subs-{slug}")
            wall = grader_batch(folder, Path(tmp) / f"out-{slug}", jobs, exercise=slug)
            torch = "imports torch" if "import torch" in reference.read_text() else "no torch"
            steady = statistics.median(graded_durations(Path(tmp) / f"out-{slug}")[jobs:] or [0.0])
            print(f"  {slug:18s} {wall / copies:6.3f} s per candidate ({wall:6.1f} s; each grading after a "
                  f"worker's first {steady:5.2f} s)  {torch:13s}  {load()}")


def graded_durations(results: Path) -> list[float]:
    """Each candidate's grading time as its worker measured it, in the order they started."""
    records = [json.loads(path.read_text()) for path in results.glob("candidates/*/status.json")]
    return [r["duration"] for r in sorted(records, key=lambda r: (r.get("started_at", ""), r["candidate"]))]


def default_corpus() -> Path:
    for base in (ROOT.parent, ROOT.parent.parent):
        candidate = base / "shared" / "bench-corpus" / "cosine-20"
        if candidate.is_dir():
            return candidate
    return ROOT.parent / "shared" / "bench-corpus" / "cosine-20"


def named_commands(values: list[str]) -> dict[str, str]:
    pairs = [value.partition("=") for value in values]
    return {name: command for name, _, command in pairs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=default_corpus())
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--scaling", type=int, nargs="*", metavar="N", help="batch sizes (e.g. 20 200 1000)")
    parser.add_argument("--scaling-jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--exercises", type=int, metavar="COPIES", help="grade each exercise's reference COPIES times")
    parser.add_argument("--extra-batch", action="append", default=[], metavar="NAME=CMD")
    parser.add_argument("--extra-single", action="append", default=[], metavar="NAME=CMD")
    parser.add_argument("--keep-environment", action="store_true",
                        help="keep PYTHONDONTWRITEBYTECODE (every grader run then compiles its modules)")
    args = parser.parse_args()
    if args.keep_environment:
        ENVIRONMENT.update(os.environ)
    if "PYTHONDONTWRITEBYTECODE" in ENVIRONMENT:
        print("PYTHONDONTWRITEBYTECODE is set: the grader compiles its modules on every run")
    corpus = args.corpus.resolve()
    if not (corpus.is_dir() and (corpus.parent / NAIVE_TEST).is_file()):
        raise SystemExit(f"{corpus} is not the benchmark corpus (a folder of .py files beside {NAIVE_TEST})")
    if args.scaling:
        scaling(corpus, args.scaling, args.scaling_jobs)
    if args.exercises:
        exercises(args.exercises, args.jobs)
    if not args.scaling and not args.exercises:
        compare(corpus, args.repeats, args.jobs, named_commands(args.extra_batch), named_commands(args.extra_single))


if __name__ == "__main__":
    main()
