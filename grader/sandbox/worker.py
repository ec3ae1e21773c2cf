"""The sandbox worker: loads the candidate's code and serves the judge's calls as plain data.

Run as ``python -I worker.py`` inside the sandbox, with ``wire.py`` in the same directory. It
reads request frames on stdin and writes response frames on a private copy of stdout. The
candidate's stdout and stderr both go to the process's stderr, which the judge drains and caps,
and stdin is pointed at /dev/null, so candidate code can neither print into nor read from the
frame channel by accident.

When ``$GRADER_CHANNEL`` names a Unix socket (the Docker backend mounts one), the worker connects
to it twice instead: the first connection carries the frames, the second the candidate's stdout
and stderr. Both then reach the judge directly rather than through the ``docker run`` client and
the engine, which relay every byte. If the socket cannot be reached, the worker says so with a
``wire.HELLO_PIPES`` frame on stdout and serves on its pipes as above.

Nothing here is trusted by the judge: the candidate's code runs in this process and could
replace any of it. The worker exists to make honest submissions easy to serve, not to defend.

Requests (``op``): load, call, probe, method (on a handle), getattr (of a handle).
Responses: ``{"id", "ok": true, "value"[, "args", "kwargs"]}`` or
``{"id", "ok": false, "error": {"kind", "type", "builtin", "message", "traceback"[, "lineno"]}}``
where kind is one of exception, missing, load, protocol. Either may carry ``"forbidden": [{"name",
"line"}, ...]``: calls of the exercise's forbidden APIs made from the candidate's file since the
last response (see :class:`Trap`; a load request names them in its ``"forbidden"`` list).
"""

from __future__ import annotations

import builtins
import contextlib
import functools
import importlib
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


