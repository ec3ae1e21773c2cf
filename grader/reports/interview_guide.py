"""The interviewer's guide: the chosen questions' rubrics, the agenda and a blank scorecard.

Rendered as GitHub-flavoured Markdown (:func:`render_markdown`, ``interview-guide.md``) and as one
self-contained, print-friendly HTML5 page (:func:`render_html`, ``interview-guide.html``: no
script, no network, a Content-Security-Policy that forbids both; printed, the how-to and agenda
fill the first page, then each question and the scorecard have a page of their own).
``grader interview guide`` writes them with the matching ``scorecard-template.toml`` beside them.

A private bank's rubrics are text from its authors: HTML goes through
:func:`grader.reports.html_text.esc`, Markdown through :func:`grader.reports.markdown.escape`;
`code spans` stay code in both.
"""

from __future__ import annotations

import dataclasses
import datetime
import re
from collections.abc import Collection, Sequence

from grader import __version__
from grader.interview.rubric import Rubric
from grader.interview.scorecard import RECOMMENDATIONS
from grader.reports.html_text import clean, esc
from grader.reports.html_text import with_code as html_text
from grader.reports.markdown import escape as md_escape

GUIDE_MD, GUIDE_HTML, TEMPLATE = "interview-guide.md", "interview-guide.html", "scorecard-template.toml"
GUIDE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"
_CODE = re.compile(r"`([^`\n]+)`")
WELCOME_MINUTES = CLOSING_MINUTES = 5
SCALE = (
    (1, "Little or no evidence", "No working answer, only buzzwords, or no example of their own."),
    (2, "Partial", "Some correct elements, with clear gaps or errors."),
    (3, "Solid", "What we hope for from a good intern."),
    (4, "Strong", "Beyond what we expect from an intern."),
)
HOW_TO = (
    "Ask each question as written, then use the follow-ups listed under it, or neutral prompts "
    "('Can you say more?', 'What would you try next?'). Every candidate gets the same interview.",
    "Note evidence as you go: what the candidate said or did, in their words ('studies becomes studi "
    "with a stemmer'), not impressions ('seemed sharp').",
    "Score each question right after the interview, alone, before talking with the other interviewers. "
    "Pick the level whose description fits best; levels build on each other (a 4 includes a 3). Torn "
    "between two levels? Take the lower one and note what was missing for the higher.",
    "A 1 or a 4 needs written evidence: the scorecard check refuses them without it.",
    "Copy your levels into `scorecards/<candidate>/<interviewer>.toml` (start from `scorecard-template.toml` "
    "beside this guide), check them with `grader interview check scorecards/`, then add "
    "`--scorecards scorecards/` to `grader batch`. Questions where interviewers are 2 levels or more "
    "apart are flagged for a calibration talk.",
    "Nothing is scored automatically: the levels are your judgement. The grader checks and collects "
    "them; it never reads or grades an answer.",
)
BEHAVIOURAL_ADVICE = (
    "Ask for one specific past situation. If the answer drifts into 'I usually...' or 'we...', ask "
    "'What did you do, that time?'",
    "Listen for the four parts given under each question: situation, action, result, reflection. "
    "Probe the parts that are missing.",
    "Examples from courses, personal projects, research or part-time jobs all count: interns have "
    "little work history.",
    "A hypothetical answer ('I would...') scores at most 2.",
    "Score what the candidate did, not how confidently they tell it.",
)


@dataclasses.dataclass
class Guide:
    """What a guide is made of: the questions in the order they will be asked."""

    questions: Sequence[Rubric]
    exercises: Collection[str] | None = None  # the bank's slugs; None shows every related exercise
    generated: str = dataclasses.field(default_factory=lambda: datetime.date.today().isoformat())

    @property
    def total_minutes(self) -> int:
        return WELCOME_MINUTES + sum(q.minutes for q in self.questions) + CLOSING_MINUTES

    def agenda(self) -> list[tuple[str, int, str]]:
        """(start as h:mm, minutes, item) for the welcome, each question, and the candidate's questions."""
        items = [(WELCOME_MINUTES, "Welcome: introductions and the format of the interview")]
        items += [(q.minutes, f"{q.short_id}: {q.title}") for q in self.questions]
        items.append((CLOSING_MINUTES, "The candidate's questions"))
        rows, start = [], 0
        for minutes, label in items:
            rows.append((f"{start // 60}:{start % 60:02d}", minutes, label))
            start += minutes
        return rows

    def related(self, rubric: Rubric) -> list[str]:
        """The rubric's related exercises that this bank has (all of them when the bank is unknown)."""
        return [s for s in rubric.related_exercises if self.exercises is None or s in self.exercises]

    @property
    def has_behavioural(self) -> bool:
        return any(q.behavioural for q in self.questions)


