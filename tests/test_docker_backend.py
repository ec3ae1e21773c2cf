"""The docker sandbox backend and the image build logic.

The first half needs no engine: the flag mapping, exit-status reading, the image hash and the
build context. The second half (marked ``docker``) starts real containers of the sandbox image;
it is skipped when no engine or image is there, unless GRADER_REQUIRE_DOCKER=1 makes that a
failure (CI sets it after scripts/ci-provision.sh).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import docker
import docker.errors
import pytest
from click.testing import CliRunner

from grader.cli.image import image_group
from grader.limits import Limits
from grader.sandbox import docker_backend as db
from grader.sandbox import image as image_module
from grader.sandbox.base import SandboxUnavailable

REPO = Path(__file__).resolve().parent.parent
SMALL = Limits(memory_mb=256, cpus=1.0, pids=64, file_size_mb=1, load_seconds=30)


# --- without an engine ------------------------------------------------------------------------


def test_limit_flags_map_every_limit() -> None:
    flags = " ".join(db.limit_flags(Limits(memory_mb=300, cpus=2.0, pids=99, file_size_mb=5)))
    assert "--memory 300m --memory-swap 300m" in flags
    assert "--cpus 2 " in flags
    assert "--pids-limit 99" in flags
    assert f"--ulimit fsize={5 * 1024 * 1024}" in flags
    assert "--ulimit core=0" in flags and "--ulimit nofile=1024:1024" in flags
    assert "-e OMP_NUM_THREADS=2" in flags and "-e MKL_NUM_THREADS=2" in flags


def test_fractional_cpus_still_give_one_thread() -> None:
    flags = " ".join(db.limit_flags(Limits(cpus=0.5)))
    assert "--cpus 0.5" in flags and "-e OMP_NUM_THREADS=1" in flags


def test_run_command_is_hardened_and_leaks_nothing_from_the_host() -> None:
    argv = db.docker_run_command(SMALL, name="nlp-grader-x", image="img:tag")
    joined = " ".join(argv)
    for flag in (
        "--init",
        "--network none",
        "--read-only",
        "--cap-drop ALL",
        "--security-opt no-new-privileges",
        "--user 65534:65534",
        "--tmpfs /tmp:rw,nosuid,nodev,size=256m",
        "--log-driver none",
    ):
        assert flag in joined
    for forbidden in (
        "--privileged",
        "docker.sock",
        "-v",
        "--volume",
        "--mount",
        "--env-file",
        "--rm",
        "--network host",
        "-t",
    ):
        assert forbidden not in argv and f" {forbidden} " not in f" {joined} "
    # Every -e sets a value: a bare `-e NAME` would copy the host's variable in.
    values = [argv[i + 1] for i, arg in enumerate(argv) if arg == "-e"]
    assert values and all("=" in value for value in values)
    assert argv[-1] == "img:tag"  # no command: the image's worker runs


def test_run_command_labels_the_owner() -> None:
    argv = db.docker_run_command(SMALL, name="n", image="i", command=["true"])
    assert f"{db.LABEL_OWNER_PID}={os.getpid()}" in argv
    assert f"{db.LABEL_OWNER_HOST}={socket.gethostname()}" in argv
    assert argv[-2:] == ["i", "true"]


@pytest.mark.parametrize(
    ("state", "killed", "oom", "detail"),
    [
        ({"ExitCode": 137, "OOMKilled": True}, False, True, "out of memory"),
        ({"ExitCode": 137, "OOMKilled": False}, False, True, "most likely out of memory"),
        ({"ExitCode": 137, "OOMKilled": False}, True, False, "SIGKILL"),
        ({"ExitCode": 139, "OOMKilled": False}, False, False, "SIGSEGV"),
        ({"ExitCode": 3, "OOMKilled": False}, False, False, ""),
    ],
)
def test_exit_info_reads_the_container_state(state: dict, killed: bool, oom: bool, detail: str) -> None:
    info = db._exit_info(state, killed, memory_mb=256)
    assert info.returncode == state["ExitCode"]
    assert info.out_of_memory is oom
    assert detail in info.detail


def test_leftovers_are_only_dead_graders_on_this_host() -> None:
    host = socket.gethostname()
    dead = _dead_pid()

    def labels(pid: int, on: str = host) -> dict[str, str]:
        return {db.LABEL_OWNER_HOST: on, db.LABEL_OWNER_PID: str(pid)}

    assert db._is_leftover(labels(dead), mine=False)
    assert not db._is_leftover(labels(dead, on="another-host"), mine=False)
    assert not db._is_leftover(labels(1), mine=False)  # alive
    assert not db._is_leftover(labels(os.getpid()), mine=False)
    assert db._is_leftover(labels(os.getpid()), mine=True)
    assert not db._is_leftover({db.LABEL_OWNER_HOST: host}, mine=True)


def test_hash_covers_the_sandbox_files(tmp_path: Path) -> None:
    for rel in image_module.SANDBOX_FILES:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO / rel, tmp_path / rel)
    before = image_module.content_hash(tmp_path)
    assert before == image_module.content_hash(REPO)
    for rel in image_module.SANDBOX_FILES:
        original = (tmp_path / rel).read_bytes()
        (tmp_path / rel).write_bytes(original + b"\n")
        assert image_module.content_hash(tmp_path) != before, rel
        (tmp_path / rel).write_bytes(original)


def test_hash_names_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(image_module.ImageError, match="Dockerfile is missing"):
        image_module.content_hash(tmp_path)


def test_tag_is_the_hash_unless_overridden(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(image_module.IMAGE_ENV, raising=False)
    tag = image_module.expected_image_tag()
    assert tag == f"nlp-grader-sandbox:{image_module.content_hash()}"
    monkeypatch.setenv(image_module.IMAGE_ENV, "elsewhere:1")
    assert image_module.expected_image_tag() == "elsewhere:1"


def test_build_context_holds_only_what_the_dockerfile_copies(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    (wheels / "numpy-0-py3-none-any.whl").write_bytes(b"w")
    (wheels / ".complete").write_text("ok")
    context = tmp_path / "context"
    context.mkdir()
    image_module.assemble_context(context, wheels)
    files = sorted(str(p.relative_to(context)) for p in context.rglob("*") if p.is_file())
    assert files == sorted([*image_module.SANDBOX_FILES, "wheelhouse/numpy-0-py3-none-any.whl"])


def test_dockerignore_allows_the_same_files() -> None:
    allowed = [
        line[1:].rstrip("/") for line in (REPO / ".dockerignore").read_text().splitlines() if line.startswith("!")
    ]
    assert sorted(allowed) == sorted([*image_module.SANDBOX_FILES, "wheelhouse"])


def test_requirements_pin_torch_to_the_cpu_release() -> None:
    lines = (REPO / image_module.REQUIREMENTS).read_text().splitlines()
    pins = [line for line in lines if line and not line.startswith("#")]
    assert "torch==2.13.0" in pins
    assert all("==" in pin for pin in pins)


def test_image_commands_have_help_with_an_example() -> None:
    group = image_group
    assert group.name == "image"
    assert set(group.commands) >= {"build", "status", "tag"}
    for name in group.commands:
        result = CliRunner().invoke(group, [name, "--help"])
        assert result.exit_code == 0
        assert "Example:" in result.output


# --- with an engine ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def backend() -> db.DockerBackend:
    """A backend whose engine and image answer; skip (or fail, in CI) when they do not."""
    ok, why = db.docker_available()
    if not ok:
        if os.environ.get("GRADER_REQUIRE_DOCKER") == "1":
            pytest.fail(f"GRADER_REQUIRE_DOCKER=1 but the docker sandbox is unavailable: {why}")
        pytest.skip(f"docker sandbox unavailable: {why}")
    return db.DockerBackend()


@pytest.fixture(scope="module")
def engine(backend: db.DockerBackend) -> Iterator[docker.DockerClient]:
    client = docker.from_env()
    yield client
    client.close()


@pytest.fixture
def started(backend: db.DockerBackend) -> Iterator[list[db.DockerSandbox]]:
    """Sandboxes a test starts; each is killed and removed afterwards, whatever happened."""
    sandboxes: list[db.DockerSandbox] = []
    yield sandboxes
    for sandbox in sandboxes:
        sandbox.kill()
        sandbox.cleanup()


def _start(
    backend: db.DockerBackend, started: list[db.DockerSandbox], code: str, limits: Limits = SMALL
) -> db.DockerSandbox:
    sandbox = backend.start(limits, command=["python", "-I", "-c", textwrap.dedent(code)])
    started.append(sandbox)
    return sandbox


def _finish(sandbox: db.DockerSandbox, timeout: float = 60) -> tuple[str, str]:
    out, err = sandbox.process.communicate(timeout=timeout)
    return out.decode(), err.decode()


SLEEP = "import time; time.sleep(300)"


@pytest.mark.docker
def test_docker_available(backend: db.DockerBackend) -> None:
    ok, why = db.docker_available()
    assert ok, why


@pytest.mark.docker
def test_container_runs_with_the_hardening_flags(
    backend: db.DockerBackend, engine: docker.DockerClient, started: list
) -> None:
    sandbox = _start(backend, started, SLEEP)
    attrs = engine.api.inspect_container(sandbox.name)
    host = attrs["HostConfig"]
    assert host["ReadonlyRootfs"] is True
    assert host["NetworkMode"] == "none"
    assert host["CapDrop"] == ["ALL"]
    assert host["Privileged"] is False
    assert host["Init"] is True
    assert "no-new-privileges" in host["SecurityOpt"]
    assert host["Memory"] == host["MemorySwap"] == SMALL.memory_mb * 2**20
    assert host["PidsLimit"] == SMALL.pids
    assert host["NanoCpus"] == int(SMALL.cpus * 1e9)
    assert host["Tmpfs"] == {"/tmp": "rw,nosuid,nodev,size=256m"}
    assert not host.get("Binds") and not attrs["Mounts"]
    assert host["LogConfig"]["Type"] == "none"
    assert attrs["Config"]["User"] == "65534:65534"
    assert attrs["Config"]["Labels"][db.LABEL_SANDBOX] == "1"


@pytest.mark.docker
def test_inside_the_container(backend: db.DockerBackend, started: list, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRADER_CANARY_SECRET", "must-not-leak")
    sandbox = _start(
        backend,
        started,
        """
        import json, os, resource
        status = dict(line.split(":", 1) for line in open("/proc/self/status"))
        def writable(path):
            try:
                open(path, "w").close()
                return True
            except OSError:
                return False
        print(json.dumps({
            "uid": os.getuid(), "gid": os.getgid(),
            "nets": sorted(os.listdir("/sys/class/net")),
            "root_writable": writable("/probe"), "tmp_writable": writable("/tmp/probe"),
            "cap_eff": status["CapEff"].strip(), "no_new_privs": status["NoNewPrivs"].strip(),
            "fsize": resource.getrlimit(resource.RLIMIT_FSIZE)[0],
            "docker_sock": os.path.exists("/var/run/docker.sock"),
            "env": sorted(os.environ), "threads": os.environ.get("OMP_NUM_THREADS"),
            "worker": sorted(os.listdir("/opt/nlp-grader")),
        }))
    """,
    )
    out, err = _finish(sandbox)
    facts = json.loads(out)
    assert (facts["uid"], facts["gid"]) == (65534, 65534)
    assert facts["nets"] == ["lo"]
    assert facts["root_writable"] is False and facts["tmp_writable"] is True
    assert int(facts["cap_eff"], 16) == 0 and facts["no_new_privs"] == "1"
    assert facts["fsize"] == SMALL.file_size_mb * 2**20
    assert facts["docker_sock"] is False
    assert "GRADER_CANARY_SECRET" not in facts["env"]
    assert facts["threads"] == "1"
    # Only the worker and its codec: no hidden tests, no references, no other judge code.
    assert facts["worker"] == ["wire.py", "worker.py"]


@pytest.mark.docker
def test_kill_stops_the_container_and_cleanup_removes_it(
    backend: db.DockerBackend, engine: docker.DockerClient, started: list
) -> None:
    sandbox = _start(backend, started, SLEEP)
    began = time.monotonic()
    sandbox.kill()
    assert time.monotonic() - began < 5
    assert sandbox.process.poll() is not None  # the client ended too
    info = sandbox.exit_info()
    assert info.returncode == 137 and not info.out_of_memory  # our own SIGKILL is not OOM
    sandbox.kill()  # twice is fine
    sandbox.cleanup()
    sandbox.cleanup()
    with pytest.raises(docker.errors.NotFound):
        engine.api.inspect_container(sandbox.name)


@pytest.mark.docker
def test_exit_status_is_reported(backend: db.DockerBackend, started: list) -> None:
    sandbox = _start(backend, started, "import sys; sys.exit(3)")
    _finish(sandbox)
    info = sandbox.exit_info()
    assert info.returncode == 3 and not info.out_of_memory


@pytest.mark.docker
def test_out_of_memory_is_detected(backend: db.DockerBackend, started: list) -> None:
    limits = SMALL.merged({"memory_mb": 128})
    sandbox = _start(backend, started, "x = bytearray(512 * 2**20)", limits)
    _finish(sandbox)
    info = sandbox.exit_info()
    assert info.out_of_memory, info
    assert "128 MB" in info.detail


@pytest.mark.docker
def test_a_container_the_engine_refuses_is_a_grader_fault(backend: db.DockerBackend) -> None:
    # The engine refuses limits below its minimum: `docker run` ends with 125 and its reason.
    with pytest.raises(SandboxUnavailable, match=r"docker run failed \(125\).*[Mm]emory"):
        backend.start(SMALL.merged({"memory_mb": 4}))


@pytest.mark.docker
def test_a_missing_program_ends_with_127(backend: db.DockerBackend, started: list) -> None:
    # --init's tini starts fine and then cannot exec: that is an exit, seen by the session.
    sandbox = backend.start(SMALL, command=["/no/such/program"])
    started.append(sandbox)
    _finish(sandbox)
    assert sandbox.exit_info().returncode == 127


@pytest.mark.docker
def test_a_missing_image_says_how_to_build_it(backend: db.DockerBackend) -> None:
    with pytest.raises(SandboxUnavailable, match="not found: run `grader image build`"):
        db.DockerBackend(image="nlp-grader-sandbox:no-such-tag").start(SMALL)


@pytest.mark.docker
def test_sweep_removes_only_containers_of_dead_graders(backend: db.DockerBackend, engine: docker.DockerClient) -> None:
    orphan = _labelled_container(engine, _dead_pid())
    alive = _labelled_container(engine, 1)
    try:
        removed = db.remove_leftover_containers()
        names = {c["Names"][0].lstrip("/") for c in engine.api.containers(all=True)}
    finally:
        for name in (orphan, alive):
            with contextlib.suppress(docker.errors.NotFound):
                engine.api.remove_container(name, force=True)
    assert removed >= 1
    assert orphan not in names and alive in names


@pytest.mark.docker
def test_sigterm_to_the_grader_removes_its_containers(backend: db.DockerBackend, engine: docker.DockerClient) -> None:
    grader = _grader_process(SLEEP)
    name = grader.stdout.readline().strip()  # type: ignore[union-attr]
    assert engine.api.inspect_container(name)["State"]["Running"]
    grader.send_signal(signal.SIGTERM)
    try:
        # SIGTERM becomes KeyboardInterrupt, which Python ends with the SIGINT status
        assert grader.wait(timeout=30) == -signal.SIGINT
    finally:
        grader.stdout.close()  # type: ignore[union-attr]
    with pytest.raises(docker.errors.NotFound):
        engine.api.inspect_container(name)


@pytest.mark.docker
def test_a_killed_graders_container_is_swept_by_the_next_one(
    backend: db.DockerBackend, engine: docker.DockerClient, started: list
) -> None:
    grader = _grader_process(SLEEP)
    name = grader.stdout.readline().strip()  # type: ignore[union-attr]
    grader.kill()  # no chance to clean up
    grader.wait()
    grader.stdout.close()  # type: ignore[union-attr]
    fresh = db.DockerBackend()  # a new grader's first start sweeps
    started.append(fresh.start(SMALL, command=["true"]))
    with pytest.raises(docker.errors.NotFound):
        engine.api.inspect_container(name)


@pytest.mark.docker
def test_the_worker_serves_a_session(backend: db.DockerBackend) -> None:
    from grader.errors import SandboxMemory, SandboxTimeout
    from grader.sandbox.session import Session

    source = textwrap.dedent("""
        import torch
        def double(x):
            print("candidate output")
            return x * 2
        def spin():
            while True:
                pass
        def hog():
            return len(bytearray(1 << 30))
        def quiet():
            return 0
    """)
    with Session(backend, SMALL.merged({"call_seconds": 20})) as session:
        assert session.load("sub", source, "sub.py")["ok"]
        assert session.request({"op": "call", "module": "sub", "name": "double", "args": [21]})["value"] == 42
        printed = session.output.take()
        # Through the client's pipes (where there is no channel socket), Docker relays the worker's
        # stdout and stderr as two streams: a print may come in just after the answer, and is then
        # read with the next one. Over the socket it comes with its answer (tested below).
        for _ in range(50):
            if "candidate output" in printed:
                break
            time.sleep(0.02)
            session.request({"op": "call", "module": "sub", "name": "quiet", "args": []})
            printed += session.output.take()
        assert "candidate output" in printed
        with pytest.raises(SandboxTimeout):
            session.request({"op": "call", "module": "sub", "name": "spin", "args": []}, timeout=1)
        with pytest.raises(SandboxMemory):
            session.request({"op": "call", "module": "sub", "name": "hog", "args": []})
        with pytest.raises(SandboxMemory, match="not run: the sandbox was already stopped 2 times"):
            session.request({"op": "call", "module": "sub", "name": "double", "args": [1]})  # two strikes
        session.new_exercise()
        assert session.request({"op": "call", "module": "sub", "name": "double", "args": [1]})["value"] == 2
        assert session.starts == 3


CHANNEL_SOURCE = textwrap.dedent("""
    import os, socket, sys
    def shout(i):
        print(f"call {i}")
        sys.stderr.write(f"error {i}\\n")
        return i
    def reconnect():
        try:
            socket.socket(socket.AF_UNIX).connect("/run/nlp-grader-channel.sock")
        except OSError as exc:
            return type(exc).__name__
        return "connected"
    def channel_variable():
        return os.environ.get("GRADER_CHANNEL")
