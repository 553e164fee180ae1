"""Remove what the trainer created, by label: after every grade, and at start after a crash."""

from __future__ import annotations

import docker

from trainer.engine.client import TRANSPORT_ERRORS
from trainer.engine.labels import CACHE, JOB, MANAGED, Job

CACHE_MAX_AGE = "168h"


def reap(client: docker.DockerClient, job_value: str | None = None) -> dict[str, int]:
    """Remove one job's containers and images (or every job's); never anything else.

    Images are removed without pruning their parents: those are cache layers
    other grades reuse. Errors are swallowed: cleanup must not turn a grade
    into a crash, and the next start tries again.
    """
    selector = f"{JOB}={job_value}" if job_value else JOB
    removed = {"containers": 0, "images": 0}
    try:
        for container in client.containers.list(all=True, filters={"label": selector}):
            try:
                container.remove(force=True)
                removed["containers"] += 1
            except TRANSPORT_ERRORS:
                pass
        # Newest first: the builder's label steps stack up, each the child of the one before.
        images = sorted(client.images.list(all=True, filters={"label": selector}),
                        key=lambda image: image.attrs.get("Created", ""), reverse=True)
        for image in images:
            try:
                client.images.remove(image.id, force=True, noprune=True)
                removed["images"] += 1
            except TRANSPORT_ERRORS:
                pass
    except TRANSPORT_ERRORS:
        pass
    return removed


def reap_stale(client: docker.DockerClient) -> dict[str, int]:
    """Remove the jobs of trainer processes that died (kill -9, a crash), and week-old cache."""
    jobs: set[str] = set()
    try:
        for item in [*client.containers.list(all=True, filters={"label": JOB}),
                     *client.images.list(all=True, filters={"label": JOB})]:
            value = (item.labels or {}).get(JOB, "")
            job = Job.parse(value)
            if job is None or job.is_stale():
                jobs.add(value)
        client.images.prune(filters={"label": f"{CACHE}=1", "until": CACHE_MAX_AGE})
    except TRANSPORT_ERRORS:
        return {"containers": 0, "images": 0}
    total = {"containers": 0, "images": 0}
    for value in jobs:
        for key, count in reap(client, value).items():
            total[key] += count
    return total


def clean_cache(client: docker.DockerClient) -> int:
    """Remove the trainer's build cache (unused images carrying the cache label); returns how many."""
    result = client.images.prune(filters={"label": f"{CACHE}=1", "dangling": False})
    return len(result.get("ImagesDeleted") or [])


def count_managed(client: docker.DockerClient) -> dict[str, int]:
    """How many containers and images belong to grading jobs (the build cache is not counted)."""
    return {"containers": len(client.containers.list(all=True, filters={"label": MANAGED})),
            "images": len(client.images.list(all=True, filters={"label": JOB}))}
