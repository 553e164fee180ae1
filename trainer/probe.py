"""The start-up probe a scenario asks for: shared by the pack loader and the engine."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Probe:
    """How the start-up test decides the container works."""

    kind: str  # "http", "exit" or "running"
    port: int = 0
    path: str = "/"
    status: int = 200
    body: str = ""
    code: int = 0
    output: str = ""
    seconds: float = 3.0
