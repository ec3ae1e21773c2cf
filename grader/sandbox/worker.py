"""The sandbox worker: loads the candidate's code and serves the judge's calls as plain data.

Run as ``python -I worker.py`` inside the sandbox, with ``wire.py`` in the same directory. It
reads request frames on stdin and writes response frames on a private copy of stdout. The
candidate's stdout and stderr both go to the process's stderr, which the judge drains and caps,
and stdin is pointed at /dev/null, so candidate code can neither print into nor read from the
frame channel by accident.

Nothing here is trusted by the judge: the candidate's code runs in this process and could
replace any of it. The worker exists to make honest submissions easy to serve, not to defend.

Requests (``op``): load, call, probe, method (on a handle), getattr (of a handle).
Responses: ``{"id", "ok": true, "value"[, "args", "kwargs"]}`` or
``{"id", "ok": false, "error": {"kind", "type", "builtin", "message", "traceback"[, "lineno"]}}``
where kind is one of exception, missing, load, protocol.
"""

from __future__ import annotations

import builtins
import importlib.util
import os
import signal
import sys
import traceback
import types
from typing import Any

_HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("_grader_wire", os.path.join(_HERE, "wire.py"))
assert _spec is not None and _spec.loader is not None
wire = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(wire)

TRACEBACK_CHARS = 4000
MESSAGE_CHARS = 2000


class MissingEntryPoint(Exception):
    """The candidate's module lacks a function that the judge or a probe asked for."""


class Candidate:
    """What a probe sees: the candidate's module, where a missing name is reported as missing."""

    def __init__(self, module: types.ModuleType) -> None:
        self._module = module

    def __getattr__(self, name: str) -> Any:
        try:
            return getattr(self._module, name)
        except AttributeError:
            raise MissingEntryPoint(name) from None


class Worker:
    """Holds the loaded modules and the handles of objects that stay in the sandbox."""

    def __init__(self) -> None:
        self.modules: dict[str, types.ModuleType] = {}
        self.handles: dict[int, Any] = {}
        self.next_handle = 1

    # -- values --------------------------------------------------------------------------------

    def _make_handle(self, obj: Any) -> dict:
        handle_id = self.next_handle
        self.next_handle += 1
        self.handles[handle_id] = obj
        return {"$": "handle", "id": handle_id, "type": type(obj).__name__[:200]}

    def _lookup_handle(self, handle_id: int, _type: str) -> Any:
        if handle_id not in self.handles:
            raise wire.ProtocolError(f"unknown handle {handle_id}")
        return self.handles[handle_id]

    def _decode(self, data: Any) -> Any:
        return wire.decode(data, self._lookup_handle)

    def _encode(self, value: Any) -> Any:
        return wire.encode(value, self._make_handle)

    # -- requests ------------------------------------------------------------------------------

    def handle(self, request: Any) -> dict:
        """Serve one request; every failure becomes an error response."""
        request_id = request.get("id") if isinstance(request, dict) else None
        try:
            op = getattr(self, "op_" + str(request["op"]))
            result = op(request)
            response = {"id": request_id, "ok": True}
            response.update(result)
            return response
        except MissingEntryPoint as exc:
            return _error(request_id, "missing", exc, message=str(exc))
        except wire.ProtocolError as exc:
            return _error(request_id, "protocol", exc)
        except _LoadFailed as exc:
            return _error(request_id, "load", exc.original, lineno=exc.lineno)
        except BaseException as exc:  # noqa: BLE001 - SystemExit and friends are candidate errors
            return _error(request_id, "exception", exc)

    def op_load(self, request: dict) -> dict:
        name, source, filename = request["module"], request["source"], request["filename"]
        module = types.ModuleType(name)
        module.__file__ = filename
        try:
            code = compile(source, filename, "exec", dont_inherit=True)
        except SyntaxError as exc:
            raise _LoadFailed(exc, exc.lineno) from None
        sys.modules[name] = module
        try:
            exec(code, module.__dict__)
        except BaseException as exc:  # noqa: BLE001 - import-time failures of any kind
            raise _LoadFailed(exc, _candidate_lineno(exc, filename)) from None
        finally:
            _flush_output()
        self.modules[name] = module
        return {"value": sorted(k for k in vars(module) if not k.startswith("_"))}

    def op_call(self, request: dict) -> dict:
        module = self._module(request["module"])
        name = request["name"]
        if not hasattr(module, name):
            raise MissingEntryPoint(name)
        return self._invoke(getattr(module, name), request)

    def op_probe(self, request: dict) -> dict:
        probes = self._module(request["probes"])
        probe = getattr(probes, request["name"])
        candidate = Candidate(self._module(request["module"]))
        args = [candidate] + self._decode(request.get("args", []))
        return self._respond(probe(*args, **self._decode(request.get("kwargs", {"$": "dict", "v": []}))))

    def op_method(self, request: dict) -> dict:
        target = self._lookup_handle(request["handle"], "")
        return self._invoke(getattr(target, request["name"]), request)

    def op_getattr(self, request: dict) -> dict:
        target = self._lookup_handle(request["handle"], "")
        return self._respond(getattr(target, request["name"]))

    # -- helpers -------------------------------------------------------------------------------

    def _module(self, name: str) -> types.ModuleType:
        if name not in self.modules:
            raise wire.ProtocolError(f"module {name!r} is not loaded")
        return self.modules[name]

    def _invoke(self, function: Any, request: dict) -> dict:
        args = self._decode(request.get("args", []))
        kwargs = self._decode(request.get("kwargs", {"$": "dict", "v": []}))
        try:
            value = function(*args, **kwargs)
        finally:
            _flush_output()
        response = self._respond(value)
        if request.get("return_args"):
            response["args"] = self._encode(list(args))
            response["kwargs"] = self._encode(kwargs)
        return response

    def _respond(self, value: Any) -> dict:
        try:
            return {"value": self._encode(value)}
        except wire.ProtocolError as exc:
            raise _Unsendable(str(exc)) from None


