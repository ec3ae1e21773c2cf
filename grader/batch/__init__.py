"""Batch grading (``grader batch``): every candidate of a folder, in parallel sandboxes, resumable.

* :mod:`grader.batch.run`: :func:`~grader.batch.run.run_batch`, the library behind the command;
* :mod:`grader.batch.candidates`: what the candidates are, and the file that answers each exercise;
* :mod:`grader.batch.pool`: the process pool, and what happens when a worker dies;
* :mod:`grader.batch.worker`: one worker process, grading one candidate at a time;
* :mod:`grader.batch.store`: the results folder, written atomically.

The batch's result model (statuses, records, the summary) is :mod:`grader.summary`, which the
report writers read. See docs/batch.md.
"""
