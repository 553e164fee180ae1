"""The exam checks: an explicit registry, one module per check.

Each check module has `ID`, `TITLE`, `HINT`, a docstring with the
anti-pattern and the best practice, and `evaluate(dockerfile, settings)`
returning a CheckResult. Checks are pure: they never talk to Docker.
"""

from __future__ import annotations

from types import ModuleType

from trainer.checks import copy_from_only, minimal_base, multistage, non_root
from trainer.checks.result import CheckResult, Evidence, Status
from trainer.checks.settings import DEFAULT_MINIMAL_BASES, CheckSettings
from trainer.dockerfile import Dockerfile

EXAM_CHECKS: tuple[ModuleType, ...] = (multistage, minimal_base, copy_from_only, non_root)
"""The four CKS exam checks, in the order they are shown."""

EXAM_CHECK_IDS: tuple[str, ...] = tuple(check.ID for check in EXAM_CHECKS)


def run_exam_checks(dockerfile: Dockerfile, settings: CheckSettings | None = None,
                    only: tuple[str, ...] | None = None) -> list[CheckResult]:
    """Every exam check's result; a check that crashes becomes an `error` result, never a traceback."""
    settings = settings or CheckSettings()
    only = only if only is not None else settings.apply
    results = []
    for check in EXAM_CHECKS:
        if only is not None and check.ID not in only:
            continue
        try:
            results.append(check.evaluate(dockerfile, settings))
        except Exception as exc:  # noqa: BLE001 - one broken check must not hide the others
            results.append(CheckResult(check.ID, check.TITLE, Status.ERROR,
                                       f"The check could not run: {type(exc).__name__}: {exc}"))
    return results


def failed_parse_results(message: str, line: int | None, path: str,
                         settings: CheckSettings | None = None) -> list[CheckResult]:
    """Every applicable exam check failing with the parse message (Docker would refuse the file)."""
    ev = [Evidence(path, line, line)] if line else []
    apply = settings.apply if settings and settings.apply is not None else EXAM_CHECK_IDS
    return [CheckResult(check.ID, check.TITLE, Status.FAIL, f"Docker would refuse this Dockerfile: {message}",
                        "Fix the syntax error first; then the checks can judge the file.", list(ev))
            for check in EXAM_CHECKS if check.ID in apply]


__all__ = [
    "DEFAULT_MINIMAL_BASES",
    "EXAM_CHECKS",
    "EXAM_CHECK_IDS",
    "CheckResult",
    "CheckSettings",
    "Evidence",
    "Status",
    "failed_parse_results",
    "run_exam_checks",
]