class _LoadFailed(Exception):
    def __init__(self, original: BaseException, lineno: int | None) -> None:
        super().__init__(str(original))
        self.original = original
        self.lineno = lineno


class _Unsendable(Exception):
    """The candidate's result cannot be sent as data (too big, too deep, an odd integer)."""


def _candidate_lineno(exc: BaseException, filename: str) -> int | None:
    line = None
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename == filename:
            line = frame.lineno
    return line


def _builtin_base(exc: BaseException) -> str:
    """The nearest builtin exception class, so the judge can re-raise a faithful type."""
    for cls in type(exc).__mro__:
        if cls.__module__ == "builtins" and getattr(builtins, cls.__name__, None) is cls:
            return cls.__name__
    return "Exception"


def _error(request_id: Any, kind: str, exc: BaseException, **extra: Any) -> dict:
    message = extra.pop("message", None)
    if message is None and isinstance(exc, SyntaxError) and isinstance(exc.msg, str):
        message = exc.msg
    if message is None:
        try:
            message = str(exc)
        except BaseException:  # noqa: BLE001 - a hostile __str__
            message = "<unprintable message>"
    try:
        lines = traceback.format_exception(type(exc), exc, exc.__traceback__)
        text = "".join(line for line in lines if _HERE not in line)
    except BaseException:  # noqa: BLE001
        text = ""
    error = {
        "kind": kind,
        "type": type(exc).__name__[:200],
        "builtin": _builtin_base(exc),
        "message": message[:MESSAGE_CHARS],
        "traceback": text[-TRACEBACK_CHARS:],
    }
    error.update({k: v for k, v in extra.items() if v is not None})
    return {"id": request_id, "ok": False, "error": error}


def _flush_output() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:  # noqa: BLE001 - a candidate may have replaced or closed them
            pass


def _private_channels() -> tuple[Any, Any]:
    """Move the frame channel off fds 0/1 so that candidate prints and reads cannot touch it."""
    channel_in = os.fdopen(os.dup(0), "rb", buffering=0)
    channel_out = os.fdopen(os.dup(1), "wb", buffering=0)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    os.dup2(2, 1)
    sys.stdout = open(1, "w", encoding="utf-8", errors="replace", closefd=False)  # noqa: SIM115
    sys.stdin = open(0, encoding="utf-8", closefd=False)  # noqa: SIM115
    return channel_in, channel_out


def _preload() -> None:
    """Import numpy before the first request: the sandbox may have been started ahead of need, and
    numpy is what nearly every submission, and every array on the wire, needs. Never torch: it
    costs seconds, and only a submission that imports it pays for it."""
    try:
        import numpy  # noqa: F401
    except BaseException:  # noqa: BLE001 - an image without numpy still serves plain data
        pass


def main() -> int:
    """Serve requests until the judge closes stdin."""
    # Over the file-size limit, a write should fail with an error the candidate can read,
    # not kill the whole worker with SIGXFSZ.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    channel_in, channel_out = _private_channels()
    _preload()
    worker = Worker()
    serving = os.getpid()
    while True:
        try:
            request = wire.read_frame(channel_in)
        except wire.ProtocolError as exc:
            channel_out.write(wire.pack_frame(_error(None, "protocol", exc)))
            return 2
        if request is None:
            return 0
        response = worker.handle(request)
        if os.getpid() != serving:  # a fork of the candidate's came back here: it must not answer
            os._exit(0)
        try:
            frame = wire.pack_frame(response)
        except (wire.ProtocolError, ValueError) as exc:
            frame = wire.pack_frame(_error(response.get("id"), "exception", _Unsendable(str(exc))))
        channel_out.write(frame)


if __name__ == "__main__":
    sys.exit(main())
