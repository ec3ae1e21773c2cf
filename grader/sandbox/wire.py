"""The wire protocol between the judge and the sandbox worker: length-prefixed JSON frames.

This module is copied into the sandbox next to ``worker.py``, so it imports only the standard
library (and numpy lazily, when an array is on the wire).

Frame
    4-byte big-endian payload length, then a UTF-8 JSON payload of at most ``MAX_FRAME`` bytes.

Values
    JSON's own types carry None, bools, ints, floats (NaN and infinities included), strings and
    lists. Every JSON *object* is a tagged value, so nothing a candidate returns can be mistaken
    for a tag::

        {"$": "tuple",  "v": [...]}
        {"$": "dict",   "v": [[key, value], ...]}           keys are strings
        {"$": "bytes",  "v": "<base64>"}
        {"$": "nd",     "dtype": "float64", "shape": [2, 3], "v": "<base64 little-endian>",
                        "tensor": false}                    tensor: it was a torch tensor
        {"$": "scalar", "dtype": "float64", "v": "<base64>"}  a numpy scalar
        {"$": "handle", "id": 7, "type": "Linear"}          an object that stays in the sandbox

Safety
    dtypes come from an allow-list (never ``object``), shapes must match the byte count, nesting
    and sizes are capped, and nothing is ever unpickled or evaluated. Decoding hostile bytes raises
    :class:`ProtocolError` and nothing else.

Caps on a response (what the worker sends back), so that reading one answer costs the judge a
bounded amount of memory and time whatever the candidate returns: at most ``MAX_RESPONSE_FRAME``
bytes, ``MAX_VALUES`` JSON values (bounded from the raw bytes by :func:`value_bound`, before any
parsing), ``MAX_ARRAY_ELEMENTS`` array elements and ``MAX_TEXT_CHARS`` characters of text. The
judge enforces them (``grader.sandbox.bounds``); the worker checks the same caps first, so that an
honest answer that is too big becomes a readable error instead of a killed sandbox.
"""

from __future__ import annotations

import base64
import binascii
import json
import struct
from collections.abc import Callable
from typing import Any

MAX_FRAME = 64 * 1024 * 1024  # a request (judge to worker): the judge's own data
# A response (worker to judge). The bank's largest answer is attention's speed test: 1.3M float64
# (10 MB, 13.6 MB as base64).
MAX_RESPONSE_FRAME = 16 * 1024 * 1024
MAX_VALUES = 1 << 20  # JSON values in one response
MAX_ARRAY_ELEMENTS = 1 << 22  # elements of all the arrays of one response together
MAX_TEXT_CHARS = 1 << 20  # characters of all the strings of one response, array payloads aside
MAX_DEPTH = 48
MAX_NDIM = 32
MAX_INT_DIGITS = 4000
HEADER = struct.Struct(">I")
ALLOWED_DTYPES = frozenset(
    "bool int8 int16 int32 int64 uint8 uint16 uint32 uint64 "
    "float16 float32 float64 complex64 complex128".split()
)


# The Docker backend names a Unix socket for the worker in this variable. A worker that cannot
# reach it sends HELLO_PIPES on stdout before anything else: frames then travel over its pipes.
CHANNEL_ENV = "GRADER_CHANNEL"
HELLO_PIPES = {"id": 0, "ok": True, "value": "pipes"}


class ProtocolError(Exception):
    """Bytes that are not a valid frame or value. Raised for every malformed input."""


class LimitExceeded(ProtocolError):
    """A well-formed value over one of the caps (nesting, say): too large, rather than malformed."""


# --- frames -----------------------------------------------------------------------------------


def pack_frame(message: Any) -> bytes:
    """Serialise an already-encoded message (JSON-able) into one frame."""
    payload = json.dumps(message, separators=(",", ":"), allow_nan=True).encode("utf-8")
    if len(payload) > MAX_FRAME:
        raise ProtocolError(f"frame of {len(payload)} bytes is over the {MAX_FRAME}-byte cap")
    return HEADER.pack(len(payload)) + payload


