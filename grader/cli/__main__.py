"""``python -m grader.cli ...``: the ``grader`` command without its console script."""

from grader.cli.main import main

main()
