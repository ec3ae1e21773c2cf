"""What the worst answer a submission can send costs the judge: peak memory and CPU per call.

Run by hand (``make bench`` or ``python bench/bench_judge_bounds.py``). Each case runs in a fresh
interpreter: a stand-in worker (a tiny script, so that building the hostile frame costs the
worker, not the judge) answers one call with the case's frame, and the judge reads it through
the real :class:`~grader.sandbox.session.Session`, decodes it through the real proxy and compares
it with the ``grader.testing`` helpers, as a hidden test would. Printed per case: the judge's CPU
seconds and the memory the call added to its peak RSS, with their ratios to the goals of issue
#14 (under 2 s and 500 MB per call, whatever the submission returns), and how the call ended.

Then, end to end: the whole grader (judge, pytest, oracles) grading
``tests/hostile/judge_exhaustion.py`` in the process sandbox and in Docker, with its wall time,
CPU and peak RSS.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

GOAL_CPU_SECONDS = 2.0
GOAL_RSS_MB = 500.0

# Each case is Python run by the stand-in worker: it sets ``body`` (the response payload, bytes,
# or None to send ``header_only`` bytes as the header of a frame it never finishes).
# {id} is the request id; the worker answers one call, then echoes.
CASES = {
    "empty lists at the value cap": 'body = b\'{"id":%d,"ok":true,"value":[\' + b",".join([b"[]"] * 524_000) + b"]}"',
    "16 MiB of empty lists": 'body = b\'{"id":%d,"ok":true,"value":[\' + b",".join([b"[]"] * 5_500_000) + b"]}"',
    "frame announcing 4 GiB": "body = None; header_only = (2**32 - 1).to_bytes(4, 'big') + b'[' * (1 << 20)",
    "1-char strings at the cap": (
        'body = b\'{"id":%d,"ok":true,"value":[\' + b",".join([b\'"\\\\u4e00"\'] * 1_040_000) + b"]}"'
    ),
    "bidi text at the text cap": (
        'body = (\'{"id":%d,"ok":true,"value":"\' + "\\u202e" * 1_048_000 + \'"}\').encode()'
    ),
    "1000x1000 nested float lists": (
        'row = b"[" + b",".join([b"0.123456789012345"] * 1000) + b"]"\n'
        'body = b\'{"id":%d,"ok":true,"value":[\' + b",".join([row] * 1040) + b"]}"'
    ),
    "uint8 array at the element cap": (
        "import base64\n"
        'data = base64.b64encode(bytes(4_194_304))\n'
        'body = b\'{"id":%d,"ok":true,"value":{"$":"nd","dtype":"uint8","shape":[2048,2048],"v":"\' + data + '
        'b\'","tensor":false}}\''
    ),
    "float64 array at the byte cap": (
        "import base64\n"
        'data = base64.b64encode(bytes(8 * 1_560_000))\n'
        'body = b\'{"id":%d,"ok":true,"value":{"$":"nd","dtype":"float64","shape":[1560,1000],"v":"\' + data + '
        'b\'","tensor":false}}\''
    ),
    "deepest nesting, repeated": (
        'deep = b"[" * 140 + b"]" * 140\n'
        'body = b\'{"id":%d,"ok":true,"value":[\' + b",".join([deep] * 3600) + b"]}"'
    ),
    "4000-digit integers": 'body = b\'{"id":%d,"ok":true,"value":[\' + b",".join([b"9" * 4000] * 4000) + b"]}"',
    "a dict of 340k keys": (
        'items = b",".join(b\'["k%d",1]\' % i for i in range(340_000))\n'
        'body = b\'{"id":%d,"ok":true,"value":{"$":"dict","v":[\' + items + b"]}}"'
    ),
    "260k handles": (
        'h = b\'{"$":"handle","id":1,"type":"X"}\'\n'
        'body = b\'{"id":%d,"ok":true,"value":[\' + b",".join([h] * 260_000) + b"]}"'
    ),
}

WORKER = r"""
import os, sys, json
inp, out = sys.stdin.buffer, sys.stdout.buffer
def read():
    n = int.from_bytes(inp.read(4), "big")
    return json.loads(inp.read(n))