def payload_length(header: bytes, cap: int = MAX_FRAME) -> int:
    """The payload length announced by a 4-byte header, checked against the cap."""
    if len(header) != HEADER.size:
        raise ProtocolError("truncated frame header")
    (length,) = HEADER.unpack(header)
    if length > cap:
        raise ProtocolError(f"frame announces {length} bytes, over the {cap}-byte cap")
    return length


def value_bound(payload: bytes) -> int:
    """An upper bound on the number of JSON values in a payload, from its raw bytes.

    Every value but the first follows a ``[``, a ``,`` or a ``:``, so counting those bytes (inside
    strings too, which only over-counts) bounds the work of parsing before any parsing is done.
    Array payloads are base64, which holds none of them.
    """
    return 1 + payload.count(b"[") + payload.count(b",") + payload.count(b":")


def check_response(frame: bytes) -> None:
    """Raise :class:`ProtocolError` if a packed response frame is over the response caps."""
    size = len(frame) - HEADER.size
    if size > MAX_RESPONSE_FRAME:
        raise ProtocolError(f"the answer is {size:,} bytes as data, over the {MAX_RESPONSE_FRAME:,}-byte cap")
    values = value_bound(frame)  # the header's 4 bytes can only over-count
    if values > MAX_VALUES:
        raise ProtocolError(f"the answer holds about {values:,} values, over the {MAX_VALUES:,}-value cap")


def parse_payload(payload: bytes) -> Any:
    """Parse a frame's JSON payload; the result still has to go through :func:`decode`."""
    try:
        return json.loads(payload.decode("utf-8"))
    except (ValueError, RecursionError, UnicodeDecodeError) as exc:
        raise ProtocolError(f"payload is not valid JSON: {type(exc).__name__}") from None


def read_frame(stream: Any) -> Any | None:
    """Blocking read of one frame from a binary stream; None at a clean end of stream."""
    header = _read_exact(stream, HEADER.size, allow_eof=True)
    if header is None:
        return None
    payload = _read_exact(stream, payload_length(header), allow_eof=False)
    assert payload is not None
    return parse_payload(payload)


def _read_exact(stream: Any, size: int, *, allow_eof: bool) -> bytes | None:
    chunks = []
    remaining = size
    while remaining:
        chunk = stream.read(remaining)
        if not chunk:
            if allow_eof and remaining == size:
                return None
            raise ProtocolError("stream ended inside a frame")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


# --- values -----------------------------------------------------------------------------------


def encode(value: Any, make_handle: Callable[[Any], dict] | None = None, _depth: int = 0) -> Any:
    """Turn a value into JSON-able data. Objects that are not data become handles, or an error."""
    if _depth > MAX_DEPTH:
        raise LimitExceeded(f"value nested deeper than {MAX_DEPTH} levels")
    kind = type(value)
    if value is None or kind is bool or kind is str:
        return value
    if kind is int:
        if value.bit_length() > MAX_INT_DIGITS * 3:
            raise ProtocolError("integer too large to send")
        return value
    if kind is float:
        return value
    if kind is list:
        return [encode(v, make_handle, _depth + 1) for v in value]
    if kind is tuple:
        return {"$": "tuple", "v": [encode(v, make_handle, _depth + 1) for v in value]}
    if kind is dict and all(type(k) is str for k in value):
        items = [[k, encode(v, make_handle, _depth + 1)] for k, v in value.items()]
        return {"$": "dict", "v": items}
    if kind is bytes or kind is bytearray:
        return {"$": "bytes", "v": base64.b64encode(bytes(value)).decode("ascii")}
    array = _as_numpy(value)
    if array is not None:
        return array
    if make_handle is not None:
        return make_handle(value)
    raise ProtocolError(f"cannot send a value of type {kind.__name__}")


