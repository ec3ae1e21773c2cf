"""The grader's one exception tree. The CLI maps it onto exit codes in one place
(:func:`grader.cli.errors.translate_errors`), as httpx maps transport errors onto its own tree.

::

    GraderError
     +-- UsageError                  exit 2: the request cannot be carried out as given
     |    +-- SubmissionError        the submission cannot be matched to exercises
     |    +-- UnknownExercise        an ``-e`` slug the bank does not have
     |    +-- LimitError             a limit override with an unknown name or a bad value
     |    +-- BatchConflict          the request contradicts the batch stored in the results folder
     |    +-- StoreError             the results folder cannot be used (another batch holds it...)
     |    +-- QuestionNotFound       an interview question id that no rubric has (``-q``)
     |    +-- WeightsError           a malformed ``--weights`` (also a ValueError)
     |    +-- ScorecardsError        the ``--scorecards`` folder cannot be used
     +-- GraderFault                 exit 3: the grader could not do its job
     |    +-- BankError              the bank is malformed (its authors' fault, not a candidate's)
     |    |    +-- RubricError       its interview rubrics are missing or malformed
     |    +-- BankTestsBroken        an exercise's tests could not be collected
     |    +-- SandboxUnavailable     no sandbox can run here (no engine, no image...)
     |    +-- ImageError             the sandbox image cannot be found or built
     |    +-- IntegrationFault       a Classroom / Gradescope / kit build step failed
     +-- CandidateFailure            becomes a verdict in the report; never reaches the CLI
          +-- SandboxFailure         a call into the sandbox ended without a valid response
          |    +-- SandboxTimeout    the call overran its deadline, or the exercise its budget
          |    +-- SandboxMemory     the worker ran out of memory
          |    +-- SandboxCrashed    the worker died, or sent bytes that are not the protocol
          |    +-- AnswerTooLarge    an answer over the judge's caps (grader.sandbox.bounds): refused
          +-- CandidateError         (grader.judge.remote) the candidate's code raised a non-builtin
          +-- MissingFunction        (grader.judge.remote) a function the test called is not defined
          +-- SubmissionLoadError    (grader.judge.remote) the submission could not be loaded
          +-- ArchiveError           a candidate's zip is unsafe or unreadable
          +-- CandidateInvalid       nothing in a batch candidate can be graded

A candidate's code failing is never an exception that leaves the library: it is an outcome in the
result model. ``grader.sandbox.wire`` and ``grader.sandbox.worker`` run inside the sandbox with the
standard library only, so their exceptions (``ProtocolError``...) keep ``Exception`` as base; the
judge turns them into ``SandboxCrashed`` where they cross.
"""

from __future__ import annotations


class GraderError(Exception):
    """The root of every exception nlp-grader raises on purpose."""


# --- exit 2 ----------------------------------------------------------------------------------


class UsageError(GraderError):
    """The request cannot be carried out as given (exit 2)."""


class SubmissionError(UsageError):
    """The submission as a whole cannot be matched to exercises."""


class UnknownExercise(UsageError):
    """An exercise slug the bank does not have."""


class LimitError(UsageError):
    """A limit override with an unknown name or a value of the wrong kind."""


class BatchConflict(UsageError):
    """The request contradicts the batch stored in the results folder (another seed, say)."""


class StoreError(UsageError):
    """The results folder cannot be used (another batch holds it, it is not ours...)."""


class QuestionNotFound(UsageError):
    """An interview question id, short id or section that no rubric answers to."""


class WeightsError(UsageError, ValueError):
    """A ``--weights`` text that cannot be read."""


class ScorecardsError(UsageError):
    """The interview scorecards folder cannot be used (it is not a folder, or lies among the submissions).

    A scorecard that is wrong is not an error: it is a :class:`grader.interview.scorecard.Problem`.
    """


# --- exit 3 ----------------------------------------------------------------------------------


class GraderFault(GraderError):
    """The grader could not do its job, as opposed to a candidate's code failing (exit 3)."""


class BankError(GraderFault):
    """The bank itself is malformed: a fault of the bank's authors, not of a candidate."""


class RubricError(BankError):
    """The interview rubrics (``interview/*.toml``) are missing or malformed: the bank is broken."""


class BankTestsBroken(GraderFault):
    """The exercise's tests could not be collected: the bank is at fault, not the candidate."""


class SandboxUnavailable(GraderFault):
    """The backend cannot run here (no engine, no image...). A grader fault, not a verdict."""


class ImageError(GraderFault):
    """The sandbox image cannot be found or built; the message says what to do about it."""


class IntegrationFault(GraderFault):
    """Building or running an integration (Classroom, Gradescope, a kit) failed."""


# --- verdicts --------------------------------------------------------------------------------


class CandidateFailure(GraderError):
    """Something about a candidate's submission that the judge records as an outcome."""


class SandboxFailure(CandidateFailure):
    """A call into the sandbox ended without a valid response."""


class SandboxTimeout(SandboxFailure):
    """The call overran its deadline; the worker was killed."""


class SandboxMemory(SandboxFailure):
    """The worker ran out of memory."""


class SandboxCrashed(SandboxFailure):
    """The worker exited, was killed by a signal, or broke the protocol."""


class AnswerTooLarge(SandboxFailure):
    """An answer over one of the caps on what the judge reads: refused unread, as the outcome ``error``."""


class ArchiveError(CandidateFailure):
    """The archive is unsafe or unreadable; the message says why (it becomes the candidate's verdict)."""


class CandidateInvalid(CandidateFailure):
    """Nothing in this batch candidate can be graded; the message is the candidate's verdict."""