# --- Markdown -----------------------------------------------------------------------------------

def md_text(text: object) -> str:
    """Text for one line of Markdown: no markup and no raw HTML, except `code spans`."""
    value = " ".join(clean(text).split())
    parts = _CODE.split(value)  # even indexes: prose; odd: the inside of a code span
    return "".join(f"`{part}`" if index % 2 else md_escape(part) for index, part in enumerate(parts))


def render_markdown(guide: Guide) -> str:
    """The guide as GitHub-flavoured Markdown."""
    out = [f"# Interviewer's guide: NLP / ML intern interview\n\n{len(guide.questions)} questions, about "
           f"{guide.total_minutes} minutes. Generated {guide.generated} by nlp-grader {__version__}.\n",
           "## How to use this guide\n", *(f"{n}. {md_text(text)}" for n, text in enumerate(HOW_TO, 1)), "",
           "## The levels\n", "| Level | Meaning |", "| --- | --- |",
           *(f"| {level} | **{md_text(name)}**: {md_text(text)} |" for level, name, text in SCALE), "",
           "## Agenda\n", "| Start | Minutes | Item |", "| --- | ---: | --- |",
           *(f"| {start} | {minutes} | {md_text(label)} |" for start, minutes, label in guide.agenda()), ""]
    if guide.has_behavioural:
        out += ["## Behavioural questions\n", *(f"- {md_text(text)}" for text in BEHAVIOURAL_ADVICE), ""]
    out.append("## Questions\n")
    for rubric in guide.questions:
        out += _markdown_question(guide, rubric)
    out += _markdown_scorecard(guide)
    return "\n".join(out) + "\n"


def _markdown_question(guide: Guide, rubric: Rubric) -> list[str]:
    out = [f"### {md_text(rubric.short_id)}: {md_text(rubric.title)} ({rubric.minutes} min)\n",
           f"> {md_text(rubric.question)}\n"]
    if rubric.note:
        out.append(f"**Note:** {md_text(rubric.note)}\n")
    out += ["**What it probes**\n", *(f"- {md_text(p)}" for p in rubric.probes), ""]
    if rubric.structure:
        out += ["**Listen for**\n", *(f"- **{part.capitalize()}**: {md_text(text)}" for part, text in rubric.structure),
                ""]
    out += ["**Levels**\n", *(f"- **{level}**: {md_text(rubric.level(level))}" for level in (1, 2, 3, 4)), "",
            "**Follow-ups**\n", *(f"- {md_text(f)}" for f in rubric.follow_ups), "",
            "**Red flags**\n", *(f"- {md_text(f)}" for f in rubric.red_flags), ""]
    related = guide.related(rubric)
    if related:
        out.append(f"Related coding exercise: {', '.join(f'`{s}`' for s in related)}.\n")
    out.append(f"Scorecard id: `{rubric.id}`\n")
    return out


def _markdown_scorecard(guide: Guide) -> list[str]:
    boxes = " ".join(f"[ ] {r.replace('-', ' ')}" for r in RECOMMENDATIONS)
    return ["## Scorecard\n", "Candidate: ______________  Interviewer: ______________  Date: __________\n",
            "| Question | Level (circle) | Evidence (required for a 1 or a 4) |", "| --- | --- | --- |",
            *(f"| {md_text(q.short_id)}: {md_text(q.title)} | 1 2 3 4 | |" for q in guide.questions), "",
            f"Overall recommendation: {boxes}\n", "Notes:\n",
            "Copy this into `scorecards/<candidate>/<interviewer>.toml` (from `scorecard-template.toml`) and "
            "run `grader interview check scorecards/`."]


# --- HTML ---------------------------------------------------------------------------------------

