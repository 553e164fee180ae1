"""The `cks-trainer` command: argument handling and printing only; the work is in the core."""

from __future__ import annotations

import argparse
import json
import sys

from trainer import __version__
from trainer.checks import EXAM_CHECK_IDS, failed_parse_results, run_exam_checks
from trainer.dockerfile import DockerfileError, parse_file
from trainer.render import render_checklist, use_colour

EXIT_OK, EXIT_FAIL, EXIT_BAD_INPUT = 0, 1, 2


def _cmd_check(args: argparse.Namespace) -> int:
    try:
        dockerfile = parse_file(args.path, dict(args.build_arg))
    except DockerfileError as exc:
        if args.json:
            results = failed_parse_results(exc.message, exc.line, str(args.path))
            print(json.dumps({"path": str(args.path), "error": {"message": exc.message, "line": exc.line},
                              "passed": False, "checks": [r.to_dict() for r in results]}, indent=2))
        else:
            print(f"cks-trainer: {exc.located(str(args.path))}", file=sys.stderr)
            if exc.hint:
                print(f"  hint: {exc.hint}", file=sys.stderr)
        return EXIT_BAD_INPUT
    results = run_exam_checks(dockerfile)
    passed = all(r.passed for r in results)
    if args.json:
        print(json.dumps({"path": str(args.path), "passed": passed, "checks": [r.to_dict() for r in results],
                          "buildkit_features": [f for _, f in dockerfile.buildkit_features]}, indent=2))
    else:
        print(render_checklist(f"Exam checks for {args.path}", results, use_colour()))
        for instruction, feature in dockerfile.buildkit_features:
            print(f"  note: line {instruction.start} uses {feature}, which needs BuildKit; "
                  f"the trainer's builder (the SDK's legacy builder) cannot build it.")
    return EXIT_OK if passed else EXIT_FAIL


