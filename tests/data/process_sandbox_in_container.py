"""Run inside a throwaway test container (tests/test_process_sandbox_in_container.py), never on a
host: grades the process sandbox's hostile cases for real and prints what it saw, as JSON.

Each case is graded twice with the same seed, as two candidates of one batch would be, so that
one can look for what the other left behind.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from grader.bank import load_bank, secret_paths  # noqa: E402
from grader.grading import grade  # noqa: E402
from grader.sandbox.process_backend import ProcessBackend, isolation_available, marked_processes  # noqa: E402
from grader.sandbox.tree_limits import TreeLimit  # noqa: E402

LIMITS = {"call_seconds": 6, "submission_seconds": 30, "load_seconds": 20, "memory_mb": 1024, "pids": 64}
CASES = ("fork_then_allocate", "ipc_channel", "shared_folders", "read_the_git_history")
SHARED = ("/tmp", "/var/tmp", "/dev/shm", "/run/lock", "/dev/mqueue")


def main() -> None:
    exercise = load_bank()["cosine_similarity"]
    probe = TreeLimit(64, 8)
    report = {"uid": os.geteuid(), "isolation": isolation_available(), "cgroup": bool(probe.cgroups), "cases": {}}
    probe.stop()
    for case in CASES:
        runs = []
        for _ in range(2):
            backend = ProcessBackend(hide=secret_paths())
            result = grade(ROOT / "tests" / "hostile" / f"{case}.py", [exercise], backend, seed=11,
                           overrides=LIMITS, explicit=True)
            graded = result.exercises[0]
            runs.append({
                "score": graded.score,
                "outcomes": sorted({t.outcome.value for t in graded.tests}),
                "messages": sorted({t.message[:300] for t in graded.tests}),
                "seconds": result.duration,
                "left_running": [pid for marker in backend.markers for pid in marked_processes(marker)],
            })
        report["cases"][case] = runs
    shm = subprocess.run(["ipcs", "-m"], capture_output=True, text=True).stdout
    report["shm_left"] = [line for line in shm.splitlines() if "0x4e4c5047" in line]
    report["files_left"] = [f"{folder}/{name}" for folder in SHARED if os.path.isdir(folder)
                            for name in os.listdir(folder) if name.startswith("nlp-grader-leak-")]
    print(json.dumps(report))


if __name__ == "__main__":
    main()
