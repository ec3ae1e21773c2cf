"""Interview scorecards: rubrics for the spoken questions, and people's scorecards checked, merged
and set beside the coding scores.

::

    rubric        interview/<id>.toml: load, check, select questions      (Rubric, load_rubrics)
    scorecard     <folder>/<candidate>/<interviewer>.toml: read and check  (Scorecard, Problem)
    panel         merge per candidate, calibration flags, --weights        (InterviewPanel, build_panel)

These are models, just above the bank: :mod:`grader.summary` holds an :class:`InterviewPanel`;
the interviewer's guide and the batch report's columns are writers in :mod:`grader.reports`
(``interview_guide``, ``interview``); the commands are :mod:`grader.cli.interview`. The errors
(:class:`~grader.errors.RubricError`, exit 3; :class:`~grader.errors.QuestionNotFound`,
:class:`~grader.errors.WeightsError` and :class:`~grader.errors.ScorecardsError`, exit 2) are in
the one tree of :mod:`grader.errors`.

Nothing here scores an answer: people do, on the rubrics; this package checks and collects their
judgement. It depends on no batch module: the batch hands it plain :class:`CandidateRef` rows.
"""

from grader.errors import QuestionNotFound, RubricError, ScorecardsError, WeightsError
from grader.interview.panel import (
    CandidateInterview,
    CandidateRef,
    InterviewPanel,
    Weights,
    build_panel,
    merge_all,
    parse_weights,
)
from grader.interview.rubric import Rubric, load_rubrics, rubric_dir, select_questions
from grader.interview.scorecard import Problem, Scorecard, ScorecardSet, load_scorecards, template

__all__ = [
    "CandidateInterview", "CandidateRef", "InterviewPanel", "Problem", "QuestionNotFound", "Rubric", "RubricError",
    "Scorecard", "ScorecardSet", "ScorecardsError", "Weights", "WeightsError", "build_panel", "load_rubrics",
    "load_scorecards", "merge_all", "parse_weights", "rubric_dir", "select_questions", "template",
]