class Trap:
    """Wraps an exercise's forbidden callables and records the calls the candidate's file makes.

    Installed before the candidate's module runs when the package is already imported, else as
    soon as anything imports it (an import hook on ``sys.meta_path``, however the import is
    spelt), so that no package is imported for the trap's sake. A class is trapped in place
    (``__init__``, ``__call__`` and ``forward``), so its identity, subclasses and isinstance
    checks are unchanged; a plain function is replaced by a wrapper wherever its package holds it
    under any name (other callables, such as numpy's ufuncs, are left to the static scan). A call
    counts when the nearest frame outside the libraries and the worker is in a watched file: a
    library calling a forbidden function for its own purposes is not the candidate's doing. The
    candidate can undo all of this; the judge takes a reported call as evidence and its absence
    as nothing.
    """

    MAX_HITS = 50

    def __init__(self) -> None:
        self.enabled = False  # only in a real sandbox: the in-process fake must not patch the judge
        self.watched: dict[str, set[str]] = {}  # candidate file name -> its forbidden names
        self.pending: set[str] = set()
        self.hits: dict[tuple[str, int], None] = {}
        self.libraries = tuple({os.path.realpath(p) + os.sep for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
                               | {_HERE + os.sep})

    def watch(self, filename: str, names: Any) -> None:
        """Trap ``names`` for calls from ``filename``: now, or when their package is imported."""
        if not self.enabled or not isinstance(names, list):
            return
        names = [n for n in names if isinstance(n, str) and n]
        self.watched.setdefault(filename, set()).update(names)
        self.pending.update(names)
        if _HOOK not in sys.meta_path:
            sys.meta_path.insert(0, _HOOK)
        self.install_pending()

    def awaits(self, package: str) -> bool:
        return any(name.split(".")[0] == package for name in self.pending)

    def install_pending(self, done: str = "") -> None:
        """Trap what waited for its package, once something imported it and it finished (``done``
        has just run: torch imports numpy halfway through its own import, and must not be reached
        before it is itself done)."""
        for name in [n for n in self.pending if n.split(".")[0] == done or _imported(n.split(".")[0])]:
            self.pending.discard(name)
            self._install(name)

    def drain(self) -> list[dict]:
        hits, self.hits = self.hits, {}
        return [{"name": name, "line": line} for name, line in hits]

    def _install(self, name: str) -> None:
        try:
            target = _resolve(name)
        except BaseException:  # noqa: BLE001 - not installed here, or it fails to import
            return
        if isinstance(target, type):
            for attr in ("__init__", "__call__", "forward"):
                method = getattr(target, attr, None)
                if method is not None and attr in dir(target) and method is not getattr(object, attr, None):
                    with contextlib.suppress(Exception):  # a read-only attribute: left as it is
                        setattr(target, attr, self._wrap(method, name))
        elif isinstance(target, (types.FunctionType, types.BuiltinFunctionType)):
            # Plain functions only: a ufunc or another callable object replaced by a function would
            # lose what its library relies on (numpy.logaddexp.reduce); those the static scan finds.
            wrapper = self._wrap(target, name)
            top = name.split(".")[0]
            for module_name, module in list(sys.modules.items()):
                if module_name == top or module_name.startswith(top + "."):
                    for attr, value in list(getattr(module, "__dict__", {}).items()):
                        if value is target:
                            with contextlib.suppress(Exception):  # a read-only attribute: left as it is
                                setattr(module, attr, wrapper)

    def _wrap(self, original: Any, name: str) -> Any:
        trap = self

        def trapped(*args: Any, **kwargs: Any) -> Any:
            trap.record(name, sys._getframe(1))
            return original(*args, **kwargs)

        with contextlib.suppress(Exception):  # a read-only attribute: left as it is
            functools.update_wrapper(trapped, original)
        return trapped

    def record(self, name: str, frame: Any) -> None:
        for _ in range(64):
            if frame is None:
                return
            filename = frame.f_code.co_filename
            if name in self.watched.get(filename, ()):
                if len(self.hits) < self.MAX_HITS:
                    self.hits[(name, frame.f_lineno)] = None
                return
            if filename.startswith("<frozen") or _real(filename).startswith(self.libraries):
                return
            frame = frame.f_back


@functools.lru_cache(maxsize=4096)
def _real(filename: str) -> str:
    return os.path.realpath(filename)


def _imported(package: str) -> bool:
    """Whether ``package`` is imported and done initialising."""
    module = sys.modules.get(package)
    return module is not None and not getattr(getattr(module, "__spec__", None), "_initializing", False)


def _resolve(name: str) -> Any:
    """The object a dotted name denotes: its longest importable module, then attributes."""
    parts = name.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attr in parts[cut:]:
            obj = getattr(obj, attr)
        return obj
    raise ImportError(name)


class _ImportHook:
    """First on ``sys.meta_path``: when a package that traps wait for is imported (by any means),
    the traps are installed as soon as its module has run. It finds nothing itself."""

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if "." in fullname or not TRAP.awaits(fullname):
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                if hasattr(spec.loader, "exec_module"):
                    spec.loader = _TrappingLoader(spec.loader)  # type: ignore[assignment]
                return spec
        return None


class _TrappingLoader:
    """A package's own loader, which installs the waiting traps once the package has run."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def create_module(self, spec: Any) -> Any:
        return self.inner.create_module(spec)

    def exec_module(self, module: Any) -> None:
        self.inner.exec_module(module)
        TRAP.install_pending(done=module.__name__)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


TRAP = Trap()
_HOOK = _ImportHook()


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
        """Serve one request; every failure becomes an error response. Forbidden calls go along."""
        TRAP.install_pending()
        response = self._serve(request)
        hits = TRAP.drain()
        if hits:
            response["forbidden"] = hits
        return response

    def _serve(self, request: Any) -> dict:
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
        TRAP.watch(filename, request.get("forbidden"))
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


class _FrameWriter:
    """Writes whole frames to a file descriptor (a socket may take a large one in several writes)."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            view = view[os.write(self.fd, view) :]


def _private_channels() -> tuple[Any, Any]:
    """Move the frame channel off fds 0/1 so that candidate prints and reads cannot touch it."""
    path = os.environ.pop(wire.CHANNEL_ENV, "")  # popped: the candidate's own processes need not see it
    sockets = _connect(path) if path else None
    if sockets is None:
        channel_in = os.fdopen(os.dup(0), "rb", buffering=0)
        channel_out = _FrameWriter(os.dup(1))
        if path:
            channel_out.write(wire.pack_frame(wire.HELLO_PIPES))
        output_fd = 2
    else:
        frames, output = sockets
        channel_in = os.fdopen(os.dup(frames.fileno()), "rb", buffering=0)
        channel_out = _FrameWriter(frames.detach())
        output_fd = output.detach()
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    os.dup2(output_fd, 1)
    if output_fd != 2:
        os.dup2(output_fd, 2)
        os.close(output_fd)
    sys.stdout = open(1, "w", encoding="utf-8", errors="replace", closefd=False)  # noqa: SIM115
    sys.stdin = open(0, encoding="utf-8", closefd=False)  # noqa: SIM115
    return channel_in, channel_out


def _connect(path: str) -> tuple[Any, Any] | None:
    """The frame and output connections to the judge's socket, or None if it cannot be reached."""
    import socket

    connected = []
    try:
        for _ in range(2):  # the judge takes the first connection for frames, the second for output
            connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            connected.append(connection)
            connection.connect(path)
    except OSError:
        for connection in connected:
            connection.close()
        return None
    return connected[0], connected[1]


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
    TRAP.enabled = True
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
            wire.check_response(frame)  # the judge would refuse it: say why, and keep serving
        except (wire.ProtocolError, ValueError) as exc:
            frame = wire.pack_frame(_error(response.get("id"), "exception", _Unsendable(str(exc))))
        channel_out.write(frame)


if __name__ == "__main__":
    sys.exit(main())
