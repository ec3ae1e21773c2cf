"""``report.html``: one section per candidate, in ranking order, for people who decide.

Each section says the candidate's verdict (graded, not attempted, does not load, timed out or
crashed...), the reviewers' decision and note from ``decisions.csv``, the similarity flags, and,
per exercise, the submitted code (syntax-highlighted) beside the failing tests' messages. A file
that does not load is one line with its reason (and the code, its faulty line marked), not a red
row per test. Links lead to the graded files, the JSON report and the JUnit XML of the candidate.

Everything a candidate controls goes through :func:`grader.reports.html_text.esc` or Pygments.
"""

from __future__ import annotations

from urllib.parse import quote

from grader.interview import InterviewPanel
from grader.reports import code_view
from grader.reports import interview as interviews
from grader.reports.html_text import esc
from grader.results import ExerciseResult, Outcome, TestResult
from grader.summary import BatchSummary, Row, Verdict

CELL_CHARS = 160
PASSED_SHOWN = 200  # passing tests listed per exercise (the JSON report has them all)


def section(summary: BatchSummary) -> str:
    """Every candidate, best first."""
    blocks = "".join(candidate(summary, row) for row in summary.rows)
    return ('<section id="candidates">\n<h2>Candidates, best first</h2>\n'
            '<p class="hint">Open a candidate for the code and why each test failed. Decisions and notes are '
            "kept in <code>decisions.csv</code> beside this report: edit it, then rerun the same "
            "<code>grader batch</code> command (nothing is graded again).</p>\n"
            f"{blocks}</section>\n")


def href(row: Row, *parts: str) -> str:
    """A link into the candidate's results folder, relative to report.html."""
    return "/".join(["candidates", quote(row.key, safe=""), *(quote(p, safe="") for p in parts)])


def candidate(summary: BatchSummary, row: Row) -> str:
    """One candidate's section."""
    verdict = summary.verdict(row)
    result = row.result
    score = f" {result.score:g}/{result.max_score:g} ({result.percent:.1f}%)" if result else ""
    rank = f"#{row.rank} " if row.rank is not None else ""
    parts = [f'<details class="candidate verdict-{verdict}" id="c-{esc(row.key)}" '
             f'data-candidate="{esc(row.candidate, CELL_CHARS)}">'
             f'<summary><span class="rank">{rank}</span><span class="name">{esc(row.name, CELL_CHARS)}</span> '
             f'<span class="verdict verdict-{verdict}">{esc(verdict.label)}</span>'
             f'<span class="score">{score}</span>{badges(summary, row)}</summary>\n']
    if row.record is not None:
        parts.append(_meta(row))
    parts.append(_reviewer(row))
    if row.message and verdict in (Verdict.INVALID, Verdict.INFRASTRUCTURE_ERROR, Verdict.PENDING):
        parts.append(f'<p class="message">{esc(" ".join(row.message.split()), 1000)}</p>\n')
    if row.record is not None and row.record.detail:
        parts.append(f'<pre class="detail">{esc(row.record.detail)}</pre>\n')
    parts.append(_similar(summary, row))
    if summary.interview is not None:
        parts.append(_interview(summary.interview, row))
    if result is not None:
        parts.extend(exercise(summary, row, e) for e in result.exercises)
    return "".join(parts) + "</details>\n"


def badges(summary: BatchSummary, row: Row) -> str:
    """Small flags after the candidate's name: similar code, a known solution, the decision."""
    out = []
    report = summary.similarity
    best = report.best(row.key) if report else None
    if best is not None:
        other = summary.row(best.other(row.key))
        out.append(f'<span class="badge flag" title="code alike: evidence to look at, not a verdict">&#9873; '
                   f'{100 * best.score:.0f}% like {esc(other.name if other else best.other(row.key), CELL_CHARS)}'
                   "</span>")
    for match in report.known_for(row.key) if report else []:
        what = "identical to" if match.identical else f"{100 * match.share:.0f}% like"
        out.append(f'<span class="badge flag">&#9873; {what} {esc(match.source)}</span>')
    if row.decision is not None and row.decision.decision:
        out.append(f'<span class="badge decision decision-{esc(row.decision.decision)}">'
                   f"{esc(row.decision.decision, 40)}</span>")
    return " " + " ".join(out) if out else ""


def _meta(row: Row) -> str:
    record = row.record
    assert record is not None
    sandbox = row.result.sandbox if row.result is not None else record.sandbox
    links = []
    if row.sources:
        links.append(f'<a href="{href(row, "files")}/">submitted files</a>')
    if row.result is not None:
        links += [f'<a href="{href(row, "result.json")}">JSON</a>', f'<a href="{href(row, "junit.xml")}">JUnit XML</a>']
    return (f'<p class="meta">{esc(row.candidate, CELL_CHARS)} ({esc(record.kind)}) &middot; sandbox {esc(sandbox)} '
            f"&middot; seed {record.seed} &middot; {record.duration:.1f} s &middot; {esc(record.started_at)}"
            + "".join(f" &middot; {link}" for link in links) + "</p>\n")


def _reviewer(row: Row) -> str:
    decision = row.decision
    if decision is None or not (decision.decision or decision.note):
        return '<p class="reviewer empty">Decision: <em>none yet</em> (decisions.csv)</p>\n'
    told = esc(decision.decision or "none yet", 40)
    note = f' &middot; <span class="note">{esc(decision.note)}</span>' if decision.note else ""
    unknown = "" if decision.known else " (not advance, hold or reject: fix it in decisions.csv)"
    return f'<p class="reviewer">Decision: <strong>{told}</strong>{unknown}{note}</p>\n'


