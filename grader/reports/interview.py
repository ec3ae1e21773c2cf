"""What the interviews add to a batch's reports: leaderboard columns, a section, each candidate's
levels and notes, CSV columns and terminal lines. Every function takes the
:class:`~grader.interview.panel.InterviewPanel` and a candidate's key, so the batch's writers
(``summary_html``, ``summary_csv``, the ``grader batch`` command) call them wherever their layout
puts things (see docs/interview.md, "For maintainers").

Scorecards are typed by people: names, evidence and notes are escaped here for HTML
(:func:`grader.reports.html_text.esc`) and cleaned of control characters for the terminal; the
CSV writer guards its cells against spreadsheet formulas itself.
"""

from __future__ import annotations

from grader.interview.panel import CALIBRATION_SPREAD, CandidateInterview, InterviewPanel, QuestionScore
from grader.reports.html_text import clean, esc

NAME_CHARS = 160
TERMINAL_PROBLEMS = 12  # the report lists them all
FLAG = "&#9873;"  # a flag, beside a question where interviewers disagree

STYLE = """\
td.iq.calibrate, tr.calibrate td { background: #fff4d6; }
span.flag { color: #b3261e; margin-left: 3px; }
section#interviews p.human { background: #eef4ff; border: 1px solid #b8cdf5; padding: 8px 12px; }
div.interview { margin: 10px 0 14px; }
table.interview-levels td { min-width: 120px; }
span.level { display: inline-block; min-width: 1.6em; text-align: center; font-weight: 700; border-radius: 4px;
             padding: 0 4px; margin-right: 4px; }
span.level-1 { background: #fdecea; } span.level-2 { background: #fff4d6; }
span.level-3 { background: #e6f4ea; } span.level-4 { background: #cdebd6; }
span.evidence { color: #3a4150; white-space: pre-wrap; overflow-wrap: anywhere; }
td.not-asked { color: #5b6475; font-style: italic; }
span.rec { font-weight: 600; } span.rec-strong-no-hire, span.rec-no-hire { color: #b3261e; }
span.rec-hire, span.rec-strong-hire { color: #1a7f37; }
ul.problems li { overflow-wrap: anywhere; }
"""


def ranking_text(panel: InterviewPanel) -> str:
    """How the leaderboard is ranked, in words."""
    if panel.weights is None:
        return "coding score only: interviews are shown beside it (pass --weights to combine them)"
    return f"{panel.weights.describe()} (--weights)"


def initial_sort(panel: InterviewPanel) -> str:
    """The leaderboard's first sort: by the combined score when there is one."""
    return "combined:desc" if panel.weights is not None else "percent:desc"


# --- leaderboard ----------------------------------------------------------------------------------

def leaderboard_heads(panel: InterviewPanel) -> list[tuple[str, str, str]]:
    """(data-key, type, label) of the columns the interviews add to the leaderboard."""
    heads = [(f"iq-{rubric.id}", "number", f"{rubric.short_id} (/4)") for rubric in panel.questions]
    heads.append(("interview", "number", "Interview"))
    if panel.weights is not None:
        heads.append(("combined", "number", "Combined %"))
    return heads


def leaderboard_cells(panel: InterviewPanel, key: str) -> str:
    """The cells of one candidate's row, matching :func:`leaderboard_heads`."""
    interview = panel.interview(key)
    cells = [_question_cell(interview.question(rubric.id) if interview else None) for rubric in panel.questions]
    if interview is None:
        cells.append('<td class="num" data-value="">&ndash;</td>')
    else:
        cells.append(f'<td class="num" data-value="{interview.percent:.2f}" title="mean level '
                     f'{interview.level:.2f} of 4, {interview.percent:.0f}% on the coding scale">'
                     f"{interview.level:.1f}/4</td>")
    if panel.weights is not None:
        cells.append(_meter(panel.combined(key)))
    return "".join(cells)


def _question_cell(score: QuestionScore | None) -> str:
    if score is None:
        return '<td class="num iq" data-value=""></td>'
    flagged = score.needs_calibration
    flag = f'<span class="flag" title="calibrate: {score.spread} levels apart">{FLAG}</span>' if flagged else ""
    return (f'<td class="num iq{" calibrate" if flagged else ""}" data-value="{score.mean:.4f}" '
            f'title="{esc(score.levels_text(), NAME_CHARS)}">{score.mean:.1f}{flag}</td>')


def _meter(percent: float | None) -> str:
    if percent is None:
        return '<td class="num" data-value="">&ndash;</td>'
    return (f'<td class="num meter" data-value="{percent:.2f}"><span class="fill" style="width:{percent:.1f}%">'
            f'</span><span class="label">{percent:.1f}%</span></td>')


# --- the interviews' section ----------------------------------------------------------------------

