"""The judge's own work on an answer is bounded: caps by bytes, count, depth and text, and the
time it spends reading and checking an answer counts against the call's deadline."""

from __future__ import annotations

import base64
import json
import time

import numpy as np
import pytest

from grader.errors import AnswerTooLarge, SandboxTimeout
from grader.judge import budget
from grader.limits import Limits
from grader.sandbox import bounds, wire
from grader.sandbox.process_backend import ProcessBackend
from grader.sandbox.session import Session
from grader.testing import as_array


def payload(value) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def test_value_bound_never_under_counts():
    for value in ([], [[], [1, 2]], {"$": "tuple", "v": [1, "a,b", None]}, [[[[]]]], 3, "x"):
        raw = payload(value)
        assert wire.value_bound(raw) >= _count(json.loads(raw))


def _count(value) -> int:
    if isinstance(value, list):
        return 1 + sum(_count(v) for v in value)
    if isinstance(value, dict):
        return 1 + sum(_count(v) for v in value.values())
    return 1


def test_too_many_values_are_refused_before_parsing(monkeypatch):
    raw = b"[" + b",".join([b"[]"] * (wire.MAX_VALUES + 1)) + b"]"
    monkeypatch.setattr(json, "loads", lambda *_: pytest.fail("parsed an answer over the value cap"))
    with pytest.raises(AnswerTooLarge, match="value cap"):
        bounds.read_answer(raw)


def test_deep_nesting_is_refused_as_too_large_not_as_a_protocol_error():
    for depth in (bounds.MAX_JSON_DEPTH + 1, 100_000):
        with pytest.raises(AnswerTooLarge, match="nested deeper"):
            bounds.read_answer(b"[" * depth + b"]" * depth)
    nested = payload(wire.encode(_nest(wire.MAX_DEPTH)))
    assert bounds.read_answer(nested)  # what the codec accepts, the caps accept


def _nest(depth: int):
    value: object = 1
    for level in range(depth):
        value = [value] if level % 3 == 0 else (value,) if level % 3 == 1 else {"k": value}
    return value


