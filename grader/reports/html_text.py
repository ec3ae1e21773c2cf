"""Text made safe for HTML: the one escaping that every HTML writer of the grader uses
(the batch's ``report.html``, its interview columns, the interviewer's guide).

Candidate names, messages, output and scorecards are hostile: :func:`esc` removes control
characters, caps the length and escapes for element content and quoted attributes alike.
"""

from __future__ import annotations

import html
import re

TEXT_CHARS = 4000  # per message or output in the report; the JSON files keep everything
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_CODE = re.compile(r"`([^`\n]+)`")


def clean(text: object, limit: int = TEXT_CHARS) -> str:
    """Text without control characters (they could drive a terminal), capped at ``limit`` characters."""
    value = _CONTROL.sub("\ufffd", str(text))
    if len(value) > limit:
        value = value[:limit] + f"\n[... {len(value) - limit} more characters in the JSON report]"
    return value


def esc(text: object, limit: int = TEXT_CHARS) -> str:
    """Text made safe for HTML (element content and quoted attributes): escaped, cleaned and capped."""
    return html.escape(clean(text, limit), quote=True)


def with_code(text: object) -> str:
    """Like :func:`esc`, with `code spans` set in ``<code>`` (for prose the bank's authors wrote)."""
    return _CODE.sub(lambda m: f"<code>{m.group(1)}</code>", esc(text))