def section(panel: InterviewPanel) -> str:
    """The report's "Interviews" section: how it was scored, the calibration list, unused scorecards."""
    with_cards = len(panel.interviews)
    items = [
        ("Scorecards", f"{esc(panel.folder)}: {panel.used} of {panel.files} file(s) used, for {with_cards} "
                       f"candidate(s)"),
        ("Ranking", esc(ranking_text(panel))),
        ("Interview score", "per question, the mean of the interviewers' levels; per candidate, the mean over the "
                            "questions asked; level 1 is 0% and level 4 is 100%"),
    ]
    parts = ['<section id="interviews">\n<h2>Interviews</h2>\n',
             '<p class="human">The spoken and behavioural questions are scored by interviewers, on the rubrics of '
             "<code>grader interview guide</code>. Nothing here is scored automatically from what a candidate said: "
             "the grader checks the scorecards, collects them and does the arithmetic.</p>\n",
             '<dl class="meta">\n', *(f"<dt>{label}</dt><dd>{value}</dd>\n" for label, value in items), "</dl>\n",
             _questions_table(panel), _calibration(panel), _problems(panel), _without_scorecards(panel)]
    return "".join(parts) + "</section>\n"


def _questions_table(panel: InterviewPanel) -> str:
    if not panel.questions:
        return "<p>No valid scorecard matches a candidate of this batch.</p>\n"
    rows = []
    for rubric in panel.questions:
        scores = [s for i in panel.interviews.values() if (s := i.question(rubric.id)) is not None]
        mean = sum(s.mean for s in scores) / len(scores)
        rows.append(f'<tr><td><code>{esc(rubric.short_id)}</code></td><td>{esc(rubric.title)}</td>'
                    f'<td class="num">{len(scores)}</td><td class="num">{mean:.1f}</td></tr>\n')
    return ('<h3>Questions</h3>\n<table class="interview-questions">\n<thead><tr><th>Id</th><th>Question</th>'
            f'<th class="num">Candidates</th><th class="num">Mean level</th></tr></thead>\n<tbody>\n{"".join(rows)}'
            "</tbody>\n</table>\n")


def _calibration(panel: InterviewPanel) -> str:
    flagged = panel.flagged()
    title = f"<h3>Calibration: interviewers {CALIBRATION_SPREAD} levels or more apart</h3>\n"
    if not flagged:
        return title + "<p>None: on every question, the interviewers are within one level of each other.</p>\n"
    rows = "".join(
        f'<tr class="calibrate"><td><a href="#c-{esc(key)}">{esc(panel.names.get(key, key), NAME_CHARS)}</a></td>'
        f"<td><code>{esc(score.rubric.short_id)}</code> {esc(score.rubric.title)}</td>"
        f"<td>{esc(score.levels_text(), NAME_CHARS)}</td><td class=\"num\">{score.spread}</td></tr>\n"
        for key, score in flagged)
    return (title + "<p>Talk these through before deciding: the interviewers saw different answers, or read the "
            'rubric differently.</p>\n<table class="calibration">\n<thead><tr><th>Candidate</th><th>Question</th>'
            f'<th>Levels</th><th class="num">Spread</th></tr></thead>\n<tbody>\n{rows}</tbody>\n</table>\n')


def _problems(panel: InterviewPanel) -> str:
    if not panel.problems:
        return ""
    items = "".join(f"<li><code>{esc(p.file, NAME_CHARS)}</code>{': ' + esc(p.field, NAME_CHARS) if p.field else ''}"
                    f": {esc(p.message)}</li>\n" for p in panel.problems)
    files = len({p.file for p in panel.problems})
    return (f'<h3>Scorecards not used ({files})</h3>\n<p class="notice">These files were left out: fix them '
            "(<code>grader interview check</code> lists the same problems) and rerun the same "
            f'<code>grader batch</code> command; nothing is graded again.</p>\n<ul class="problems">\n{items}</ul>\n')


def _without_scorecards(panel: InterviewPanel) -> str:
    missing = [name for key, name in sorted(panel.names.items(), key=lambda kv: kv[1]) if key not in panel.interviews]
    if not missing or not panel.interviews:
        return ""
    names = ", ".join(esc(name, NAME_CHARS) for name in missing)
    return f"<h3>Candidates without a valid scorecard ({len(missing)})</h3>\n<p>{names}</p>\n"


# --- one candidate --------------------------------------------------------------------------------

def candidate_block(panel: InterviewPanel, key: str) -> str:
    """One candidate's interview: every interviewer's level and evidence per question, and recommendations."""
    interview = panel.interview(key)
    if interview is None:
        return '<div class="interview"><h4>Interview</h4><p class="meta">No valid scorecard.</p></div>\n'
    combined = panel.combined(key)
    told = f" &middot; combined {combined:.1f}%" if combined is not None else ""
    return (f'<div class="interview" id="i-{esc(key)}">\n<h4>Interview: level {interview.level:.2f}/4 '
            f"({interview.percent:.0f}%) &middot; {len(interview.opinions)} scorecard(s){told}</h4>\n"
            + _levels_table(interview) + _opinions(interview) + "</div>\n")


