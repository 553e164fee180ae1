"""Remove what the trainer created, by label: after every grade, and at start after a crash."""

from __future__ import annotations

import docker

from trainer.engine.client import TRANSPORT_ERRORS
import os
import socket
import time

from trainer.engine.labels import EXPIRES, JOB, MANAGED, OWNER


def reap(client: docker.DockerClient, job: str | None = None) -> dict[str, int]:
    """Remove the trainer's containers and images (one job's, or all); never anything else.

    Returns how many containers and images were removed. Errors are swallowed:
    cleanup must not turn a grade into a crash, and the next start tries again.
    """
    selector = f"{JOB}={job}" if job else f"{MANAGED}=1"
    removed = {"containers": 0, "images": 0}
    try:
        for container in client.containers.list(all=True, filters={"label": selector}):
            try:
                container.remove(force=True)
                removed["containers"] += 1
            except TRANSPORT_ERRORS:
                pass
        for image in client.images.list(filters={"label": selector}):
            for tag in image.tags or [image.id]:
                try:
                    client.images.remove(tag, force=True, noprune=False)
                    removed["images"] += 1
                except TRANSPORT_ERRORS:
                    pass
        # Intermediate images of the legacy builder carry the injected job label too.
        result = client.images.prune(filters={"label": selector, "dangling": True})
        removed["images"] += len(result.get("ImagesDeleted") or [])
    except TRANSPORT_ERRORS:
        pass
    return removed


def count_managed(client: docker.DockerClient) -> dict[str, int]:
    """How many containers and images carry the trainer's label (for tests and `doctor`)."""
    selector = {"label": f"{MANAGED}=1"}
    return {"containers": len(client.containers.list(all=True, filters=selector)),
            "images": len(client.images.list(all=True, filters=selector))}


def _is_stale(labels: dict[str, str]) -> bool:
    """Left by a process that is gone (same host) or past its expiry."""
    try:
        if int(labels.get(EXPIRES, "0")) < time.time():
            return True
    except ValueError:
        return True
    host, _, pid = labels.get(OWNER, "").rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def reap_stale(client: docker.DockerClient) -> dict[str, int]:
    """Remove the jobs of trainer processes that died (Ctrl-C twice, kill -9, a crash)."""
    jobs: set[str] = set()
    try:
        for container in client.containers.list(all=True, filters={"label": f"{MANAGED}=1"}):
            if _is_stale(container.labels):
                jobs.add(container.labels.get(JOB, ""))
        for image in client.images.list(all=True, filters={"label": f"{MANAGED}=1"}):
            if _is_stale(image.labels or {}):
                jobs.add((image.labels or {}).get(JOB, ""))
    except TRANSPORT_ERRORS:
        return {"containers": 0, "images": 0}
    total = {"containers": 0, "images": 0}
    for job in filter(None, jobs):
        for key, value in reap(client, job).items():
            total[key] += value
    return total
