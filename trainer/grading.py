"""The grading pipeline: exam checks -> build -> inspect -> start-up -> Report.

One implementation for every front end. `grade()` is a generator of typed
events (StageStarted, LogLine, CheckFinished, GradeFinished) that the CLI
prints and the TUI will post as messages. Nothing is left on the engine:
every object carries the job's label and the reaper removes it on every exit
path, Ctrl-C included.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from trainer import __version__
from trainer.checks import CheckResult, Status, failed_parse_results, run_exam_checks
from trainer.checks.common import evidence
from trainer.dockerfile import Dockerfile, DockerfileError, parse
from trainer.packs import Scenario

BUILD_TIME_LIMIT = 300.0
BUILD_TITLE = "Image builds"
STARTUP_TITLE = "Container starts and works"
EXAM_POINTS = 1
REALITY_IDS = ("build", "startup")


@dataclass(frozen=True)
class StageStarted:
    """A pipeline stage begins: 'checks', 'build', 'inspect' or 'startup'."""

    stage: str


@dataclass(frozen=True)
class LogLine:
    """One line of build or container output."""

    stage: str
    text: str


@dataclass(frozen=True)
class CheckFinished:
    """A check has its verdict."""

    result: CheckResult


@dataclass
class Report:
    """Every check's result, the score, the image facts and timings."""

    scenario: str
    checks: list[CheckResult] = field(default_factory=list)
    image: dict = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    cached: bool = False

    @property
    def scored(self) -> list[CheckResult]:
        return [c for c in self.checks if not c.id.startswith("image-")]

    @property
    def score(self) -> int:
        """One point per exam check, plus build and start-up."""
        return sum(c.status is Status.PASS for c in self.scored)

    @property
    def max_score(self) -> int:
        return len(self.scored)

    @property
    def full_marks(self) -> bool:
        return self.score == self.max_score

    def add(self, result: CheckResult) -> CheckFinished:
        """Record a result; return the event that announces it."""
        self.checks.append(result)
        return CheckFinished(result)

    def to_dict(self) -> dict:
        return {"scenario": self.scenario, "score": self.score, "max_score": self.max_score,
                "full_marks": self.full_marks, "cached": self.cached,
                "checks": [c.to_dict() for c in self.checks], "image": self.image, "timings": self.timings}


@dataclass(frozen=True)
class GradeFinished:
    """The last event: the complete report."""

    report: Report


Event = StageStarted | LogLine | CheckFinished | GradeFinished


def _skipped(check_id: str, title: str, why: str) -> CheckResult:
    return CheckResult(check_id, title, Status.SKIPPED, why)


def _not_built(report: Report, message: str, hint: str, proof=(), startup_why: str = "there is no image to start",
               advice: list[str] | None = None) -> Iterator[Event]:
    """The build's failure, then the start-up skipped because there is no image."""
    result = CheckResult("build", BUILD_TITLE, Status.FAIL, message, hint, list(proof), advice or [])
    yield report.add(result)
    yield report.add(_skipped("startup", STARTUP_TITLE, f"skipped: {startup_why}"))