def _as_numpy(value: Any) -> dict | None:
    """Encode numpy arrays, numpy scalars and torch tensors; None for anything else."""
    import sys

    numpy = sys.modules.get("numpy")
    torch = sys.modules.get("torch")
    tensor = False
    if torch is not None and isinstance(value, torch.Tensor):
        value = value.detach().cpu()
        if value.dtype == torch.bfloat16:
            value = value.float()
        value, tensor = value.numpy(), True
    if numpy is None:
        return None
    if isinstance(value, numpy.generic):
        name = numpy.dtype(type(value)).name
        if name not in ALLOWED_DTYPES:
            return None
        raw = numpy.asarray(value).astype(numpy.dtype(name).newbyteorder("<")).tobytes()
        return {"$": "scalar", "dtype": name, "v": base64.b64encode(raw).decode("ascii")}
    if isinstance(value, numpy.ndarray):
        name = value.dtype.name
        if name not in ALLOWED_DTYPES:
            return None
        # ascontiguousarray returns at least one dimension: reshape, so a 0-d array stays 0-d.
        plain = numpy.ascontiguousarray(value, dtype=value.dtype.newbyteorder("<")).reshape(value.shape)
        return {
            "$": "nd",
            "dtype": name,
            "shape": list(plain.shape),
            "v": base64.b64encode(plain.tobytes()).decode("ascii"),
            "tensor": tensor,
        }
    return None


def decode(data: Any, make_handle: Callable[[int, str], Any] | None = None, _depth: int = 0) -> Any:
    """Turn parsed JSON back into values. Every malformed input raises :class:`ProtocolError`."""
    if _depth > MAX_DEPTH:
        raise LimitExceeded(f"value nested deeper than {MAX_DEPTH} levels")
    kind = type(data)
    if data is None or kind in (bool, int, float, str):
        return data
    if kind is list:
        return [decode(v, make_handle, _depth + 1) for v in data]
    if kind is not dict:
        raise ProtocolError(f"unexpected JSON type {kind.__name__}")
    tag = data.get("$")
    if tag == "tuple":
        return tuple(decode(v, make_handle, _depth + 1) for v in _field(data, "v", list))
    if tag == "dict":
        return _decode_dict(_field(data, "v", list), make_handle, _depth)
    if tag == "bytes":
        return _b64(_field(data, "v", str))
    if tag in ("nd", "scalar"):
        return _decode_array(data, scalar=tag == "scalar")
    if tag == "handle":
        if make_handle is None:
            raise ProtocolError("a handle is not allowed here")
        return make_handle(_field(data, "id", int), _field(data, "type", str)[:200])
    raise ProtocolError(f"unknown tag {str(tag)[:40]!r}")


def _decode_dict(items: list, make_handle: Any, depth: int) -> dict:
    out = {}
    for item in items:
        if type(item) is not list or len(item) != 2 or type(item[0]) is not str:
            raise ProtocolError("dict items must be [str, value] pairs")
        out[item[0]] = decode(item[1], make_handle, depth + 1)
    return out


def _decode_array(data: dict, *, scalar: bool) -> Any:
    import numpy

    name = _field(data, "dtype", str)
    if name not in ALLOWED_DTYPES:
        raise ProtocolError(f"dtype {name[:40]!r} is not allowed")
    dtype = numpy.dtype(name).newbyteorder("<")
    raw = _b64(_field(data, "v", str))
    shape = [] if scalar else _field(data, "shape", list)
    if len(shape) > MAX_NDIM or any(type(n) is not int or n < 0 for n in shape):
        raise ProtocolError("invalid array shape")
    count = 1
    for n in shape:
        count *= n
    if count * dtype.itemsize != len(raw):
        raise ProtocolError("array data does not match its shape and dtype")
    array = numpy.frombuffer(raw, dtype=dtype).astype(dtype.newbyteorder("="))
    if scalar:
        return array[0]
    return array.reshape(shape)


def _field(data: dict, key: str, kind: type) -> Any:
    value = data.get(key)
    if type(value) is not kind:
        raise ProtocolError(f"field {key!r} must be {kind.__name__}")
    return value


def _b64(text: str) -> bytes:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise ProtocolError("invalid base64") from None

