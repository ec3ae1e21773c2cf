"""Safe text for the interview's HTML and Markdown, and the HTML page shell.

Scorecards are typed by people and may hold anything (a pasted ``<script>``, control characters),
so every piece of text goes through :func:`esc` (HTML) or :func:`md_text` (Markdown). Prose from
the rubrics may use `code spans`: :func:`html_text` and :func:`md_text` keep them as code. The
guide's page carries a Content-Security-Policy that allows no script and no network access at
all, so even markup that slipped through could neither run nor load anything. The batch report's
``grader.reports.html_report.esc`` follows the same rules; this copy keeps the package free of the
batch's modules.
"""

from __future__ import annotations

import html
import re

TEXT_CHARS = 4000
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_CODE = re.compile(r"`([^`\n]+)`")
_MARKDOWN = re.compile(r"([\\`*_\[\]<>|#])")
GUIDE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"


def clean(text: object, limit: int = TEXT_CHARS) -> str:
    """Text without control characters (they could drive a terminal), capped at ``limit`` characters."""
    value = _CONTROL.sub("\ufffd", str(text))
    return value if len(value) <= limit else value[:limit] + f" [... {len(value) - limit} more characters]"


def esc(text: object, limit: int = TEXT_CHARS) -> str:
    """Text made safe for HTML element content and quoted attributes: cleaned, capped and escaped."""
    return html.escape(clean(text, limit), quote=True)


def html_text(text: object) -> str:
    """Like :func:`esc`, with `code spans` set in ``<code>``."""
    return _CODE.sub(lambda m: f"<code>{m.group(1)}</code>", esc(text))


def md_text(text: object) -> str:
    """Text for one line of Markdown: no markup and no raw HTML, except `code spans`."""
    value = " ".join(clean(text).split())
    parts = _CODE.split(value)  # even indexes: prose; odd: the inside of a code span
    return "".join(f"`{part}`" if index % 2 else _MARKDOWN.sub(r"\\\1", part) for index, part in enumerate(parts))


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
