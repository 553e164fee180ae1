"""Labels on everything the trainer creates, so it can always be found and removed."""

from __future__ import annotations

import os
import socket
import time
import uuid

MANAGED = "cks-trainer.managed"
JOB = "cks-trainer.job"
EXPIRES = "cks-trainer.expires"
OWNER = "cks-trainer.owner"


def new_job(ttl_seconds: int = 3600) -> dict[str, str]:
    """Labels for one grading job: managed, a unique job id, and an expiry time."""
    return {MANAGED: "1", JOB: uuid.uuid4().hex[:16], EXPIRES: str(int(time.time()) + ttl_seconds),
            OWNER: f"{socket.gethostname()}:{os.getpid()}"}


def label_line(labels: dict[str, str]) -> str:
    """A LABEL instruction carrying the job labels, injected after every FROM."""
    return "LABEL " + " ".join(f'{key}="{value}"' for key, value in labels.items())
