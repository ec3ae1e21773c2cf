"""The wire codec: faithful round trips for data, and a clean ProtocolError for anything else."""

from __future__ import annotations

import json
import struct

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.sandbox import wire


def roundtrip(value, make_handle=None, lookup=None):
    frame = wire.pack_frame(wire.encode(value, make_handle))
    return wire.decode(wire.parse_payload(frame[wire.HEADER.size :]), lookup)


@pytest.mark.parametrize(
    "value",
    [None, True, 0, -7, 2**80, 1.5, float("inf"), "café 中文", [1, [2, [3]]], (1, "a"), {"k": (1, 2)}, b"\x00\xff"],
)
def test_plain_values_round_trip(value):
    assert roundtrip(value) == value
    assert type(roundtrip(value)) is type(value)


def test_nan_round_trips_as_nan():
    assert np.isnan(roundtrip(float("nan")))


@pytest.mark.parametrize("dtype", sorted(wire.ALLOWED_DTYPES))
def test_arrays_round_trip_with_dtype_and_shape(dtype):
    array = (np.arange(24) % 2).astype(dtype).reshape(2, 3, 4)
    back = roundtrip(array)
    assert back.dtype == array.dtype and back.shape == array.shape
    assert np.array_equal(back, array)
    assert back.flags.writeable


@pytest.mark.parametrize("shape", [(), (0,), (1,), (0, 3)])
def test_zero_dimensional_and_empty_arrays_keep_their_shape(shape):
    array = np.full(shape, 2.5)
    back = roundtrip(array)
    assert back.shape == shape and back.dtype == np.float64
    assert np.array_equal(back, array)


def test_numpy_scalars_and_non_contiguous_arrays():
    assert roundtrip(np.float32(1.25)) == np.float32(1.25)
    assert type(roundtrip(np.int64(3))) is np.int64
    strided = np.arange(12.0).reshape(3, 4)[:, ::2]
    assert np.array_equal(roundtrip(strided), strided)


def test_torch_tensors_arrive_as_arrays():
    torch = pytest.importorskip("torch")
    back = roundtrip(torch.ones(2, 3, requires_grad=True) * 2)
    assert isinstance(back, np.ndarray) and back.dtype == np.float32
    assert np.array_equal(back, np.full((2, 3), 2.0))


def test_objects_become_handles_and_come_back():
    class Model:
        pass

    table = {}

    def make(obj):
        table[len(table) + 1] = obj
        return {"$": "handle", "id": len(table), "type": type(obj).__name__}

    assert roundtrip([Model()], make, lambda i, t: ("handle", i, t)) == [("handle", 1, "Model")]


def test_object_arrays_and_lying_subclasses_are_not_data():
    with pytest.raises(wire.ProtocolError):
        wire.encode(np.array([object()], dtype=object))

    class Liar(float):
        def __eq__(self, other):
            return True

    with pytest.raises(wire.ProtocolError):
        wire.encode(Liar(1.0))


def decode_json(text):
    return wire.decode(wire.parse_payload(text.encode()))


@pytest.mark.parametrize(
    "payload",
    [
        '{"$": "nd", "dtype": "object", "shape": [1], "v": ""}',
        '{"$": "nd", "dtype": "float64", "shape": [2], "v": "AAAAAAAAAAA="}',
        '{"$": "nd", "dtype": "float64", "shape": [-1], "v": ""}',
        '{"$": "nd", "dtype": "float64", "shape": [1e3], "v": ""}',
        '{"$": "nd", "dtype": "float64", "shape": [0], "v": "***"}',
        '{"$": "pickle", "v": "gASVAAAAAAAAAAA="}',
        '{"$": "handle", "id": 1, "type": "X"}',
        '{"$": "dict", "v": [[1, 2]]}',
        '{"no": "tag"}',
        "[" * 5000 + "]" * 5000,
        '"\\ud800"' + "x" * 3,
        "1" * 5000,
        "{",
    ],
)
def test_malformed_values_raise_protocol_error(payload):
    with pytest.raises(wire.ProtocolError):
        decode_json(payload)


def test_oversized_frames_are_refused_before_reading():
    with pytest.raises(wire.ProtocolError):
        wire.payload_length(struct.pack(">I", wire.MAX_FRAME + 1))


def test_truncated_stream_raises():
    import io

    frame = wire.pack_frame({"a": 1})
    with pytest.raises(wire.ProtocolError):
        wire.read_frame(io.BytesIO(frame[:-2]))
    assert wire.read_frame(io.BytesIO(b"")) is None


def json_values():
    scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
    return st.recursive(
        scalars,
        lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4),
        max_leaves=30,
    )


def check_decoder(raw: bytes) -> None:
    """The decoder's contract: a value, or ProtocolError; never anything else."""
    try:
        wire.decode(wire.parse_payload(raw), lambda i, t: (i, t))
    except wire.ProtocolError:
        pass


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=512))
def test_fuzz_decoder_on_random_bytes(raw):
    check_decoder(raw)


@settings(max_examples=300, deadline=None)
@given(json_values())
def test_fuzz_decoder_on_random_json(value):
    check_decoder(json.dumps(value).encode())


TAGS = st.sampled_from(["tuple", "dict", "bytes", "nd", "scalar", "handle", "other"])


@settings(max_examples=300, deadline=None)
@given(TAGS, st.dictionaries(st.sampled_from(["v", "dtype", "shape", "id", "type", "tensor"]), json_values()))
def test_fuzz_decoder_on_tag_shaped_objects(tag, fields):
    check_decoder(json.dumps({"$": tag, **fields}).encode())


@pytest.mark.slow
@settings(max_examples=10_000, deadline=None)
@given(TAGS, st.dictionaries(st.sampled_from(["v", "dtype", "shape", "id", "type"]), json_values()),
       st.binary(max_size=64))
def test_fuzz_decoder_long(tag, fields, raw):
    check_decoder(json.dumps({"$": tag, **fields}).encode())
    check_decoder(raw)