STYLE = """\
:root { --ink: #1d2330; --muted: #5b6475; --line: #d9dee7; --accent: #2f6fdb; --soft: #f4f6fa; --warn: #9a6700; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); margin: 0 auto;
       max-width: 920px; padding: 24px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 28px 0 8px; border-bottom: 1px solid var(--line); }
h3 { font-size: 17px; margin: 0 0 6px; } h4 { font-size: 13px; text-transform: uppercase; letter-spacing: .04em;
     color: var(--muted); margin: 12px 0 4px; }
p.sub { color: var(--muted); margin: 0 0 12px; }
table { border-collapse: collapse; width: 100%; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
ul, ol { margin: 4px 0; padding-left: 22px; } li { margin: 2px 0; }
article.question { border: 1px solid var(--line); border-radius: 6px; padding: 12px 16px; margin: 16px 0; }
.qnum { display: inline-block; background: var(--accent); color: #fff; border-radius: 4px; padding: 0 6px;
        font-size: 13px; margin-right: 6px; }
.minutes { float: right; color: var(--muted); font-weight: normal; font-size: 14px; }
blockquote.ask { margin: 8px 0; padding: 8px 12px; background: var(--soft); border-left: 4px solid var(--accent);
                 font-size: 16px; }
p.note { background: #fff4d6; border: 1px solid #e8c66a; padding: 6px 10px; }
table.levels th { width: 2.5em; text-align: center; font-size: 16px; }
table.levels tr:nth-child(odd) td, table.levels tr:nth-child(odd) th { background: var(--soft); }
dl.structure { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 0; }
dl.structure dt { font-weight: 600; } dl.structure dd { margin: 0; }
.columns { display: grid; grid-template-columns: 1fr 1fr; gap: 0 24px; }
.red-flags li::marker { color: #b3261e; }
p.meta { color: var(--muted); font-size: 12px; margin: 8px 0 0; }
section.scorecard .fill { display: grid; grid-template-columns: repeat(3, 1fr); gap: 12px; margin: 8px 0 12px; }
section.scorecard .fill span { border-bottom: 1px solid var(--ink); padding-top: 18px; color: var(--muted);
                               font-size: 12px; }
table.card td.box { width: 2.2em; text-align: center; font-size: 18px; }
table.card td.evidence { width: 45%; height: 3.2em; }
table.card tr { break-inside: avoid; }
.recommend span { margin-right: 18px; white-space: nowrap; }
.notes-box { border: 1px solid var(--line); height: 7em; margin-top: 6px; }
footer { margin-top: 28px; color: var(--muted); font-size: 12px; }
@page { margin: 12mm; }
@media print {
  body { font-size: 9.5pt; line-height: 1.35; max-width: none; padding: 0; }
  h2 { font-size: 13pt; margin-top: 14px; break-after: avoid; }
  #questions > h2 { display: none; }
  article.question { break-before: page; break-inside: avoid; border: 0; padding: 0; margin: 0; }
  blockquote.ask { font-size: 11pt; }
  th, td { padding: 2px 6px; }
  section.scorecard { break-before: page; }
  .qnum { color: #000; background: none; border: 1px solid #000; }
}
"""


def render_html(guide: Guide) -> str:
    """The guide as one self-contained, print-friendly HTML page."""
    body = [
        "<header>\n<h1>Interviewer's guide: NLP / ML intern interview</h1>\n",
        f'<p class="sub">{len(guide.questions)} questions &middot; about {guide.total_minutes} minutes &middot; '
        f"generated {esc(guide.generated)} by nlp-grader {esc(__version__)}</p>\n</header>\n",
        _html_list("how", "How to use this guide", HOW_TO, ordered=True), _html_scale(),
    ]
    if guide.has_behavioural:
        body.append(_html_list("behavioural", "Behavioural questions", BEHAVIOURAL_ADVICE))
    body += [_html_agenda(guide), '<section id="questions">\n<h2>Questions</h2>\n']
    body += [_html_question(guide, rubric) for rubric in guide.questions]
    body += ["</section>\n", _html_scorecard(guide),
             f"<footer>nlp-grader {esc(__version__)} &middot; interview rubrics are scored by people, "
             "never automatically</footer>\n"]
    return page("Interviewer's guide", STYLE, "".join(body), f"nlp-grader {__version__}")


def page(title: str, style: str, body: str, generator: str) -> str:
    """A complete, self-contained HTML5 document with no script."""
    return "".join([
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n",
        f'<meta http-equiv="Content-Security-Policy" content="{GUIDE_CSP}">\n',
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
        f'<meta name="generator" content="{esc(generator)}">\n',
        f"<title>{esc(title)}</title>\n<style>\n{style}</style>\n</head>\n<body>\n",
        body,
        "</body>\n</html>\n",
    ])


def _html_list(anchor: str, title: str, items: Sequence[str], ordered: bool = False) -> str:
    tag = "ol" if ordered else "ul"
    rows = "".join(f"<li>{html_text(item)}</li>\n" for item in items)
    return f'<section id="{anchor}">\n<h2>{esc(title)}</h2>\n<{tag}>\n{rows}</{tag}>\n</section>\n'