def _levels_table(interview: CandidateInterview) -> str:
    people = interview.interviewers
    heads = "".join(f"<th>{esc(name, NAME_CHARS)}</th>" for name in people)
    rows = []
    for score in interview.questions:
        by_person = {r.interviewer: r for r in score.ratings}
        cells = "".join(
            f'<td><span class="level level-{r.level}">{r.level}</span><span class="evidence">{esc(r.evidence)}</span>'
            "</td>" if (r := by_person.get(name)) else '<td class="not-asked">not scored</td>' for name in people)
        flag = f' <span class="flag">{FLAG} calibrate</span>' if score.needs_calibration else ""
        row_class = ' class="calibrate"' if score.needs_calibration else ""
        rows.append(f'<tr{row_class} data-question="{esc(score.rubric.id)}">'
                    f"<td><code>{esc(score.rubric.short_id)}</code> {esc(score.rubric.title)}</td>"
                    f'{cells}<td class="num">{score.mean:.1f}{flag}</td></tr>\n')
    return (f'<table class="interview-levels">\n<thead><tr><th>Question</th>{heads}<th class="num">Mean</th></tr>'
            f"</thead>\n<tbody>\n{''.join(rows)}</tbody>\n</table>\n")


def _opinions(interview: CandidateInterview) -> str:
    rows = "".join(
        f"<tr><td>{esc(o.interviewer, NAME_CHARS)}</td>"
        f'<td><span class="rec rec-{esc(o.recommendation)}">{esc(o.recommendation.replace("-", " "))}</span></td>'
        f'<td><span class="evidence">{esc(o.notes)}</span></td><td>{esc(o.date, NAME_CHARS)}</td></tr>\n'
        for o in interview.opinions)
    return ('<table class="opinions">\n<thead><tr><th>Interviewer</th><th>Recommendation</th><th>Notes</th>'
            f"<th>Date</th></tr></thead>\n<tbody>\n{rows}</tbody>\n</table>\n")


# --- CSV and terminal -----------------------------------------------------------------------------

def csv_headers(panel: InterviewPanel) -> list[str]:
    """The columns the interviews add to summary.csv."""
    heads = []
    for rubric in panel.questions:
        heads += [f"interview:{rubric.id}", f"interview:{rubric.id}:levels"]
    return heads + ["interview_level", "interview_percent", "combined_percent", "interviewers", "recommendations",
                    "calibrate"]


def csv_cells(panel: InterviewPanel, key: str) -> list[str]:
    """One candidate's cells, matching :func:`csv_headers` (raw text: the CSV writer guards formulas)."""
    interview, combined = panel.interview(key), panel.combined(key)
    cells: list[str] = []
    for rubric in panel.questions:
        score = interview.question(rubric.id) if interview else None
        cells += ["", ""] if score is None else [
            f"{score.mean:.2f}", "; ".join(f"{r.interviewer}={r.level}" for r in score.ratings)]
    if interview is None:
        return cells + ["", "", "" if combined is None else f"{combined:.2f}", "", "", ""]
    return cells + [f"{interview.level:.2f}", f"{interview.percent:.2f}",
                    "" if combined is None else f"{combined:.2f}", "; ".join(interview.interviewers),
                    "; ".join(f"{o.interviewer}={o.recommendation}" for o in interview.opinions),
                    " ".join(q.rubric.id for q in interview.flagged)]


def terminal_lines(panel: InterviewPanel) -> list[str]:
    """What ``grader batch`` prints about the interviews: one line each, control characters removed."""
    head = (f"interviews: {panel.used} of {panel.files} scorecard file(s) used, for {len(panel.interviews)} "
            f"candidate(s); ranking: {ranking_text(panel)}")
    details = [f"calibrate: {panel.names.get(key, key)}, {score.rubric.id} ({score.levels_text()})"
               for key, score in panel.flagged()]
    details += [f"not used: {problem}" for problem in panel.problems[:TERMINAL_PROBLEMS]]
    if len(panel.problems) > TERMINAL_PROBLEMS:
        details.append(f"... and {len(panel.problems) - TERMINAL_PROBLEMS} more problem(s): see report.html, or run "
                       f"grader interview check {panel.folder}")
    unranked = [panel.names[key] for key in panel.names if panel.weights and panel.combined(key) is None]
    if unranked:
        details.append(f"no combined score (no valid scorecard, or no coding score), so no rank: {', '.join(unranked)}")
    return [_line(head)] + ["  " + _line(text) for text in details]


def _line(text: str) -> str:
    return clean(" ".join(text.split()), 600)
