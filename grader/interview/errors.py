"""The interview package's errors, and where each one ends at the command line.

::

    InterviewError                 base of everything below
     +-- RubricError (BankError)   the bank's interview/ folder is missing or malformed: exit 3,
     |                             like any broken bank (a fault of the bank's authors)
     +-- QuestionNotFound          a question id that no rubric has (``-q``): usage error, exit 2
     +-- WeightsError (ValueError) a malformed ``--weights``: usage error, exit 2

A scorecard that is wrong is not an error: it is a :class:`grader.interview.scorecard.Problem`,
listed with its file and field, and the scorecard is left out (outcomes are data).
"""

from __future__ import annotations

from grader.bank import BankError


class InterviewError(Exception):
    """Something in the interview package could not be done."""


class RubricError(InterviewError, BankError):
    """The rubrics (``interview/*.toml``) are missing or malformed: the bank is broken."""


class QuestionNotFound(InterviewError):
    """A question id, short id or section that no rubric answers to."""


class WeightsError(InterviewError, ValueError):
    """A ``--weights`` text that cannot be read."""