def _html_scale() -> str:
    rows = "".join(f'<tr><td class="num">{level}</td><td><strong>{esc(name)}</strong></td>'
                   f"<td>{html_text(text)}</td></tr>\n" for level, name, text in SCALE)
    return ('<section id="scale">\n<h2>The levels</h2>\n<table class="scale">\n'
            f"<thead><tr><th>Level</th><th>Name</th><th>Meaning</th></tr></thead>\n<tbody>\n{rows}</tbody>\n"
            "</table>\n</section>\n")


def _html_agenda(guide: Guide) -> str:
    rows = "".join(f'<tr><td class="num">{start}</td><td class="num">{minutes}</td><td>{esc(label)}</td></tr>\n'
                   for start, minutes, label in guide.agenda())
    return ('<section id="agenda">\n<h2>Agenda</h2>\n<table class="agenda">\n<thead><tr><th class="num">Start</th>'
            f'<th class="num">Minutes</th><th>Item</th></tr></thead>\n<tbody>\n{rows}</tbody>\n'
            f'<tfoot><tr><td></td><td class="num"><strong>{guide.total_minutes}</strong></td><td>in all</td></tr>'
            "</tfoot>\n</table>\n</section>\n")


def _html_question(guide: Guide, rubric: Rubric) -> str:
    parts = [f'<article class="question" id="q-{esc(rubric.id)}" data-question="{esc(rubric.id)}">\n'
             f'<h3><span class="qnum">{esc(rubric.short_id)}</span>{esc(rubric.title)}'
             f'<span class="minutes">{rubric.minutes} min</span></h3>\n'
             f'<blockquote class="ask">{html_text(rubric.question)}</blockquote>\n']
    if rubric.note:
        parts.append(f'<p class="note">{html_text(rubric.note)}</p>\n')
    parts.append(f'<h4>What it probes</h4>\n<ul class="probes">{_items(rubric.probes)}</ul>\n')
    if rubric.structure:
        items = "".join(f"<dt>{esc(part.capitalize())}</dt><dd>{html_text(text)}</dd>"
                        for part, text in rubric.structure)
        parts.append(f'<h4>Listen for</h4>\n<dl class="structure">{items}</dl>\n')
    levels = "".join(f'<tr data-level="{n}"><th>{n}</th><td>{html_text(rubric.level(n))}</td></tr>\n'
                     for n in (1, 2, 3, 4))
    parts.append(f'<h4>Levels</h4>\n<table class="levels">\n<tbody>\n{levels}</tbody>\n</table>\n')
    parts.append(f'<div class="columns"><div><h4>Follow-ups</h4><ul class="follow-ups">{_items(rubric.follow_ups)}'
                 f'</ul></div>\n<div><h4>Red flags</h4><ul class="red-flags">{_items(rubric.red_flags)}</ul></div>'
                 "</div>\n")
    related = guide.related(rubric)
    related_text = f" &middot; related coding exercise: {', '.join(esc(s) for s in related)}" if related else ""
    parts.append(f'<p class="meta">scorecard id <code>{esc(rubric.id)}</code>{related_text}</p>\n</article>\n')
    return "".join(parts)


def _items(texts: Sequence[str]) -> str:
    return "".join(f"<li>{html_text(text)}</li>" for text in texts)


def _html_scorecard(guide: Guide) -> str:
    rows = "".join(f'<tr data-question="{esc(q.id)}"><td><strong>{esc(q.short_id)}</strong> {esc(q.title)}</td>'
                   + '<td class="box">&#9744;</td>' * 4 + '<td class="evidence"></td></tr>\n'
                   for q in guide.questions)
    choices = "".join(f"<span>&#9744; {esc(r.replace('-', ' '))}</span>" for r in RECOMMENDATIONS)
    return ('<section id="scorecard" class="scorecard">\n<h2>Scorecard</h2>\n'
            '<div class="fill"><span>Candidate</span><span>Interviewer</span><span>Date</span></div>\n'
            '<table class="card">\n<thead><tr><th>Question</th><th>1</th><th>2</th><th>3</th><th>4</th>'
            f"<th>Evidence (required for a 1 or a 4)</th></tr></thead>\n<tbody>\n{rows}</tbody>\n</table>\n"
            f'<h4>Overall recommendation</h4>\n<p class="recommend">{choices}</p>\n'
            '<h4>Notes</h4>\n<div class="notes-box"></div>\n'
            '<p class="meta">Copy into scorecards/&lt;candidate&gt;/&lt;interviewer&gt;.toml (start from '
            "scorecard-template.toml) and run <code>grader interview check scorecards/</code>.</p>\n</section>\n")