def _similar(summary: BatchSummary, row: Row) -> str:
    report = summary.similarity
    if report is None:
        return ""
    lines = []
    for number, pair in enumerate(report.flagged(), start=1):
        if row.key not in (pair.a, pair.b):
            continue
        other = summary.row(pair.other(row.key))
        mine, theirs = (pair.share_a, pair.share_b) if row.key == pair.a else (pair.share_b, pair.share_a)
        lines.append(f'<li><a href="#pair-{number}">{esc(pair.exercise)}: {100 * mine:.0f}% of this code is in '
                     f"{esc(other.name if other else pair.other(row.key), CELL_CHARS)}'s, {100 * theirs:.0f}% of "
                     "theirs in this</a></li>")
    for match in report.known_for(row.key):
        what = "identical to" if match.identical else f"{100 * match.share:.0f}% of this code is in"
        lines.append(f"<li>{esc(match.exercise)}: {what} {esc(match.source)}</li>")
    if not lines:
        return ""
    return ('<div class="similar"><strong>Similarity flags</strong> (evidence to look at, never a penalty):'
            f'<ul>{"".join(lines)}</ul></div>\n')


def _interview(panel: InterviewPanel, row: Row) -> str:
    return interviews.candidate_block(panel, row.key)


# --- one exercise -------------------------------------------------------------------------------

def exercise(summary: BatchSummary, row: Row, result: ExerciseResult) -> str:
    """One exercise: verdict, then the code beside the failing tests (or one line, when it did not run)."""
    verdict = summary.exercise_verdict(row, result)
    file = summary.file_of(result.slug)
    source = row.sources.get(file)
    head = (f'<div class="exercise verdict-{verdict}" data-exercise="{esc(result.slug)}">'
            f"<h4>{esc(result.title)}: {result.score:g}/{result.max_score:g} "
            f'<span class="verdict verdict-{verdict}">{esc(verdict.label)}</span></h4>\n')
    if verdict is Verdict.NOT_ATTEMPTED:
        why = result.load_error or "the stub is unchanged: every test still raises NotImplementedError"
        return head + f'<p class="one-line">Not attempted: {esc(why, 600)}</p>\n</div>\n'
    if verdict is Verdict.DOES_NOT_LOAD:
        line = f'<p class="one-line load-error">Does not load: {esc(" ".join(result.load_error.split()), 600)}</p>\n'
        code = _code(row, file, source, [result.load_error])
        return head + line + (f'<div class="code-only">{code}</div>\n' if source else "") + "</div>\n"
    failing = [t for t in result.tests if not t.passed]
    passing = [t for t in result.tests if t.passed]
    panel = _failures(failing, passing, verdict)
    code = _code(row, file, source, [t.message for t in failing])
    return head + f'<div class="side-by-side">\n<div class="code-pane">{code}</div>\n{panel}</div>\n</div>\n'


def _code(row: Row, file: str, source: str | None, messages: list[str]) -> str:
    if source is None:
        return '<p class="meta">The submitted file is not kept in the results folder (graded before it was).</p>'
    link = f'<a href="{href(row, "files", file)}">{esc(file)}</a>'
    lines = code_view.mentioned_lines(messages, file)
    return f'<p class="file">{link}</p>\n{code_view.highlighted(source, lines)}'


def _failures(failing: list[TestResult], passing: list[TestResult], verdict: Verdict) -> str:
    total = len(failing) + len(passing)
    if verdict is Verdict.TIMED_OUT:
        stopped = sum(t.outcome in (Outcome.TIMEOUT, Outcome.MEMORY, Outcome.CRASHED) for t in failing)
        title = f"No test passed: {stopped} of {total} timed out, ran out of memory or crashed"
    else:
        title = f"{len(failing)} of {total} tests failed" if failing else f"All {total} tests passed"
    if verdict is Verdict.TIMED_OUT:  # one line, not a row per test
        counts = ", ".join(f"{o.value} {sum(t.outcome is o for t in failing)}" for o in Outcome
                           if any(t.outcome is o for t in failing))
        first = next((t.message for t in failing if t.message), "")
        items = f'<li class="failure"><span class="outcome bad">{esc(counts)}</span> {esc(first, 600)}</li>'
    else:
        items = "".join(_failure(test) for test in failing)
    passed = "".join(f"<li>{esc(t.description or t.name, CELL_CHARS)} <code>{esc(t.name, CELL_CHARS)}</code></li>"
                     for t in passing[:PASSED_SHOWN])
    more = f"<li>... and {len(passing) - PASSED_SHOWN} more</li>" if len(passing) > PASSED_SHOWN else ""
    folded = (f'<details class="passed"><summary>{len(passing)} passed</summary><ul>{passed}{more}</ul></details>'
              if passing else "")
    return (f'<div class="tests-pane"><p class="tests-title">{title}</p>\n<ol class="failures">{items}</ol>'
            f"{folded}</div>\n")


def _failure(test: TestResult) -> str:
    outcome = test.outcome.value
    kind = "bad" if test.outcome in (Outcome.ERROR, Outcome.TIMEOUT, Outcome.MEMORY, Outcome.CRASHED) else "warn"
    message = f'<pre class="msg">{esc(test.message)}</pre>' if test.message else ""
    output = f'<pre class="output">printed: {esc(test.output)}</pre>' if test.output else ""
    return (f'<li class="failure outcome-{esc(outcome)}"><span class="outcome {kind}">{esc(outcome)}</span> '
            f'<span class="points">{test.points:g}/{test.max_points:g}</span> {esc(test.description or test.name)} '
            f"<code>{esc(test.name, CELL_CHARS)}</code>{message}{output}</li>\n")
