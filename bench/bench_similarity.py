"""The similarity flags on 500 synthetic candidates: they must not dominate a batch's time.

Candidates for cosine_similarity are made from the bank's own solutions (the reference, the
alternatives and the known-wrong variants), each rewritten the way people write differently:
names changed, comments and docstrings rewritten, functions reordered, helpers and blank lines
added. One in ten is a lightly edited copy of another candidate (the pairs to find). The flags
are computed as ``grader batch`` computes them (``grader.similarity.detect``, the stub as
boilerplate, the bank's reference as a known solution).

Printed: the time of the flags for 500 candidates, how many planted copies were found and how
many other pairs were flagged, and the ratio to the grading time of the same 500 candidates,
estimated from a real batch of ``--grade N`` of them (process sandbox, 2 jobs; 0 skips it and
uses the measured 0.75 s per candidate of shared/bench-corpus/README.md, docker, 2 jobs).

    python bench/bench_similarity.py [--candidates 500] [--grade 8]
"""

from __future__ import annotations

import argparse
import ast
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from grader import similarity
from grader.bank import load_bank

ROOT = Path(__file__).resolve().parent.parent
EXERCISE = load_bank()["cosine_similarity"]
SECONDS_PER_CANDIDATE = 0.75  # shared/bench-corpus/README.md: grader batch --jobs 2 --sandbox docker
WORDS = ["value", "vec", "item", "arr", "data", "left", "right", "tmp", "acc", "res", "out", "mat", "row", "col"]


def sources() -> list[str]:
    root = EXERCISE.root / "tests"
    paths = [EXERCISE.reference, *sorted((root / "alternative").glob("*.py")), *sorted((root / "wrong").glob("*.py"))]
    return [p.read_text(encoding="utf-8") for p in paths]


def rewrite(source: str, rng: random.Random) -> str:
    """The same program as another person might write it."""
    tree = ast.parse(source)
    names = sorted({n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id.islower() and len(n.id) > 1}
                   - {"np", "math", "float", "int", "len", "range", "zip", "list", "isinstance", "abs", "sum",
                      "max", "min", "sorted", "enumerate", "tuple", "dict", "set", "str", "bool", "any", "all"})
    text = source
    for name in rng.sample(names, k=min(len(names), rng.randint(2, 8))):
        text = re.sub(rf"\b{name}\b", f"{rng.choice(WORDS)}_{rng.randint(0, 99)}", text)
    text = re.sub(r"#[^\n]*", lambda _: f"# {rng.choice(WORDS)} {rng.randint(0, 9)}", text)
    blocks = text.split("\n\n\n")
    head, rest = blocks[0], blocks[1:]
    rng.shuffle(rest)
    extra = [f"def _helper_{i}(x):\n    return x * {rng.randint(2, 9)} + {rng.randint(0, 9)}"
             for i in range(rng.randint(0, 3))]
    return "\n\n\n".join([head, *extra, *rest]) + "\n"


def light_edit(source: str, rng: random.Random) -> str:
    """A copy with a few names changed and comments rewritten."""
    text = re.sub(r"#[^\n]*", "# mine", source)
    for word in rng.sample(WORDS, 3):
        text = text.replace(f"{word}_", f"{word}x_")
    return text


def make(count: int, seed: int = 1) -> tuple[dict[str, str], set[frozenset[str]]]:
    rng = random.Random(seed)
    bases = sources()
    files: dict[str, str] = {}
    copies: set[frozenset[str]] = set()
    for index in range(count):
        key = f"c{index:03d}"
        if index >= 10 and index % 10 == 0:
            original = f"c{rng.randrange(index):03d}"
            files[key] = light_edit(files[original], rng)
            copies.add(frozenset((key, original)))
        else:
            files[key] = rewrite(rng.choice(bases), rng)
    return files, copies


def grading_seconds(count: int, files: dict[str, str]) -> float:
    """Wall time of a real batch of ``count`` of the candidates (process sandbox, 2 jobs)."""
    with tempfile.TemporaryDirectory(prefix="bench-similarity-") as work:
        subs = Path(work) / "subs"
        subs.mkdir()
        for key in list(files)[:count]:
            (subs / f"{key}.py").write_text(files[key], encoding="utf-8")
        grader = Path(sys.executable).parent / "grader"
        started = time.monotonic()
        subprocess.run([str(grader), "batch", str(subs), "-o", str(Path(work) / "results"), "-e", EXERCISE.slug,
                        "--sandbox", "process", "--jobs", "2", "--seed", "1"], check=True, capture_output=True)
        return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=500)
    parser.add_argument("--grade", type=int, default=8, help="candidates graded for real to estimate batch time")
    args = parser.parse_args()
    files, copies = make(args.candidates)
    stub = EXERCISE.stub.read_text(encoding="utf-8")
    known = {EXERCISE.slug: [("the bank's reference", EXERCISE.reference.read_text(encoding="utf-8"))]}
    started = time.monotonic()
    report = similarity.detect({EXERCISE.slug: files}, {EXERCISE.slug: stub}, known)
    elapsed = time.monotonic() - started
    flagged = {frozenset((p.a, p.b)) for p in report.flagged()}
    found = len(copies & flagged)
    print(f"load: {os.getloadavg()[0]:.1f} (1 min), {os.cpu_count()} cores")
    print(f"similarity flags for {args.candidates} candidates: {elapsed:.1f} s")
    print(f"planted copies found: {found}/{len(copies)}; other pairs flagged: {len(flagged - copies)} "
          f"(of {args.candidates * (args.candidates - 1) // 2} pairs; the synthetic candidates share their origins)")
    if args.grade > 0:
        per_candidate = grading_seconds(args.grade, files) / args.grade
        source = f"measured here: a batch of {args.grade}, process sandbox, 2 jobs"
    else:
        per_candidate, source = SECONDS_PER_CANDIDATE, "shared/bench-corpus/README.md, docker, 2 jobs"
    batch = per_candidate * args.candidates
    print(f"grading {args.candidates} candidates: ~{batch:.0f} s ({per_candidate:.2f} s each, {source})")
    print(f"ratio similarity / grading: {elapsed / batch:.3f}")


if __name__ == "__main__":
    main()
