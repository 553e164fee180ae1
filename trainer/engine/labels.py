"""Labels on everything the trainer creates, so it can always be found and removed.

Two kinds. A grading job's label (`cks-trainer.job`) goes on its containers
and on the image it builds; everything carrying it is removed when the grade
ends, however it ends. The cache label (`cks-trainer.cache`) is injected
after every FROM with a fixed value, so the layers it starts are the same for
every grade and the legacy builder reuses them, as `docker build` reuses its
own cache; they are the trainer's build cache, pruned after a week and by
`cks-trainer clean`.
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from dataclasses import dataclass

MANAGED = "cks-trainer.managed"
JOB = "cks-trainer.job"
CACHE = "cks-trainer.cache"
CACHE_LINE = f'LABEL {CACHE}="1"'
"""Injected after every FROM: a fixed value, so cached layers are shared between grades."""


@dataclass(frozen=True)
class Job:
    """One grading job: a unique id, the process that owns it, and when it expires."""

    id: str
    host: str
    pid: int
    expires: int

    @classmethod
    def new(cls, ttl_seconds: int = 3600) -> Job:
        """A job owned by this process."""
        return cls(uuid.uuid4().hex[:16], socket.gethostname(), os.getpid(), int(time.time()) + ttl_seconds)

    @property
    def value(self) -> str:
        """The label value: everything the reaper needs, in one label (one build step)."""
        return f"{self.id}@{self.host}:{self.pid}@{self.expires}"

    @classmethod
    def parse(cls, value: str) -> Job | None:
        """A job from its label value, or None when the value is not one."""
        try:
            job_id, owner, expires = value.split("@")
            host, _, pid = owner.rpartition(":")
            return cls(job_id, host, int(pid), int(expires))
        except ValueError:
            return None

    def container_labels(self) -> dict[str, str]:
        """Labels for the containers of this job."""
        return {MANAGED: "1", JOB: self.value}

    def image_labels(self) -> dict[str, str]:
        """Labels for the image this job builds (the builder adds one step per label)."""
        return {JOB: self.value}

    def is_stale(self) -> bool:
        """Expired, or owned by a process on this host that no longer exists."""
        if self.expires < time.time():
            return True
        if self.host != socket.gethostname():
            return False
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
        return False
