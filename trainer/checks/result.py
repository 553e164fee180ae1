"""What a check returns: a status, a message in exam language, the evidence and a hint."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import Enum


class Status(str, Enum):
    """The outcome of one check."""

    PASS = "pass"
    FAIL = "fail"
    SKIPPED = "skipped"
    ERROR = "error"


@dataclass(frozen=True)
class Evidence:
    """Lines of a file that a result points at (1-based, inclusive)."""

    path: str
    start: int
    end: int
    text: str = ""

    def as_range(self) -> list[int]:
        return [self.start, self.end]


@dataclass
class CheckResult:
    """One check's verdict, serialisable for the JSON report and the store."""

    id: str
    title: str
    status: Status
    message: str
    hint: str = ""
    evidence: list[Evidence] = field(default_factory=list)
    advice: list[str] = field(default_factory=list)
    """Things worth knowing that do not change the verdict."""

    @property
    def passed(self) -> bool:
        return self.status is Status.PASS

    def to_dict(self) -> dict:
        """The JSON shape documented in docs/check-json.md."""
        data = asdict(self)
        data["status"] = self.status.value
        data["lines"] = [e.as_range() for e in self.evidence]
        return data