""")


def _channel_folders() -> set[Path]:
    return set(Path(tempfile.gettempdir()).glob("nlp-grader-channel-*"))


@pytest.mark.docker
def test_frames_and_output_travel_over_the_channel_socket(
    backend: db.DockerBackend, engine: docker.DockerClient
) -> None:
    from grader.sandbox.session import Session

    if not db._sockets_reach_containers(engine):
        pytest.skip("this engine cannot reach a socket on this machine: the pipes serve (tested below)")
    before = _channel_folders()
    with Session(db.DockerBackend(), SMALL) as session:
        assert session.load("sub", CHANNEL_SOURCE, "sub.py")["ok"]
        assert session._link is not None and len(session._link.owned) == 2  # frames, output
        assert _channel_folders() <= before  # removed as soon as the worker connected
        for i in range(20):
            assert session.request({"op": "call", "module": "sub", "name": "shout", "args": [i]})["value"] == i
            # read with the answer it belongs to, not one call late as through the client's pipes
            assert sorted(session.output.take().splitlines()) == [f"call {i}", f"error {i}"]
        # the socket is gone from the container too: the candidate cannot open a second channel
        assert session.request({"op": "call", "module": "sub", "name": "reconnect", "args": []})["value"] != "connected"
        assert session.request({"op": "call", "module": "sub", "name": "channel_variable", "args": []})["value"] is None
    assert _channel_folders() <= before


@pytest.mark.docker
def test_a_worker_that_cannot_reach_its_socket_serves_on_its_pipes(
    backend: db.DockerBackend, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Where the engine cannot mount this machine's socket (a remote engine, a VM), the worker says
    so on stdout and the session carries on over the client's pipes."""
    from grader.sandbox.session import Session

    not_a_socket = tmp_path / "plain-file"
    not_a_socket.write_text("")
    run_command = db.docker_run_command
    monkeypatch.setattr(db, "docker_run_command", lambda *a, channel=None, **k: run_command(
        *a, channel=str(not_a_socket) if channel else None, **k))
    sockets = db.DockerBackend()
    sockets._connect()
    sockets._sockets = True  # as on a machine where the socket can be mounted
    with Session(sockets, SMALL) as session:
        assert session.load("sub", CHANNEL_SOURCE, "sub.py")["ok"]
        assert session._link is not None and session._link.owned == ()
        assert session.request({"op": "call", "module": "sub", "name": "shout", "args": [7]})["value"] == 7
        assert session.request({"op": "call", "module": "sub", "name": "channel_variable", "args": []})["value"] is None


