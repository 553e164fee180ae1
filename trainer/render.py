"""Plain-text rendering of check results for the terminal (no Textual)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable

from trainer.checks import CheckResult, Status

_MARKS = {Status.PASS: "PASS", Status.FAIL: "FAIL", Status.SKIPPED: "SKIP", Status.ERROR: "ERR "}
ID_WIDTH = len("image-package-manager")
"""Wide enough for every check id, so messages line up."""
INDENT = " " * (2 + 4 + 2 + ID_WIDTH + 1)
_COLOURS = {Status.PASS: "32", Status.FAIL: "31", Status.SKIPPED: "33", Status.ERROR: "35"}


def use_colour(stream=sys.stdout) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set."""
    return stream.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"


def mark(status: Status, colour: bool) -> str:
    """The status word, coloured when asked."""
    text = _MARKS[status]
    return f"\x1b[{_COLOURS[status]}m{text}\x1b[0m" if colour else text


def render_result(result: CheckResult, colour: bool, show_lines: bool = True) -> list[str]:
    """One check as indented lines: status, id, message, offending lines, hint, advice."""
    out = [f"  {mark(result.status, colour)}  {result.id:<{ID_WIDTH}} {result.message}"]
    if show_lines and result.status in (Status.FAIL, Status.ERROR):
        for ev in result.evidence:
            for number, text in enumerate(ev.text.splitlines(), ev.start):
                out.append(f"{INDENT}{number:>4} | {text}")
    if result.hint and result.status is Status.FAIL:
        out.append(f"{INDENT}hint: {result.hint}")
    for advice in result.advice:
        out.append(f"{INDENT}note: {advice}")
    return out


def render_checklist(title: str, results: Iterable[CheckResult], colour: bool) -> str:
    """A titled checklist with a closing count."""
    results = list(results)
    lines = [title]
    for result in results:
        lines += render_result(result, colour)
    passed = sum(r.status is Status.PASS for r in results)
    lines.append(f"{passed}/{len(results)} checks pass")
    return "\n".join(lines)
