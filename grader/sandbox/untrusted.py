"""Candidate text made safe once, where it enters the judge.

Every string that comes out of a sandbox -- returned values, exception types, messages and
tracebacks, printed output -- is the candidate's to choose. Before the judge keeps any of it:

* lone surrogates (which no UTF-8 writer can encode) become U+FFFD;
* control characters other than newline and tab (ESC and with it every ANSI CSI/OSC sequence,
  BEL, carriage return, the C1 range, DEL), the bidirectional overrides that make text read in
  another order than it is stored, and the Unicode line and paragraph separators are shown
  escaped, as ``\\x1b`` or ``\\u202e``, so that they reach no terminal, XML or log as themselves.

Each report writer still escapes for its own format (XML, HTML, Markdown, CSV, the terminal's
line starts); this module only guarantees that what they receive is valid, printable text.
"""

from __future__ import annotations

import re
from typing import Any

_SURROGATE = re.compile("[\ud800-\udfff]")
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]")


def clean_text(text: str) -> str:
    """``text`` with invalid Unicode replaced and control characters shown escaped."""
    text = _SURROGATE.sub("\ufffd", text)
    if "\r" in text:
        text = text.replace("\r\n", "\n")
    return _UNSAFE.sub(_escaped, text)


def clean_strings(value: Any) -> Any:
    """A freshly parsed frame with every string in it (dict keys too) passed through
    :func:`clean_text`, in place. Iterative: a hostile frame's nesting depth is checked later, by
    the codec, and must not exhaust the stack here first."""
    if isinstance(value, str):
        return clean_text(value)
    pending = [value]
    while pending:
        container = pending.pop()
        if isinstance(container, list):
            for index, item in enumerate(container):
                if isinstance(item, str):
                    container[index] = clean_text(item)
                elif isinstance(item, (list, dict)):
                    pending.append(item)
        elif isinstance(container, dict):
            for key in [k for k in container if isinstance(k, str) and clean_text(k) != k]:
                container[clean_text(key)] = container.pop(key)
            for key, item in container.items():
                if isinstance(item, str):
                    container[key] = clean_text(item)
                elif isinstance(item, (list, dict)):
                    pending.append(item)
    return value


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
