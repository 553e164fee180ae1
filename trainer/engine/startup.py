"""Start the image under the profile of a hardened Pod and run the scenario's probe.

The profile mirrors `runAsNonRoot: true`, `capabilities: drop [ALL]`,
`allowPrivilegeEscalation: false` and `readOnlyRootFilesystem: true`, plus
memory, process, log and wall-clock bounds. The container is always removed,
whatever happens (a finally-clause, and the job label for the reaper).
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from dataclasses import dataclass

import docker

from trainer.engine.client import TRANSPORT_ERRORS
from trainer.probe import Probe

MEMORY = "256m"
PIDS = 128
LOG_CAP = 64 * 1024


@dataclass
class StartupOutcome:
    """How the start-up went: passed or not, the message, and what the container said."""

    passed: bool
    message: str
    logs: str = ""
    exit_code: int | None = None
    seconds: float = 0.0
    oom_killed: bool = False


def kubelet_verdict(user: str) -> str | None:
    """Why the kubelet would refuse the image under runAsNonRoot: true (None: it would start it)."""
    part = user.split(":", 1)[0]
    if part == "":
        return "the image sets no user, so it would run as root: the kubelet refuses it (\"image will run as root\")"
    if not part.isdigit():
        return (f"the image has the non-numeric user {part!r}: the kubelet refuses it (\"container has "
                f"runAsNonRoot and image has non-numeric user ({part}), cannot verify user is non-root\")")
    if int(part) == 0:
        return "the image runs as uid 0: the kubelet refuses it (\"image will run as root\")"
    if int(part) > 2**31 - 1:
        return f"uid {part} is out of range: the kubelet refuses it (\"invalid user id\")"
    return None


def explain_runtime_error(text: str, program: str) -> str:
    """A sentence for the usual start-up failures."""
    if "no such file or directory" in text and "exec" in text:
        return (f" {program or 'The program'} exists but cannot be executed: usually a dynamically linked "
                f"binary (built with cgo) on an image without libc, or a script whose interpreter is missing. "
                f"Build with CGO_ENABLED=0 or use a base with libc (distroless base or cc).")
    if "permission denied" in text.lower():
        return " The user cannot read or execute the file: check the file mode and owner in the image."
    if "unable to find user" in text:
        return " The USER names an account that does not exist in the image's /etc/passwd: use a numeric uid."
    if "read-only file system" in text.lower():
        return " The program writes to the root filesystem, which is read-only: write to /tmp instead."
    return ""


def _tail(container) -> str:
    try:
        data = container.logs(stdout=True, stderr=True, tail=400)
    except TRANSPORT_ERRORS:
        return ""
    text = data[-LOG_CAP:].decode("utf-8", "replace")
    return text if len(data) <= LOG_CAP else "[... earlier output cut ...]\n" + text


def run_startup(client: docker.DockerClient, image_id: str, user: str, probe: Probe, labels: dict[str, str],
                writable: bool = False, deadline: float = 20.0, program: str = "") -> StartupOutcome:
    """Start the image hardened, probe it, and always remove the container."""
    refusal = kubelet_verdict(user)
    if refusal:
        return StartupOutcome(False, f"Not started: {refusal}. Use a numeric non-zero USER such as 65532:65532.")
    options = dict(
        detach=True, labels=labels, cap_drop=["ALL"], security_opt=["no-new-privileges:true"],
        read_only=not writable, tmpfs={"/tmp": "rw,noexec,nosuid,nodev,size=16m"}, mem_limit=MEMORY,
        memswap_limit=MEMORY, pids_limit=PIDS, nano_cpus=1_000_000_000, init=True,
        log_config={"type": "json-file", "config": {"max-size": "1m", "max-file": "1"}},
        ulimits=[docker.types.Ulimit(name="nofile", soft=256, hard=256)],
    )
    if probe.kind == "http":
        options["ports"] = {f"{probe.port}/tcp": ("127.0.0.1", None)}
    else:
        options["network_mode"] = "none"
    started = time.monotonic()
    container = None
    try:
        container = client.containers.create(image_id, **options)
        try:
            container.start()
        except docker.errors.APIError as exc:
            text = str(exc.explanation or exc)
            return StartupOutcome(False, f"The container could not start: {text}." + explain_runtime_error(text, program),
                                  exit_code=127, seconds=time.monotonic() - started)
        outcome = _probe(client, container, probe, started, deadline, program)
        outcome.seconds = time.monotonic() - started
        return outcome
    except TRANSPORT_ERRORS as exc:
        return StartupOutcome(False, f"The Docker Engine failed during start-up: {type(exc).__name__}: {exc}",
                              seconds=time.monotonic() - started)
    finally:
        if container is not None:
            _remove_for_sure(container.id)


def _remove_for_sure(container_id: str, attempts: int = 3) -> None:
    """Remove a container even when the client's connection broke: retry on a fresh connection."""
    from trainer.engine.client import EngineUnavailable, connect

    for attempt in range(attempts):
        try:
            connect(timeout=10).api.remove_container(container_id, force=True)
            return
        except docker.errors.NotFound:
            return
        except (EngineUnavailable, *TRANSPORT_ERRORS):
            time.sleep(0.5 * (attempt + 1))
    # Still there: the next grade's reaper removes it (its owner process will be gone).


