"""The ``grader`` command line (click): :mod:`grader.cli.main` and one module per command.

It imports the library; nothing in the library imports it. ``python -m grader.cli`` runs it too.
"""
