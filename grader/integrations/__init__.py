"""Meeting users where they already are: GitHub Classroom, Gradescope, and a candidate kit.

* :mod:`grader.integrations.kit`: what a hiring team sends a candidate (statements, stubs, public
  tests that run with plain pytest), and the materials the other two reuse.
* :mod:`grader.integrations.classroom`: a GitHub Classroom template repository whose workflow
  grades with the hidden tests and reports through Classroom's grading reporter.
* :mod:`grader.integrations.gradescope`: a Gradescope ``autograder.zip`` that installs offline
  from the wheels it carries and writes ``results.json``.
* :mod:`grader.integrations.formats`: ``grader grade --format classroom|gradescope``.

The commands over them are in :mod:`grader.cli` (no click here). See docs/integrations.md, which
also states what each setting trusts.
"""