def _exited(container) -> tuple[bool, int | None, bool]:
    container.reload()
    state = container.attrs.get("State", {})
    return state.get("Status") in ("exited", "dead"), state.get("ExitCode"), bool(state.get("OOMKilled"))


def _crash(container, code, oom, program) -> StartupOutcome:
    logs = _tail(container)
    if oom:
        return StartupOutcome(False, f"The container was killed for using more than {MEMORY} of memory "
                                     f"(OOMKilled).", logs, code, oom_killed=True)
    last = logs.strip().splitlines()[-1] if logs.strip() else "(no output)"
    return StartupOutcome(False, f"The container exited with code {code}: {last}" +
                          explain_runtime_error(logs, program), logs, code)


def _probe(client, container, probe: Probe, started: float, deadline: float, program: str) -> StartupOutcome:
    if probe.kind == "running":
        while time.monotonic() - started < probe.seconds:
            done, code, oom = _exited(container)
            if done:
                return _crash(container, code, oom, program)
            time.sleep(0.2)
        return StartupOutcome(True, f"Still running after {probe.seconds:g} s.", _tail(container))
    if probe.kind == "exit":
        while time.monotonic() - started < deadline:
            done, code, oom = _exited(container)
            if done:
                logs = _tail(container)
                if oom:
                    return StartupOutcome(False, f"Killed for using more than {MEMORY} (OOMKilled).", logs, code,
                                          oom_killed=True)
                if code != probe.code:
                    return _crash(container, code, oom, program)
                if probe.output and probe.output not in logs:
                    return StartupOutcome(False, f"Exited {code}, but the output lacks {probe.output!r}.", logs, code)
                return StartupOutcome(True, f"Exited with code {code} as expected.", logs, code)
            time.sleep(0.1)
        return StartupOutcome(False, f"Still running after {deadline:.0f} s; it was expected to exit. Killed.",
                              _tail(container))
    last_error = ""
    while time.monotonic() - started < deadline:
        done, code, oom = _exited(container)  # also reloads the port bindings
        if done:
            return _crash(container, code, oom, program)
        bindings = (container.attrs.get("NetworkSettings", {}).get("Ports") or {}).get(f"{probe.port}/tcp") or []
        if not bindings:
            time.sleep(0.1)
            continue
        url = f"http://127.0.0.1:{bindings[0]['HostPort']}{probe.path}"
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                status, body = response.status, response.read(65536).decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            status, body = exc.code, ""
        except OSError as exc:
            last_error = str(getattr(exc, "reason", exc))
            time.sleep(0.1)
            continue
        if status != probe.status:
            return StartupOutcome(False, f"GET {probe.path} answered {status}, expected {probe.status}.",
                                  _tail(container))
        if probe.body and probe.body not in body:
            return StartupOutcome(False, f"GET {probe.path} answered {status} without {probe.body!r}: {body[:200]!r}",
                                  _tail(container))
        return StartupOutcome(True, f"GET {probe.path} on port {probe.port} answered {status}.", _tail(container))
    return StartupOutcome(False, f"Nothing answered HTTP on port {probe.port} within {deadline:.0f} s "
                                 f"({last_error or 'no connection'}); the container was killed.", _tail(container))