request = read()
header_only = b""
CASE
if body is None:
    out.write(header_only); out.flush(); sys.stdin.read()
else:
    if b"%d" in body[:20]:
        body = body.replace(b"%d", str(request["id"]).encode(), 1)
    out.write(len(body).to_bytes(4, "big") + body); out.flush()
while True:
    request = read()
    body = json.dumps({"id": request["id"], "ok": True, "value": None}).encode()
    out.write(len(body).to_bytes(4, "big") + body); out.flush()
"""


def run_case(name: str) -> dict:
    """In this (fresh) process: one call answered with the case's frame, read and checked."""
    import numpy as np

    from grader.judge import budget
    from grader.judge.proxy import SubmissionProxy
    from grader.limits import Limits
    from grader.sandbox.base import ExitInfo
    from grader.sandbox.session import Session
    from grader.testing import as_array, assert_array_close

    class Stand:
        def __init__(self, process: subprocess.Popen[bytes]) -> None:
            self.process = process

        def kill(self) -> None:
            self.process.kill()
            self.process.wait()

        def exit_info(self) -> ExitInfo:
            return ExitInfo(self.process.poll())

        def cleanup(self) -> None:
            for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
                with contextlib.suppress(OSError):
                    stream.close()  # type: ignore[union-attr]

    class StandBackend:
        name = "bench"

        def start(self, limits: Limits) -> Stand:
            script = WORKER.replace("CASE", CASES[name])
            return Stand(subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE,
                                          stdout=subprocess.PIPE, stderr=subprocess.PIPE))

    session = Session(StandBackend(), Limits(call_seconds=60))  # type: ignore[arg-type]
    session._ensure_started()  # noqa: SLF001 - the worker's start is not the judge's cost
    time.sleep(3)  # let the stand-in build its frame: its CPU is not the judge's
    proxy = SubmissionProxy(session, "mod", default_timeout=60)
    baseline_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    before = resource.getrusage(resource.RUSAGE_SELF)
    ended = "returned"
    try:
        value = proxy.call("answer")
        try:
            array = as_array(value, "the answer")
            assert_array_close(array, np.zeros_like(array), what="the answer")
        except AssertionError:
            ended = "returned, compared: wrong answer"
    except Exception as exc:  # noqa: BLE001 - how the call ended is the result
        ended = f"{type(exc).__name__}: {str(exc)[:90]}"
    budget.reset()
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    session.kill()
    return {"cpu": cpu, "rss_added": after.ru_maxrss / 1024 - baseline_rss, "rss": after.ru_maxrss / 1024,
            "ended": ended}


def grade_hostile(backend_name: str) -> dict:
    """In this (fresh) process: grade tests/hostile/judge_exhaustion.py as ``grader grade`` would."""
    from grader.bank import load_bank, secret_paths
    from grader.grading import grade
    from grader.sandbox.choose import choose_backend

    backend, _ = choose_backend(backend_name, hide=secret_paths())
    exercise = load_bank()["cosine_similarity"]
    before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.monotonic()
    result = grade(ROOT / "tests" / "hostile" / "judge_exhaustion.py", [exercise], backend, seed=1, explicit=True)
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"cpu": cpu, "rss": after.ru_maxrss / 1024, "seconds": time.monotonic() - started,
            "score": result.score, "tests": len(result.exercises[0].tests)}


