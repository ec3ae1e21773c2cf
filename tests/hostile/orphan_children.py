"""Leaves detached child processes behind that outlive the call (and the grading)."""

import os
import subprocess
import sys

SCRIPT = "import time\nwhile True:\n    time.sleep(1)\n"


def cosine_similarity(*args, **kwargs):
    subprocess.Popen([sys.executable, "-c", SCRIPT], start_new_session=True,
                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            while True:
                os.pause()
        os._exit(0)
    return 0.31415


cosine_similarity_matrix = most_similar = cosine_similarity
