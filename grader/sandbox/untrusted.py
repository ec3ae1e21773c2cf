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

_UNSAFE = "\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff"
_SUSPECT = re.compile(f"[{_UNSAFE}\ud800-\udfff]")


def _table() -> dict[int, str]:
    """Each unsafe character to its escape, each lone surrogate to U+FFFD: one ``str.translate``,
    which costs tens of nanoseconds a character however many of them a hostile string holds."""
    unsafe = re.compile(f"[{_UNSAFE}]")
    table = {code: _escaped(code) for code in range(0x3000) if unsafe.match(chr(code))}
    table[0xFEFF] = _escaped(0xFEFF)
    table.update(dict.fromkeys(range(0xD800, 0xE000), "\ufffd"))
    return table


def clean_text(text: str) -> str:
    """``text`` with invalid Unicode replaced and control characters shown escaped."""
    if not _SUSPECT.search(text):
        return text
    if "\r" in text:
        text = text.replace("\r\n", "\n")
    return text.translate(_TABLE)


def _escaped(code: int) -> str:
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


_TABLE = _table()
