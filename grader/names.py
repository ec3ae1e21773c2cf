"""File names as a person reads them, whatever bytes they have on disk."""

from __future__ import annotations

import codecs
import os


def _as_windows_1252(error: UnicodeError) -> tuple[str, int]:
    assert isinstance(error, UnicodeDecodeError)
    return error.object[error.start : error.end].decode("cp1252", errors="replace"), error.end


codecs.register_error("nlp-grader-cp1252", _as_windows_1252)


def readable_name(name: str) -> str:
    """A file name as a person reads it, whatever bytes it has on disk.

    A name that is not valid UTF-8 (``unzip`` of a Windows export leaves latin-1 names such as
    ``Müller.py`` encoded as the single byte 0xFC for the ü) reaches Python with its undecodable
    bytes as lone surrogates, which no report can encode. Those bytes are read as Windows-1252, the
    usual culprit, and valid UTF-8 around them stays as it is; a byte that means nothing in
    Windows-1252 becomes U+FFFD.
    """
    if not any("\udc80" <= ch <= "\udcff" for ch in name):
        return name
    return os.fsencode(name).decode("utf-8", errors="nlp-grader-cp1252")