def _cmd_list(args: argparse.Namespace) -> int:
    from trainer.packs import PackError, installed_scenarios

    try:
        scenarios = installed_scenarios()
    except PackError as exc:
        print(f"cks-trainer: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if getattr(args, "json", False):
        print(json.dumps([s.summary() for s in scenarios], indent=2))
        return EXIT_OK
    if not scenarios:
        print("No scenarios installed.")
        return EXIT_OK
    width = max(len(s.id) for s in scenarios)
    print(f"{'SCENARIO':<{width}}  {'PACK':<10} {'LEVEL':<8} {'WEIGHT':>6}  TITLE")
    for s in scenarios:
        print(f"{s.id:<{width}}  {s.pack_id:<10} {s.difficulty:<8} {s.weight:>6}  {s.title}")
    print(f"\n{len(scenarios)} scenarios. Grade one with: cks-trainer grade SCENARIO")
    return EXIT_OK


def _cmd_grade(args: argparse.Namespace) -> int:
    import threading
    from pathlib import Path

    from trainer.grading import CheckFinished, GradeFinished, LogLine, StageStarted, grade
    from trainer.packs import PackError, find_scenario
    from trainer.render import mark, render_result
    from trainer.report import to_json, to_junit
    from trainer.workspace import ensure_workspace

    try:
        scenario = find_scenario(args.scenario)
    except PackError as exc:
        print(f"cks-trainer: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    workspace = Path(args.workspace) if args.workspace else ensure_workspace(scenario)
    if not (workspace / scenario.file).is_file():
        print(f"cks-trainer: {workspace / scenario.file}: no such file", file=sys.stderr)
        return EXIT_BAD_INPUT
    colour = use_colour() and not args.json
    live = not args.json
    if live:
        print(f"Grading {scenario.id} ({workspace / scenario.file})")
    cancel = threading.Event()
    report = None
    events = grade(scenario, workspace, cancel, use_cache=not args.no_cache)
    try:
        for event in events:
            if isinstance(event, StageStarted) and live and event.stage != "checks":
                print(f"-- {event.stage}")
            elif isinstance(event, LogLine) and live and not args.quiet:
                print(f"   | {event.text}")
            elif isinstance(event, CheckFinished) and live:
                print("\n".join(render_result(event.result, colour)))
            elif isinstance(event, GradeFinished):
                report = event.report
    except KeyboardInterrupt:
        cancel.set()
        events.close()  # runs the pipeline's cleanup: kill the step, remove the job's objects
        print("cks-trainer: interrupted; the trainer's containers and images were removed", file=sys.stderr)
        return 130
    if args.junit:
        Path(args.junit).write_text(to_junit(report), encoding="utf-8")
    if args.json:
        print(to_json(report))
    else:
        cached = " (unchanged attempt: cached report)" if report.cached else ""
        verdict = "full marks" if report.full_marks else "not yet full marks"
        print(f"Score {report.score}/{report.max_score}: {verdict}{cached}")
    return EXIT_OK if report.full_marks else EXIT_FAIL


def _cmd_clean(args: argparse.Namespace) -> int:
    from trainer.engine.client import EngineUnavailable, connect
    from trainer.engine.reaper import clean_cache, reap

    try:
        client = connect()
    except EngineUnavailable as exc:
        print(f"cks-trainer: {exc}", file=sys.stderr)
        return EXIT_FAIL
    jobs = reap(client)
    layers = clean_cache(client)
    print(f"Removed {jobs['containers']} containers, {jobs['images']} images of grading jobs, "
          f"and {layers} build-cache layers.")
    return EXIT_OK


def _progress(done: int, total: int, current: str) -> None:
    """A progress bar on a terminal; one line per scenario otherwise (logs, CI)."""
    if sys.stderr.isatty():
        width = 24
        filled = width * done // max(total, 1)
        end = "\n" if done == total else ""
        print(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {current:<30}", end=end,
              file=sys.stderr, flush=True)
    elif current:
        print(f"[{done + 1}/{total}] {current}", file=sys.stderr, flush=True)


def _cmd_pack_validate(args: argparse.Namespace) -> int:
    from pathlib import Path

    from trainer.pack_validate import validate_pack

    verdict = validate_pack(Path(args.path), static_only=args.static_only, progress=_progress)
    if verdict.error:
        print(f"cks-trainer: {verdict.error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.json:
        print(json.dumps({"pack": verdict.pack.id, "ok": verdict.ok, "problems": verdict.problems,
                          "base_images": verdict.base_images,
                          "scenarios": [vars(s) | {"ok": s.ok} for s in verdict.scenarios]}, indent=2))
        return EXIT_OK if verdict.ok else EXIT_FAIL
    colour = use_colour()
    width = max([len(s.id) for s in verdict.scenarios] + [8])
    starter_width = max([len(s.starter) for s in verdict.scenarios] + [7])
    print(f"\nPack {verdict.pack.id} ({verdict.pack.title}), {len(verdict.scenarios)} scenarios")
    print(f"  {'SCENARIO':<{width}}  {'STARTER':<{starter_width}} {'SOLUTION':<16} {'BUILD':<8} {'STARTUP':<8}")
    from trainer.checks import Status
    from trainer.render import mark

    for s in verdict.scenarios:
        status = mark(Status.PASS if s.ok else Status.FAIL, colour)
        print(f"  {s.id:<{width}}  {s.starter:<{starter_width}} {s.solution:<16} {s.build:<8} {s.startup:<8} {status}")
        for problem in s.problems:
            print(f"  {'':<{width}}  - {problem}")
    for problem in verdict.problems:
        print(f"  - {problem}")
    print("\nBase images this pack needs (prepare them before an exam):")
    for image in verdict.base_images:
        print(f"  {image}")
    bad = sum(not s.ok for s in verdict.scenarios) + len(verdict.problems)
    print(f"\n{'All is well.' if verdict.ok else f'{bad} problem(s) to fix.'}"
          f"{' (static checks only: nothing was built)' if args.static_only else ''}")
    return EXIT_OK if verdict.ok else EXIT_FAIL


def _cmd_pack_add(args: argparse.Namespace) -> int:
    from pathlib import Path

    from trainer.pack_install import add_pack
    from trainer.packs import PackError

    try:
        pack = add_pack(Path(args.source), replace=args.replace)
    except PackError as exc:
        print(f"cks-trainer: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(f"Installed pack {pack.id} ({pack.title}, version {pack.version}) with {len(pack.scenarios)} scenarios.")
    print(f"Check it with: cks-trainer pack validate {pack.root}")
    return EXIT_OK


def _cmd_pack_list(args: argparse.Namespace) -> int:
    from trainer.pack_install import list_packs
    from trainer.packs import PackError, builtin_pack_root, load_pack

    try:
        packs = [load_pack(builtin_pack_root()), *list_packs()]
    except PackError as exc:
        print(f"cks-trainer: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    for pack in packs:
        print(f"{pack.id:<16} {pack.version:<8} {len(pack.scenarios):>3} scenarios  {pack.title}  ({pack.root})")
    return EXIT_OK


def _cmd_pack_remove(args: argparse.Namespace) -> int:
    from trainer.pack_install import remove_pack
    from trainer.packs import PackError

    try:
        removed = remove_pack(args.id)
    except PackError as exc:
        print(f"cks-trainer: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(f"Removed pack {args.id} ({removed}).")
    return EXIT_OK


def _build_arg(text: str) -> tuple[str, str]:
    name, eq, value = text.partition("=")
    if not eq or not name:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    return name, value


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, with one sub-parser per subcommand."""
    parser = argparse.ArgumentParser(
        prog="cks-trainer",
        description="Practise the CKS Supply Chain Security Dockerfile tasks. "
                    "With no subcommand, lists the installed scenarios.")
    parser.add_argument("--version", action="version", version=f"cks-trainer {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    check = sub.add_parser("check", help="run the four exam checks on a Dockerfile (no Docker needed)",
                           description=f"Run the exam checks ({', '.join(EXAM_CHECK_IDS)}) on a Dockerfile. "
                                       "Exit 0 when all pass, 1 when any fails, 2 when the file cannot be "
                                       "read or parsed.")
    check.add_argument("path", help="the Dockerfile")
    check.add_argument("--json", action="store_true", help="print one JSON object (schema: docs/check-json.md)")
    check.add_argument("--build-arg", action="append", default=[], type=_build_arg, metavar="NAME=VALUE",
                       help="a build argument, as docker build --build-arg")
    check.set_defaults(func=_cmd_check)

    grade_cmd = sub.add_parser("grade", help="grade an attempt: exam checks, real build, start-up test",
                               description="Grade a scenario attempt end to end. Exit 0 only on full marks.")
    grade_cmd.add_argument("scenario", help="scenario id (see cks-trainer list)")
    grade_cmd.add_argument("--workspace", metavar="DIR",
                           help="folder with the attempt (default: your workspace for the scenario)")
    grade_cmd.add_argument("--json", action="store_true", help="print the JSON report")
    grade_cmd.add_argument("--junit", metavar="FILE", help="also write a JUnit XML report")
    grade_cmd.add_argument("--quiet", action="store_true", help="do not stream the build log")
    grade_cmd.add_argument("--no-cache", action="store_true", help="grade again even if nothing changed")
    grade_cmd.set_defaults(func=_cmd_grade)

    clean = sub.add_parser("clean", help="remove everything the trainer keeps on the Docker engine",
                           description="Remove every container and image of grading jobs, and the trainer's build "
                                       "cache (layers it keeps so regrading is fast). Base images stay.")
    clean.set_defaults(func=_cmd_clean)

    pack = sub.add_parser("pack", help="validate, install, list and remove scenario packs")
    pack_sub = pack.add_subparsers(dest="pack_command", metavar="ACTION", required=True)
    validate = pack_sub.add_parser("validate", help="check a pack: starters fail, solutions pass, build and start",
                                   description="Validate a pack folder. Exit 0 only when all is well.")
    validate.add_argument("path", help="the pack folder (the one holding pack.yaml)")
    validate.add_argument("--static-only", action="store_true", help="skip the builds and start-ups")
    validate.add_argument("--json", action="store_true", help="print the verdict as JSON")
    validate.set_defaults(func=_cmd_pack_validate)
    add = pack_sub.add_parser("add", help="install a pack from a folder or a .tar/.tar.gz")
    add.add_argument("source", help="pack folder or tarball")
    add.add_argument("--replace", action="store_true", help="replace an installed pack with the same id")
    add.set_defaults(func=_cmd_pack_add)
    pack_sub.add_parser("list", help="list the built-in and installed packs").set_defaults(func=_cmd_pack_list)
    remove = pack_sub.add_parser("remove", help="remove an installed pack")
    remove.add_argument("id", help="the pack id (see cks-trainer pack list)")
    remove.set_defaults(func=_cmd_pack_remove)

    listing = sub.add_parser("list", help="list the installed scenarios")
    listing.add_argument("--json", action="store_true", help="print a JSON list")
    listing.set_defaults(func=_cmd_list)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of `cks-trainer` and `python -m trainer`."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        return _cmd_list(args)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print("cks-trainer: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
