"""Interview scorecards: rubrics for the spoken questions, the interviewer's guide, and people's
scorecards checked, merged and set beside the coding scores.

::

    rubric        interview/<id>.toml: load, check, select questions      (Rubric, load_rubrics)
    scorecard     <folder>/<candidate>/<interviewer>.toml: read and check  (Scorecard, Problem)
    panel         merge per candidate, calibration flags, --weights        (InterviewPanel, build_panel)
    guide         the interviewer's guide, Markdown and print-ready HTML  (Guide, write_guide)
    batch_report  what the batch's report, CSV and terminal show           (leaderboard_cells, section...)
    errors        RubricError (exit 3), QuestionNotFound, WeightsError (exit 2)

Nothing here scores an answer: people do, on the rubrics; this package checks and collects their
judgement. It depends on no batch module: the batch hands it plain :class:`CandidateRef` rows.
"""

from grader.interview.errors import InterviewError, QuestionNotFound, RubricError, WeightsError
from grader.interview.guide import Guide, write_guide
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
    "CandidateInterview", "CandidateRef", "Guide", "InterviewError", "InterviewPanel", "Problem",
    "QuestionNotFound", "Rubric", "RubricError", "Scorecard", "ScorecardSet", "Weights", "WeightsError",
    "build_panel", "load_rubrics", "load_scorecards", "merge_all", "parse_weights", "rubric_dir",
    "select_questions", "template", "write_guide",
]
