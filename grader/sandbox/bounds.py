"""What reading one answer from the sandbox may cost the judge: capped by bytes, count and depth.

The judge runs outside the sandbox's cgroup and outside the call's deadline, so a candidate who
returns tens of millions of tiny nested values must not be able to spend the judge's memory and
CPU instead of its own. Each response frame is checked in this order, each step bounded by the
previous one:

1. its announced length, against ``wire.MAX_RESPONSE_FRAME``, before a byte of it is kept;
2. a count of the raw bytes that can start a value (``wire.value_bound``), against
   ``wire.MAX_VALUES``, before ``json.loads`` builds anything;
3. one iterative walk of the parsed frame: nesting depth, the elements of every array together
   (``wire.MAX_ARRAY_ELEMENTS``) and the characters of every string together
   (``wire.MAX_TEXT_CHARS``, array and bytes payloads aside), cleaning each string on the way
   (:func:`grader.sandbox.untrusted.clean_text`).

An answer over a cap is refused with :class:`AnswerTooLarge`, which the judge records as the
outcome ``error`` with the cap's name in the message. ``bench/bench_judge_bounds.py`` measures
the worst a frame can cost under these caps.
"""

from __future__ import annotations

import json
from typing import Any

from grader.errors import AnswerTooLarge
from grader.sandbox import wire
from grader.sandbox.untrusted import clean_text

__all__ = ["AnswerTooLarge", "MAX_JSON_DEPTH", "read_answer", "response_length"]

# Each level of a value is at most three levels of JSON ({"$": "dict", "v": [[key, value]]}), and
# the response wraps the value in two more.
MAX_JSON_DEPTH = 3 * (wire.MAX_DEPTH + 1) + 4
PAYLOAD_TAGS = ("nd", "scalar", "bytes")  # their "v" is base64, checked when it is decoded


def response_length(header: bytes) -> int:
    """The length a response frame announces; over the cap, the answer is refused unread."""
    try:
        return wire.payload_length(header, wire.MAX_RESPONSE_FRAME)
    except wire.ProtocolError:
        if len(header) != wire.HEADER.size:
            raise
        (length,) = wire.HEADER.unpack(header)
        raise AnswerTooLarge(
            f"the answer is refused: it is {length:,} bytes as data, over the {wire.MAX_RESPONSE_FRAME:,}-byte cap"
        ) from None


def read_answer(payload: bytes) -> Any:
    """Parse one response payload under the caps, with every string in it cleaned.

    Raise :class:`AnswerTooLarge` over a cap and :class:`wire.ProtocolError` for bytes that are
    not JSON.
    """
    values = wire.value_bound(payload)
    if values > wire.MAX_VALUES:
        raise AnswerTooLarge(
            f"the answer is refused: it holds about {values:,} values, over the {wire.MAX_VALUES:,}-value cap"
        )
    try:
        parsed = json.loads(payload.decode("utf-8"))
    except RecursionError:
        raise AnswerTooLarge(f"the answer is refused: it is nested deeper than {MAX_JSON_DEPTH} levels") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise wire.ProtocolError(f"payload is not valid JSON: {type(exc).__name__}") from None
    if isinstance(parsed, str):
        return _Walk().text(parsed)
    _Walk().run(parsed)
    return parsed


class _Walk:
    """One pass over a parsed frame: checks depth, array elements and text; cleans strings in place."""

    def __init__(self) -> None:
        self.elements = 0
        self.chars = 0

    def run(self, root: Any) -> None:
        pending = [(root, 1)]
        while pending:
            container, depth = pending.pop()
            if depth > MAX_JSON_DEPTH:
                raise AnswerTooLarge(f"the answer is refused: it is nested deeper than {MAX_JSON_DEPTH} levels")
            payload_key = None
            if isinstance(container, list):
                items: Any = enumerate(container)
            else:
                self._keys(container)
                if container.get("$") in PAYLOAD_TAGS:
                    self._count_elements(container)
                    payload_key = "v"
                items = list(container.items())
            for key, item in items:
                if isinstance(item, str):
                    if key != payload_key:
                        container[key] = self.text(item)
                elif isinstance(item, (list, dict)):
                    pending.append((item, depth + 1))

    def text(self, value: str) -> str:
        self.chars += len(value)
        if self.chars > wire.MAX_TEXT_CHARS:
            raise AnswerTooLarge(f"the answer is refused: it holds over {wire.MAX_TEXT_CHARS:,} characters of text")
        return clean_text(value)

    def _keys(self, container: dict) -> None:
        for key in list(container):
            cleaned = self.text(key)
            if cleaned != key:
                container[cleaned] = container.pop(key)

    def _count_elements(self, tagged: dict) -> None:
        """Count an array's elements from its shape (``decode`` checks the shape against the bytes)."""
        shape = tagged.get("shape", [])
        count = 1
        for n in shape if isinstance(shape, list) else []:
            if type(n) is int and n >= 0:
                count = min(count * n, wire.MAX_ARRAY_ELEMENTS + 1)
        self.elements += count
        if self.elements > wire.MAX_ARRAY_ELEMENTS:
            raise AnswerTooLarge(f"the answer is refused: its arrays hold over {wire.MAX_ARRAY_ELEMENTS:,} elements")