def test_text_is_capped_but_array_payloads_are_not_text():
    with pytest.raises(AnswerTooLarge, match="characters of text"):
        bounds.read_answer(payload(["\u202e" * (wire.MAX_TEXT_CHARS // 2)] * 3))
    big = np.zeros(wire.MAX_TEXT_CHARS, dtype=np.uint8)
    assert bounds.read_answer(payload(wire.encode(big)))["$"] == "nd"


def test_array_elements_are_capped_across_the_whole_answer():
    def fake_array(n):
        return {"$": "nd", "dtype": "bool", "shape": [n], "v": "", "tensor": False}

    assert bounds.read_answer(payload([fake_array(wire.MAX_ARRAY_ELEMENTS // 2)]))
    with pytest.raises(AnswerTooLarge, match="elements"):
        bounds.read_answer(payload([fake_array(wire.MAX_ARRAY_ELEMENTS // 2)] * 3))
    with pytest.raises(AnswerTooLarge, match="elements"):
        bounds.read_answer(payload(fake_array(2**40) | {"shape": [2**40, 2**40]}))


def test_strings_and_keys_are_cleaned():
    raw = payload({"$": "dict", "v": [["\x1b[2J", "bad\ud800"]], "\x07": 1})
    answer = bounds.read_answer(raw.replace(b"\\ud800", b"\\ud800"))
    assert answer["v"] == [["\\x1b[2J", "bad\ufffd"]] and "\\x07" in answer
    assert bounds.read_answer(payload("\u202e")) == "\\u202e"


def test_an_oversized_frame_is_refused_from_its_header():
    with pytest.raises(AnswerTooLarge, match="byte cap"):
        bounds.response_length(wire.HEADER.pack(wire.MAX_RESPONSE_FRAME + 1))
    assert bounds.response_length(wire.HEADER.pack(wire.MAX_RESPONSE_FRAME)) == wire.MAX_RESPONSE_FRAME


def test_worst_cases_stay_cheap():
    """The caps make the worst answer cheap to read (bench/bench_judge_bounds.py measures it)."""
    cases = [
        b"[" + b",".join([b"[]"] * (wire.MAX_VALUES // 2 - 1)) + b"]",  # "[" and "," count each list
        payload(["\u202e" * (wire.MAX_TEXT_CHARS - 10)]),
        payload([{"$": "nd", "dtype": "uint8", "shape": [wire.MAX_ARRAY_ELEMENTS],
                  "v": base64.b64encode(bytes(wire.MAX_ARRAY_ELEMENTS)).decode(), "tensor": False}]),
    ]
    for raw in cases:
        started = time.process_time()
        wire.decode(bounds.read_answer(raw))
        assert time.process_time() - started < 5  # ~0.6 s idle; generous for a loaded machine


# -- through a real sandbox ----------------------------------------------------------------------

SOURCE = '''
import os, json
def many():
    return [[]] * 2_000_000
def tensor_flood():
    import numpy as np
    return np.zeros(12 * 1024 * 1024, dtype=np.uint8)
def forge(count):
    body = b"[" + b",".join([b"[]"] * count) + b"]"
    for fd in range(3, 64):
        try:
            os.write(fd, len(body).to_bytes(4, "big") + body)
        except OSError:
            pass
    return 0
def oversized():
    for fd in range(3, 64):
        try:
            os.write(fd, (1 << 30).to_bytes(4, "big") + b"[" * 100)
        except OSError:
            pass
    import time
    time.sleep(30)
def echo(x):
    return x
'''


@pytest.fixture
def session():
    with Session(ProcessBackend(), Limits(call_seconds=10, memory_mb=1536)) as s:
        assert s.load("mod", SOURCE, "mod.py")["ok"]
        yield s


def call(session, name, *args):
    message = {"op": "call", "module": "mod", "name": name, "args": wire.encode(list(args)), "kwargs": wire.encode({})}
    return session.request(message)


def test_an_honest_worker_refuses_to_send_what_the_judge_would_refuse(session):
    for name in ("many", "tensor_flood"):
        response = call(session, name)
        assert not response["ok"] and "cap" in response["error"]["message"], response
    assert session.starts == 1 and call(session, "echo", 3)["value"] == 3


def test_a_forged_answer_over_the_value_cap_is_refused_as_too_large(session):
    with pytest.raises(AnswerTooLarge, match="value cap"):
        call(session, "forge", wire.MAX_VALUES + 10)


def test_an_oversized_header_is_refused_unread_and_the_sandbox_restarts(session):
    started = time.monotonic()
    with pytest.raises(AnswerTooLarge, match="byte cap"):
        call(session, "oversized")
    assert time.monotonic() - started < 5
    assert call(session, "echo", 4)["value"] == 4


# -- the answer clock ----------------------------------------------------------------------------


def test_reading_an_answer_past_the_deadline_is_a_timeout():
    with pytest.raises(SandboxTimeout, match="past the call's 1 s deadline"):
        budget.start(1.0, 1.2)
    budget.reset()


def test_checking_an_answer_is_charged_to_its_call_once():
    slow_calls = []

    @budget.charged
    def slow_check(depth=0):
        slow_calls.append(depth)
        time.sleep(0.3)
        if depth == 0:
            slow_check(1)  # a helper calling a helper is charged once

    budget.start(0.5, 0.0)
    try:
        with pytest.raises(SandboxTimeout, match="reading and checking it"):
            slow_check()
    finally:
        budget.reset()
    clock = budget.start(10.0, 0.0)
    slow_check()
    assert 0.55 < clock.used < 2 and slow_calls == [0, 1, 0, 1]
    budget.reset()
    slow_check()  # no answer pending: nothing is charged, nothing raises


def test_testing_helpers_are_charged():
    clock = budget.start(10.0, 0.0)
    as_array([[1.0] * 1000] * 1000, "big")
    assert clock.used > 0
    budget.reset()


def test_a_value_too_deep_for_the_codec_is_refused_not_a_crash():
    from grader.judge.proxy import SubmissionProxy
    from grader.sandbox.fake import FakeSession

    proxy = SubmissionProxy(FakeSession(), "mod")
    with pytest.raises(AnswerTooLarge, match="nested deeper"):
        proxy._decode(json.loads("[" * 60 + "]" * 60))  # noqa: SLF001 - the judge's decoding step
