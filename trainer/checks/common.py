"""Small helpers the exam checks share: evidence and command patterns."""

from __future__ import annotations

import re

from trainer.checks.result import Evidence
from trainer.dockerfile import Dockerfile, Instruction


def evidence(dockerfile: Dockerfile, *instructions: Instruction | None) -> list[Evidence]:
    """Evidence for instructions, in line order, without duplicates."""
    seen: dict[int, Evidence] = {}
    for instruction in instructions:
        if instruction is not None and instruction.start not in seen:
            seen[instruction.start] = Evidence(dockerfile.path, instruction.start, instruction.end,
                                               dockerfile.snippet(instruction))
    return [seen[key] for key in sorted(seen)]


def line_of(instruction: Instruction) -> str:
    """`line 7` or `lines 7-9`."""
    if instruction.end > instruction.start:
        return f"lines {instruction.start}-{instruction.end}"
    return f"line {instruction.start}"


BUILD_COMMAND = re.compile(
    r"\b(go\s+(build|install)|gcc|g\+\+|clang|cargo\s+build|mvn|gradle|javac|dotnet\s+(build|publish)"
    r"|npm\s+(ci|install|run\s+build)|yarn(\s+install|\s+build)?|pip3?\s+install|make)\b"
)
"""Commands that compile or assemble an application."""

INSTALL_COMMAND = re.compile(
    r"\b(apt-get|apt|apk|yum|dnf|microdnf|zypper|pip3?|npm|yarn|gem|curl|wget|cargo\s+install"
    r"|go\s+(get|install))\b"
)
"""Commands that install tools or fetch files into an image."""