def attempt_key(scenario: Scenario, workspace: Path) -> str:
    """A hash of everything that decides the grade: the files, the scenario, the trainer version."""
    digest = hashlib.sha256(__version__.encode())
    digest.update((scenario.root / "scenario.yaml").read_bytes())
    for path in sorted(p for p in workspace.rglob("*") if p.is_file() and not p.is_symlink()):
        digest.update(path.relative_to(workspace).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def _cache_path(key: str) -> Path:
    from platformdirs import user_cache_path

    return user_cache_path("cks-trainer") / "reports" / f"{key}.json"


def grade(scenario: Scenario, workspace: Path, cancel: threading.Event | None = None,
          use_cache: bool = True, connect=None) -> Iterator[Event]:
    """Grade an attempt end to end, yielding events; the last one is GradeFinished."""
    report = Report(scenario.id)
    workspace = Path(workspace)
    dockerfile_path = workspace / scenario.file
    yield StageStarted("checks")
    started = time.monotonic()
    try:
        if dockerfile_path.is_symlink():
            raise DockerfileError("the Dockerfile is a symbolic link; the trainer reads only regular files")
        data = dockerfile_path.read_bytes()
        dockerfile = parse(data, str(dockerfile_path), scenario.settings.build_args)
    except DockerfileError as exc:
        dockerfile = None
        results = failed_parse_results(exc.message, exc.line, str(dockerfile_path), scenario.settings)
    except OSError as exc:
        dockerfile = None
        results = failed_parse_results(f"cannot read {dockerfile_path}: {exc.strerror}", None, str(dockerfile_path),
                                       scenario.settings)
    else:
        results = run_exam_checks(dockerfile, scenario.settings)
    for result in results:
        yield report.add(result)
    report.timings["checks"] = time.monotonic() - started

    key = attempt_key(scenario, workspace) if dockerfile is not None else ""
    if use_cache and key and (cached := _load_cached(key)) is not None:
        for result in cached.checks[len(report.checks):]:
            yield report.add(result)
        report.image, report.timings, report.cached = cached.image, cached.timings, True
        yield GradeFinished(report)
        return

    yield from _reality(report, scenario, workspace, dockerfile, cancel, connect)
    if key and all(c.status is not Status.ERROR for c in report.checks) and \
            not any(c.status is Status.SKIPPED for c in report.checks if c.id in REALITY_IDS):
        _store_cached(key, report)
    yield GradeFinished(report)


def _reality(report: Report, scenario: Scenario, workspace: Path, dockerfile: Dockerfile | None,
             cancel, connect) -> Iterator[Event]:
    """Build, inspect and start; append the results to the report."""
    from trainer.engine import build as build_mod
    from trainer.engine.client import EngineUnavailable
    from trainer.engine.client import connect as default_connect
    from trainer.engine.labels import Job
    from trainer.engine.reaper import reap, reap_stale

    def skip_rest(why: str) -> Iterator[Event]:
        for check_id, title in (("build", BUILD_TITLE), ("startup", STARTUP_TITLE)):
            yield report.add(_skipped(check_id, title, why))

    if dockerfile is None:
        yield from skip_rest("skipped: the Dockerfile cannot be parsed")
        return
    refusal = _refuse_before_build(dockerfile)
    if refusal:
        yield from _not_built(report, refusal[0], refusal[1], evidence(dockerfile, refusal[2]))
        return
    try:
        client = (connect or default_connect)()
    except EngineUnavailable as exc:
        yield from skip_rest(f"skipped: {exc.reason}. {exc.fix}")
        return
    reap_stale(client)  # what a crashed or killed earlier grade left behind
    job = Job.new()
    finished = False
    try:
        yield from _build_and_run(report, scenario, workspace, dockerfile, client, job, cancel, build_mod)
        finished = True
    finally:
        reap(client, job.value)
        if not finished:
            # An interrupted build may still be finishing its step on the daemon.
            time.sleep(1.0)
            reap(client, job.value)


def _refuse_before_build(dockerfile: Dockerfile):
    """Reasons not to send the build at all: (message, hint, instruction) or None."""
    from trainer.dockerfile import copy_sources

    for instruction in dockerfile.instructions:
        if instruction.keyword == "ADD":
            sources, _ = copy_sources(dockerfile, instruction)
            if any(s.startswith(("http://", "https://", "git@", "git://")) for s in sources):
                return ("Not built: ADD of a URL makes the Docker daemon itself fetch it, even with the build's "
                        "network off, so the trainer refuses it.",
                        "Download files in a build stage with a tool, or put them in the build context.",
                        instruction)
    if dockerfile.buildkit_features:
        instruction, feature = dockerfile.buildkit_features[0]
        return (f"Not built: line {instruction.start} uses {feature}, which needs BuildKit; the trainer builds "
                f"with the Docker SDK's legacy builder, which rejects it.",
                "Use plain COPY/RUN forms (no heredocs, --mount, --chmod or --link); the exam's checks do not "
                "need them.", instruction)
    return None


def _missing_bases(client, dockerfile: Dockerfile) -> list[str]:
    import docker

    missing = []
    for stage in dockerfile.stages:
        if stage.parent is not None or stage.base.lower() == "scratch":
            continue
        try:
            client.images.get(stage.base)
        except docker.errors.ImageNotFound:
            missing.append(stage.base)
        except docker.errors.APIError:
            pass
    return list(dict.fromkeys(missing))


def _build_and_run(report, scenario, workspace, dockerfile, client, job, cancel, build_mod) -> Iterator[Event]:
    from trainer.engine.inspect import inspect_image
    from trainer.engine.startup import run_startup

    yield StageStarted("build")
    missing = _missing_bases(client, dockerfile)
    if missing:
        yield from _not_built(report,
                              f"Not built: the base image{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
                              f"{'are' if len(missing) > 1 else 'is'} not available on this Docker engine, and "
                              f"without a registry it cannot be pulled.",
                              "Prepare the images first (scripts/prepare_images.py in the trainer's repository), "
                              "or use a base this scenario provides.")
        return
    source = dockerfile.source
    text = build_mod.inject_labels(source.lines, [s.from_instruction.end for s in dockerfile.stages])
    try:
        context = build_mod.make_context(workspace, text)
    except build_mod.ContextError as exc:
        yield from _not_built(report, f"Not built: {exc}", "Keep the scenario folder to regular files and folders.",
                              startup_why="no image")
        return
    tag = f"cks-trainer/{scenario.id}:{job.id}"
    outcome = None
    for item in build_mod.build(client, context, job.image_labels(), tag, BUILD_TIME_LIMIT, cancel):
        if isinstance(item, str):
            yield LogLine("build", item)
        else:
            outcome = item
    report.timings["build"] = outcome.seconds
    if not outcome.image_id:
        failing = _step_instruction(dockerfile, outcome.failed_step)
        where = f"line {failing.start} ({dockerfile.snippet(failing).strip()})" if failing else "the start"
        yield from _not_built(report, f"The build failed at {where}: {outcome.error}", build_hint(outcome.error),
                              evidence(dockerfile, failing), "the image did not build", outcome.log[-15:])
        return
    result = CheckResult("build", BUILD_TITLE, Status.PASS, f"Built in {outcome.seconds:.1f} s.")
    yield report.add(result)

    yield StageStarted("inspect")
    started = time.monotonic()
    facts = inspect_image(client, outcome.image_id, job.container_labels())
    report.timings["inspect"] = time.monotonic() - started
    starting_size = _starting_size(scenario, workspace, facts.size)
    report.image = facts.to_dict() | {"starting_size": starting_size}
    for image_result in image_checks(facts, starting_size):
        yield report.add(image_result)

    yield StageStarted("startup")
    if cancel is not None and cancel.is_set():
        yield report.add(_skipped("startup", STARTUP_TITLE, "skipped: cancelled"))
        return
    if facts.missing_interpreter:
        result = CheckResult("startup", STARTUP_TITLE, Status.FAIL,
                             f"Not started: {facts.program} is dynamically linked and needs {facts.interpreter}, "
                             f"which the image does not have, so it would fail with \"exec {facts.program}: no "
                             f"such file or directory\".",
                             "Build with CGO_ENABLED=0 for a static binary, or use a base with libc "
                             "(gcr.io/distroless/base or cc).")
        yield report.add(result)
        return
    if scenario.probe is None:
        yield report.add(_skipped("startup", STARTUP_TITLE, "skipped: the scenario has no probe"))
        return
    run = run_startup(client, outcome.image_id, facts.user, scenario.probe, job.container_labels(), scenario.writable,
                      program=facts.program)
    report.timings["startup"] = run.seconds
    result = CheckResult("startup", STARTUP_TITLE, Status.PASS if run.passed else Status.FAIL,
                         run.message, "" if run.passed else "Run the image yourself and read its first lines of output.")
    if not run.passed and run.logs.strip():
        result.advice = run.logs.strip().splitlines()[-10:]
    yield report.add(result)


def _step_instruction(dockerfile: Dockerfile, step_line: str):
    """The learner's instruction behind Docker's "Step N/M" (the injected LABEL steps skipped)."""
    import re

    match = re.match(r"Step (\d+)/", step_line or "")
    if not match:
        return None
    steps = []
    for instruction in dockerfile.instructions:
        if instruction.stage < 0:
            continue  # global ARGs are not build steps
        steps.append(instruction)
        if instruction.keyword == "FROM":
            steps.append(None)  # the job LABEL injected after it
    index = int(match.group(1)) - 1
    return steps[index] if 0 <= index < len(steps) else None


def build_hint(error: str) -> str:
    """A hint for the usual causes of a failed build."""
    lowered = error.lower()
    if "no such file or directory" in lowered and ("copy" in lowered or "stat" in lowered) or \
            "not found in build context" in lowered or "file not found" in lowered:
        return "A COPY source is not where the Dockerfile says: check the path against the scenario folder and " \
               "against where the build stage wrote its output."
    if "requires buildkit" in lowered or "unknown flag" in lowered:
        return "The legacy builder does not know this flag: use the plain form of the instruction."
    if "pull access denied" in lowered or "no such host" in lowered or "manifest" in lowered:
        return "A base image is not available offline: prepare the images (scripts/prepare_images.py)."
    if "returned a non-zero code" in lowered:
        return "A RUN command failed: read the lines above it in the log (a missing tool in the base image, " \
               "or a typo in the command)."
    return "Read the last lines of the build log above."


def image_checks(facts, starting_size: int | None = None) -> list[CheckResult]:
    """Checks on the built image's facts (reported, not scored)."""
    results = []

    def add(check_id: str, title: str, found: list[str], bad: str, good: str) -> None:
        if found:
            shown = ", ".join(found[:5]) + (" ..." if len(found) > 5 else "")
            results.append(CheckResult(check_id, title, Status.FAIL, f"{bad}: {shown}."))
        else:
            results.append(CheckResult(check_id, title, Status.PASS, good))

    add("image-shell", "No shell in the image", facts.shells, "The image contains a shell", "No shell found.")
    add("image-package-manager", "No package manager", facts.package_managers, "The image has a package manager",
        "No package manager found.")
    add("image-toolchain", "No compiler or toolchain", facts.toolchains, "The image has build tools",
        "No compiler or toolchain found.")
    add("image-sources", "No application sources", facts.sources, "The image contains source files",
        "No source files found.")
    add("image-setuid", "No setuid or setgid files", facts.setuid, "setuid/setgid files", "No setuid files.")
    message = f"{facts.size / 1e6:.1f} MB, {facts.file_count} entries"
    if starting_size and starting_size != facts.size:
        change = 100 * (1 - facts.size / starting_size)
        word = "smaller" if change > 0 else "larger"
        message += f"; the starting image was {starting_size / 1e6:.1f} MB, so this is {abs(change):.0f}% {word}"
    results.append(CheckResult("image-size", "Image size", Status.PASS, message + "."))
    return results


def _starting_size(scenario: Scenario, workspace: Path, size: int) -> int | None:
    """The size of the scenario's starting image, once it has been built; remembered when it is."""
    from platformdirs import user_cache_path

    path = user_cache_path("cks-trainer") / "starting-sizes.json"
    key = f"{scenario.pack_id}/{scenario.id}"
    try:
        sizes = json.loads(path.read_text())
    except (OSError, ValueError):
        sizes = {}
    try:
        is_starter = (workspace / scenario.file).read_bytes() == (scenario.root / scenario.file).read_bytes()
    except OSError:
        is_starter = False
    if is_starter and sizes.get(key) != size:
        sizes[key] = size
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.with_suffix(".tmp").write_text(json.dumps(sizes))
            path.with_suffix(".tmp").replace(path)
        except OSError:
            pass
    return sizes.get(key)


def _load_cached(key: str) -> Report | None:
    path = _cache_path(key)
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    report = Report(data.get("scenario", ""), image=data.get("image", {}), timings=data.get("timings", {}))
    from trainer.checks.result import Evidence

    for item in data.get("checks", []):
        report.checks.append(CheckResult(item["id"], item["title"], Status(item["status"]), item["message"],
                                         item.get("hint", ""), [Evidence(**e) for e in item.get("evidence", [])],
                                         item.get("advice", [])))
    return report


def _store_cached(key: str, report: Report) -> None:
    path = _cache_path(key)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        data = report.to_dict()
        for check in data["checks"]:
            check.pop("lines", None)
        tmp.write_text(json.dumps(data))
        tmp.replace(path)
    except OSError:
        pass
