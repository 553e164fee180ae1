"""Build a learner's image through the Engine API, streamed, bounded and cancellable.

The context tar is made here, never by the SDK from a path: only regular
files and folders from inside the context (no links), size-capped, with the
Dockerfile always at `Dockerfile`. The cache LABEL is injected after every
FROM, so every layer the trainer builds is marked as its own (see labels.py).
"""

from __future__ import annotations

import io
import os
import re
import tarfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import docker

from trainer.engine.client import TRANSPORT_ERRORS
from trainer.engine.labels import CACHE_LINE

MAX_CONTEXT_BYTES = 50 * 1024 * 1024
MAX_CONTEXT_FILES = 5000
_RUNNING_IN = re.compile(r"Running in ([0-9a-f]{12})")
_STEP = re.compile(r"^Step (\d+)/(\d+) : (.*)")
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


class ContextError(Exception):
    """The build context cannot be sent (a link, too big, unreadable); says which file."""


@dataclass
class BuildOutcome:
    """What a build produced: an image id, or the failing step and the error."""

    image_id: str | None = None
    error: str = ""
    failed_step: str = ""
    log: list[str] = field(default_factory=list)
    seconds: float = 0.0
    timed_out: bool = False
    cancelled: bool = False


def make_context(root: Path, dockerfile_text: str) -> io.BytesIO:
    """A tar of the context folder plus the (label-injected) Dockerfile."""
    buffer = io.BytesIO()
    total, count = 0, 0
    root = Path(root)
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for folder, dirs, files in os.walk(root, followlinks=False):
            dirs.sort()
            base = Path(folder)
            for name in sorted(dirs) + sorted(files):
                path = base / name
                rel = path.relative_to(root).as_posix()
                if rel == "Dockerfile":
                    continue
                if path.is_symlink():
                    raise ContextError(f"{rel} is a symbolic link; the build context may hold only regular "
                                       f"files and folders")
                if name in dirs:
                    continue
                if not path.is_file():
                    raise ContextError(f"{rel} is not a regular file")
                size = path.stat().st_size
                total += size
                count += 1
                if total > MAX_CONTEXT_BYTES or count > MAX_CONTEXT_FILES:
                    raise ContextError(f"the build context is over {MAX_CONTEXT_BYTES // 2**20} MiB or "
                                       f"{MAX_CONTEXT_FILES} files (at {rel})")
                tar.add(path, arcname=rel, recursive=False)
        data = dockerfile_text.encode("utf-8")
        info = tarfile.TarInfo("Dockerfile")
        info.size = len(data)
        info.mtime = int(time.time())
        tar.addfile(info, io.BytesIO(data))
    buffer.seek(0)
    return buffer


def inject_labels(lines: list[str], from_ends: list[int]) -> str:
    """The Dockerfile with the cache LABEL after each FROM (given their 1-based last lines)."""
    out = list(lines)
    for end in sorted(from_ends, reverse=True):
        out.insert(end, CACHE_LINE)
    return "\n".join(out) + "\n"


def build(client: docker.DockerClient, context: io.BytesIO, labels: dict[str, str], tag: str,
          time_limit: float, cancel: threading.Event | None = None,
          network: str = "none") -> Iterator[str | BuildOutcome]:
    """Stream the build: yields log lines, then one BuildOutcome last.

    A watchdog thread enforces the time limit and the cancel event by killing
    the running step container (the reader thread cannot be interrupted; the
    daemon ends the stream once the step dies). The caller's finally-clause
    (the reaper) removes what is left.
    """
    outcome = BuildOutcome()
    started = time.monotonic()
    state = {"step_container": None, "done": False}
    cancel = cancel or threading.Event()

    def watchdog() -> None:
        while not state["done"]:
            if time.monotonic() - started > time_limit:
                outcome.timed_out = True
            if cancel.is_set():
                outcome.cancelled = True
            if (outcome.timed_out or outcome.cancelled) and state["step_container"]:
                try:
                    client.api.kill(state["step_container"])
                except TRANSPORT_ERRORS:
                    pass
                state["step_container"] = None
            time.sleep(0.1)

    guard = threading.Thread(target=watchdog, daemon=True)
    guard.start()
    try:
        stream = client.api.build(fileobj=context, custom_context=True, tag=tag, rm=True, forcerm=True,
                                  pull=False, decode=True, labels=labels, network_mode=network,
                                  container_limits={"memory": 1 << 30, "memswap": 1 << 30})
        pending = ""
        for event in stream:
            if "stream" in event:
                pending += _ANSI.sub("", event["stream"])
                while "\n" in pending:
                    line, pending = pending.split("\n", 1)
                    if match := _RUNNING_IN.search(line):
                        state["step_container"] = match.group(1)
                    if match := _STEP.match(line):
                        outcome.failed_step = line
                        state["step_container"] = None
                    outcome.log.append(line)
                    yield line
            elif "aux" in event and "ID" in event.get("aux", {}):
                outcome.image_id = event["aux"]["ID"]
            elif "error" in event:
                outcome.error = _ANSI.sub("", event.get("error", "")).strip()
            if outcome.timed_out or outcome.cancelled:
                break
        if pending:
            outcome.log.append(pending)
            yield pending
    except docker.errors.APIError as exc:
        outcome.error = str(exc.explanation or exc)
    except BaseException:
        # Ctrl-C or the consumer closing us: stop the running step now rather
        # than waiting for the daemon to notice the dropped connection.
        if state["step_container"]:
            try:
                client.api.kill(state["step_container"])
            except TRANSPORT_ERRORS:
                pass
        raise
    except TRANSPORT_ERRORS as exc:
        outcome.error = f"the connection to the Docker Engine broke during the build: {type(exc).__name__}"
    finally:
        state["done"] = True
        outcome.seconds = time.monotonic() - started
    if outcome.timed_out:
        outcome.error = f"the build took longer than {time_limit:.0f} s and was stopped"
        outcome.image_id = None
    elif outcome.cancelled:
        outcome.error = "the build was cancelled"
        outcome.image_id = None
    if outcome.image_id and outcome.error:
        outcome.image_id = None
    yield outcome