@pytest.mark.docker
def test_pipes_only_when_asked_or_when_the_engine_is_elsewhere(
    engine: docker.DockerClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GRADER_DOCKER_CHANNEL", "pipes")
    assert not db._sockets_reach_containers(engine)
    monkeypatch.delenv("GRADER_DOCKER_CHANNEL")
    monkeypatch.setenv("DOCKER_HOST", "tcp://127.0.0.1:2375")
    assert not db._sockets_reach_containers(engine)


@pytest.mark.docker
def test_build_skips_an_image_that_exists(backend: db.DockerBackend) -> None:
    said: list[str] = []
    began = time.monotonic()
    assert image_module.build_image(echo=said.append) == image_module.expected_image_tag()
    assert time.monotonic() - began < 10
    assert any("up to date" in line for line in said)


@pytest.mark.docker
def test_a_base_that_cannot_be_pulled_explains_the_local_base(engine: docker.DockerClient) -> None:
    with pytest.raises(image_module.ImageError, match="scripts/build-base-image.sh nlp-grader-base"):
        image_module.ensure_base_image(engine, "nlp-grader-no-such-base:0")


# --- helpers ----------------------------------------------------------------------------------


def _dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def _labelled_container(engine: docker.DockerClient, owner_pid: int) -> str:
    """A stopped container that looks like a sandbox of the grader with this pid."""
    name = f"{db.NAME_PREFIX}test-{owner_pid}-{os.urandom(3).hex()}"
    engine.api.create_container(
        image_module.expected_image_tag(),
        command=["true"],
        name=name,
        labels={db.LABEL_SANDBOX: "1", db.LABEL_OWNER_HOST: socket.gethostname(), db.LABEL_OWNER_PID: str(owner_pid)},
    )
    return name


def _grader_process(code: str) -> subprocess.Popen[str]:
    """Another Python process that starts one sandbox, prints its name and waits to be killed."""
    script = textwrap.dedent(f"""
        import time
        from grader.limits import Limits
        from grader.sandbox.docker_backend import DockerBackend
        sandbox = DockerBackend().start(Limits(), command=["python", "-c", {code!r}])
        print(sandbox.name, flush=True)
        time.sleep(300)
    """)
    return subprocess.Popen([sys.executable, "-c", script], cwd=REPO, stdout=subprocess.PIPE, text=True)


@pytest.mark.docker
def test_grade_returns_before_its_container_is_removed_and_leaves_none(engine: docker.DockerClient) -> None:
    """``grader grade`` hands its last container to a detached ``docker rm -f``: gone soon after."""
    reference = REPO / "reference" / "cosine_similarity.py"
    grader = subprocess.Popen([sys.executable, "-m", "grader.cli", "grade", str(reference), "-e", "cosine_similarity",
                               "--sandbox", "docker"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = grader.communicate(timeout=300)
    assert grader.returncode == 0 and "100.0%" in out, out + err

    def owned() -> list[str]:
        found = engine.api.containers(all=True, filters={"label": f"{db.LABEL_SANDBOX}=1"})
        return [c["Names"][0] for c in found if (c.get("Labels") or {}).get(db.LABEL_OWNER_PID) == str(grader.pid)]

    deadline = time.monotonic() + 30
    while owned() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not owned()
