"""`pack validate`: prove a pack is right before learners see it.

The same gates for the built-in pack and for instructors' packs: the files
load (format, types, limits, confinement); every starting Dockerfile fails at
least one exam check; every reference solution passes all four, builds, and
passes its start-up probe on the real engine; no hint gives away a line of
the solution; exam presets name real scenarios with weights that add up to
100; and the base images the pack needs are listed so they can be prepared
before an exam.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from trainer.checks import Status, run_exam_checks
from trainer.dockerfile import DockerfileError, parse
from trainer.grading import GradeFinished, grade
from trainer.packs import Pack, PackError, Scenario, load_pack

MIN_LEAK_CHARS = 8
"""Solution lines shorter than this (`USER 0`, `}`) say nothing on their own."""


@dataclass
class ScenarioVerdict:
    """What validation found for one scenario."""

    id: str
    starter: str = ""
    solution: str = ""
    build: str = "skipped"
    startup: str = "skipped"
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class PackVerdict:
    """The whole pack's verdict."""

    pack: Pack | None
    error: str = ""
    scenarios: list[ScenarioVerdict] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    base_images: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.error and not self.problems and all(s.ok for s in self.scenarios)


def _parse(path: Path, scenario: Scenario):
    return parse(path.read_bytes(), str(path), scenario.settings.build_args)


def _roots(dockerfile) -> set[str]:
    return {dockerfile.root_image(stage) for stage in dockerfile.stages} - {"scratch"}


def leaked_lines(scenario: Scenario, solution_text: str, starter_text: str) -> list[str]:
    """Solution lines (not already in the starter) that appear word for word in a hint."""
    starter = {line.strip() for line in starter_text.splitlines()}
    leaks = []
    for line in (raw.strip() for raw in solution_text.splitlines()):
        if len(line) >= MIN_LEAK_CHARS and line not in starter and not line.startswith("#"):
            if any(line in hint for hint in scenario.hints):
                leaks.append(line)
    return leaks


def validate_scenario(scenario: Scenario, static_only: bool) -> tuple[ScenarioVerdict, set[str]]:
    """All gates for one scenario; returns the verdict and the base images it needs."""
    verdict = ScenarioVerdict(scenario.id)
    images: set[str] = set()
    starter_path = scenario.root / scenario.file
    solution_path = scenario.solution_root / scenario.file
    try:
        starter = _parse(starter_path, scenario)
        images |= _roots(starter)
        failing = [r.id for r in run_exam_checks(starter, scenario.settings) if r.status is not Status.PASS]
        verdict.starter = f"fails {', '.join(failing)}" if failing else "passes every exam check"
        if not failing:
            verdict.problems.append("the starting Dockerfile already passes all four exam checks: nothing to fix")
    except (DockerfileError, OSError) as exc:
        verdict.starter = "unreadable"
        verdict.problems.append(f"the starting Dockerfile cannot be parsed: {getattr(exc, 'message', exc)}")
    if not solution_path.is_file():
        verdict.solution = "missing"
        verdict.problems.append(f"no reference solution at {solution_path}")
        return verdict, images
    try:
        solution = _parse(solution_path, scenario)
    except DockerfileError as exc:
        verdict.solution = "unreadable"
        verdict.problems.append(f"the reference solution cannot be parsed: {exc.located(str(solution_path))}")
        return verdict, images
    images |= _roots(solution)
    failed = [r for r in run_exam_checks(solution, scenario.settings) if r.status is not Status.PASS]
    verdict.solution = "passes all four" if not failed else f"fails {', '.join(r.id for r in failed)}"
    for result in failed:
        verdict.problems.append(f"the reference solution fails {result.id}: {result.message}")
    starter_text = starter_path.read_text(encoding="utf-8", errors="replace") if starter_path.is_file() else ""
    for line in leaked_lines(scenario, solution_path.read_text(encoding="utf-8"), starter_text):
        verdict.problems.append(f"a hint gives away the solution line {line!r}")
    if scenario.probe is None:
        verdict.problems.append("the scenario has no start-up probe (startup: http, exit or running)")
    if static_only or failed:
        return verdict, images
    report = None
    for event in grade(scenario, scenario.solution_root, use_cache=False):
        if isinstance(event, GradeFinished):
            report = event.report
    checks = {c.id: c for c in report.checks}
    verdict.build, verdict.startup = checks["build"].status.value, checks["startup"].status.value
    for check_id in ("build", "startup"):
        result = checks[check_id]
        if result.status is not Status.PASS:
            tail = "".join(f"\n      | {line}" for line in result.advice[-4:])
            verdict.problems.append(f"the reference solution's {check_id}: {result.message}{tail}")
    return verdict, images


def validate_pack(root: Path, static_only: bool = False,
                  progress: Callable[[int, int, str], None] | None = None) -> PackVerdict:
    """Run every gate; never raises for a bad pack (the verdict says what is wrong)."""
    try:
        pack = load_pack(root)
    except PackError as exc:
        return PackVerdict(None, error=str(exc))
    verdict = PackVerdict(pack)
    images: set[str] = set()
    ids = [s.id for s in pack.scenarios]
    if not ids:
        verdict.problems.append("the pack has no scenarios")
    for index, scenario in enumerate(pack.scenarios):
        if progress:
            progress(index, len(pack.scenarios), scenario.id)
        scenario_verdict, needed = validate_scenario(scenario, static_only)
        verdict.scenarios.append(scenario_verdict)
        images |= needed
    if progress:
        progress(len(pack.scenarios), len(pack.scenarios), "")
    verdict.problems += list(_preset_problems(pack, set(ids)))
    verdict.base_images = sorted(images)
    return verdict


def _preset_problems(pack: Pack, ids: set[str]) -> Iterator[str]:
    names = [p.name for p in pack.presets]
    for name in {n for n in names if names.count(n) > 1}:
        yield f"exam preset {name!r} is defined more than once"
    for preset in pack.presets:
        for scenario_id in preset.weights:
            if scenario_id not in ids:
                yield f"exam preset {preset.name!r} names {scenario_id!r}, which is not a scenario of this pack"
        total = sum(preset.weights.values())
        if total != 100:
            yield f"exam preset {preset.name!r}: the weights add up to {total}, not 100"
