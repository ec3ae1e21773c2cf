"""Candidates' code in the batch report: syntax-highlighted by Pygments, or with regions marked.

The code is hostile text. Pygments escapes ``& < > " '`` in everything it writes (its
``HtmlFormatter`` emits class names, never inline styles, so the report's Content-Security-Policy
holds); control characters are replaced before it sees the text; a file is shown up to
``CODE_CHARS`` characters. :func:`marked` escapes with :func:`grader.reports.html_text.esc`.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonLexer

CODE_CHARS = 60_000
CSS_CLASS = "code"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LINE = re.compile(r"\bline (\d+)\b")


def style() -> str:
    """The CSS of the highlighted code (Pygments' default style, scoped to ``.code``)."""
    return HtmlFormatter(style="default").get_style_defs(f".{CSS_CLASS}") + "\n"


def highlighted(source: str, lines: Iterable[int] = ()) -> str:
    """``source`` as highlighted HTML with line numbers; ``lines`` are marked (e.g. a syntax error's)."""
    text, cut = _capped(source)
    # Inline numbers: a line that wraps (in print) keeps its number beside it.
    formatter = HtmlFormatter(cssclass=CSS_CLASS, linenos="inline", hl_lines=sorted(set(lines)), wrapcode=True)
    note = f'<p class="meta">[{cut} more characters in the submitted file]</p>\n' if cut else ""
    return highlight(text, PythonLexer(), formatter) + note


def warm_up() -> None:
    """Load the Python lexer and compile its rules, once per process (a batch does it while it grades)."""
    highlighted("x = 1\n")


def mentioned_lines(texts: Iterable[str], file: str) -> list[int]:
    """Line numbers of ``file`` that messages name (``line 12``, ``adder.py:12``)."""
    found: set[int] = set()
    for text in texts:
        found |= {int(n) for n in _LINE.findall(text)}
        found |= {int(n) for n in re.findall(rf"{re.escape(file)}:(\d+)", text)}
    return sorted(n for n in found if 0 < n < 100_000)


def marked(source: str, regions: Iterable[tuple[int, int]]) -> str:
    """``source`` escaped, with each ``[start, end)`` region in ``<mark>``; numbered lines."""
    text, _ = _capped(source)
    parts, position = [], 0
    for start, end in sorted(regions):
        start, end = max(start, position), min(end, len(text))
        if start >= end:
            continue
        parts.append(html.escape(text[position:start]))
        parts.append(f"<mark>{html.escape(text[start:end])}</mark>")
        position = end
    parts.append(html.escape(text[position:]))
    body = "".join(parts)
    # Marks may span lines: number the lines by their starts, outside the marked text.
    lines = body.split("\n")
    width = len(str(len(lines)))
    return "\n".join(f'<span class="ln">{n:>{width}}</span> {line}' for n, line in enumerate(lines, start=1))


def _capped(source: str) -> tuple[str, int]:
    text = _CONTROL.sub("\ufffd", source.replace("\r\n", "\n"))
    if len(text) <= CODE_CHARS:
        return text, 0
    return text[:CODE_CHARS], len(text) - CODE_CHARS