SDPA_CALL = "torch.nn.functional.scaled_dot_product_attention(q, k, v)"
SCAN_SOURCES = {
    "an 11k-function call chain": f"import torch\ndef f0(q, k, v):\n    return {SDPA_CALL}\n"
    + "".join(f"def f{i}(q, k, v):\n    return f{i - 1}(q, k, v)\n" for i in range(1, 11000))
    + "def scaled_dot_product_attention(q, k, v):\n    return f10999(q, k, v)\n",
    "30k aliases, one chain": "import torch\na0 = torch.nn\n" + "".join(f"a{i} = a{i - 1}\n" for i in range(1, 30000))
    + f"def scaled_dot_product_attention(q, k, v):\n    return a29999.{SDPA_CALL.split('nn.', 1)[1]}\n",
    "21k private torch paths": "import torch\ndef scaled_dot_product_attention(q, k, v):\n"
    + "".join(f"    torch._C._nn.x{i}\n" for i in range(21000)),
}


def scan_cost() -> None:
    """The static scan for forbidden APIs, once per exercise, on the largest hostile sources."""
    from grader.judge.forbidden import ForbiddenWatch
    from grader.submission import MAX_SOURCE_BYTES

    forbidden = ["torch.nn.functional.scaled_dot_product_attention", "torch.nn.MultiheadAttention"]
    print("the static scan for forbidden APIs (once per exercise), on sources near the 512 KiB cap:")
    for name, source in SCAN_SOURCES.items():
        assert len(source.encode()) <= MAX_SOURCE_BYTES, name
        started = time.process_time()
        watch = ForbiddenWatch(forbidden, ["scaled_dot_product_attention"], source)
        watch.evidence_for({"scaled_dot_product_attention"})
        print(f"  {name:34s} {time.process_time() - started:6.2f} s CPU, {len(source) // 1024} KiB")


def end_to_end() -> None:
    """The whole grader on the hostile submission that answers every call with the worst frames."""
    from grader.sandbox.docker_backend import docker_available

    print("grading tests/hostile/judge_exhaustion.py (cosine_similarity, default limits), whole grader process:")
    for name in ("process", "docker"):
        if name == "docker" and not docker_available()[0]:
            print("  docker     skipped: no Docker sandbox here")
            continue
        done = subprocess.run([sys.executable, __file__, "--grade", name], capture_output=True, text=True)
        if done.returncode:
            print(f"  {name:10s} failed: {done.stderr.strip()[-300:]}")
            continue
        row = json.loads(done.stdout.strip().splitlines()[-1])
        print(f"  {name:10s} {row['seconds']:6.1f} s wall, {row['cpu']:6.1f} s judge CPU, "
              f"peak RSS {row['rss']:5.0f} MB, score {row['score']:g} over {row['tests']} tests")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", help=argparse.SUPPRESS)
    parser.add_argument("--grade", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.case:
        print(json.dumps(run_case(options.case)))
        return
    if options.grade:
        print(json.dumps(grade_hostile(options.grade)))
        return
    print(f"judge cost of one call answered with a hostile frame (goals: {GOAL_CPU_SECONDS:g} s CPU, "
          f"{GOAL_RSS_MB:g} MB added to peak RSS)")
    print(f"  {'case':34s} {'CPU s':>6s} {'/goal':>6s} {'+RSS MB':>8s} {'/goal':>6s}  ended")
    worst_cpu = worst_rss = 0.0
    for name in CASES:
        done = subprocess.run([sys.executable, __file__, "--case", name], capture_output=True, text=True)
        if done.returncode:
            print(f"  {name:34s} failed: {done.stderr.strip()[-300:]}")
            continue
        row = json.loads(done.stdout.strip().splitlines()[-1])
        worst_cpu, worst_rss = max(worst_cpu, row["cpu"]), max(worst_rss, row["rss_added"])
        print(f"  {name:34s} {row['cpu']:6.2f} {row['cpu'] / GOAL_CPU_SECONDS:6.2f} {row['rss_added']:8.0f} "
              f"{row['rss_added'] / GOAL_RSS_MB:6.2f}  {row['ended']}")
    print(f"  {'worst':34s} {worst_cpu:6.2f} {worst_cpu / GOAL_CPU_SECONDS:6.2f} {worst_rss:8.0f} "
          f"{worst_rss / GOAL_RSS_MB:6.2f}")
    scan_cost()
    end_to_end()


if __name__ == "__main__":
    main()
