"""Packs: the built-in pack, the published schemas, and malformed or hostile packs with located errors."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator

from trainer.pack_validate import validate_pack
from trainer.packs import PackError, builtin_pack_root, load_pack

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ROOT / "docs" / "schemas"
GOOD_SCENARIO = """id: demo
title: Demo
difficulty: easy
weight: 2
startup:
  running: {seconds: 1}
hints:
  - Look at the final FROM.
"""


def validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(json.loads((SCHEMAS / name).read_text()))


def test_builtin_pack_has_twelve_varied_scenarios_valid_against_the_schemas():
    pack = load_pack(builtin_pack_root())
    assert len(pack.scenarios) >= 12
    assert {s.difficulty for s in pack.scenarios} == {"easy", "medium", "hard"}
    assert not list(validator("pack.schema.json").iter_errors(yaml.safe_load((ROOT / "pack.yaml").read_text())))
    for scenario in pack.scenarios:
        data = yaml.safe_load((scenario.root / "scenario.yaml").read_text())
        assert not list(validator("scenario.schema.json").iter_errors(data)), scenario.id
        assert (scenario.solution_root / "Dockerfile").is_file() and (scenario.solution_root / "why.md").is_file()


def test_builtin_pack_passes_static_validation():
    verdict = validate_pack(builtin_pack_root(), static_only=True)
    assert verdict.ok, [p for s in verdict.scenarios for p in s.problems] + verdict.problems
    assert "golang:1.22" in verdict.base_images and "gcr.io/distroless/static-debian12:nonroot" in verdict.base_images


@pytest.fixture
def pack(tmp_path: Path) -> Path:
    root = tmp_path / "pack"
    (root / "scenarios" / "demo").mkdir(parents=True)
    (root / "solutions" / "demo").mkdir(parents=True)
    (root / "pack.yaml").write_text("id: demo-pack\ntitle: Demo pack\n")
    (root / "scenarios" / "demo" / "scenario.yaml").write_text(GOOD_SCENARIO)
    (root / "scenarios" / "demo" / "task.md").write_text("Fix it.")
    (root / "scenarios" / "demo" / "Dockerfile").write_text("FROM busybox:1.36\nCMD [\"true\"]\n")
    (root / "solutions" / "demo" / "Dockerfile").write_text(
        "FROM busybox:1.36 AS build\nRUN echo hi > /hi\nFROM scratch\nCOPY --from=build /hi /hi\nUSER 65532\n")
    return root


def test_a_good_pack_loads(pack):
    assert [s.id for s in load_pack(pack).scenarios] == ["demo"]


def _scenario_yaml(pack: Path) -> Path:
    return pack / "scenarios" / "demo" / "scenario.yaml"


HOSTILE_YAML = {
    "bad yaml": ("id: demo\ntitle: [unclosed\n", "invalid YAML", 3),
    "alias bomb": ("a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b]\n",
                   "anchors and aliases", 1),
    "deep nesting": ("id: " + "[" * 200 + "]" * 200 + "\n", "nesting deeper", 1),
    "python tag": ("id: !!python/object/apply:os.system [echo pwned]\ntitle: x\n", "tags", 1),
    "wrong type": (GOOD_SCENARIO.replace("weight: 2", "weight: two"), "[weight]: must be int, not str", 4),
    "missing title": (GOOD_SCENARIO.replace("title: Demo\n", ""), "[title]: is required", None),
    "unknown field": (GOOD_SCENARIO + "hint: typo\n", "[hint]: is not a field of this file (did you mean 'hints'?)", 9),
    "traversal": (GOOD_SCENARIO + "file: ../../../etc/passwd\n", "[file]: '../../../etc/passwd' must be a relative path", 9),
    "absolute path": (GOOD_SCENARIO + "file: /etc/passwd\n", "must be a relative path", 9),
    "id mismatch": (GOOD_SCENARIO.replace("id: demo", "id: other"), "must match the folder name", 1),
    "bad probe": (GOOD_SCENARIO.replace("running: {seconds: 1}", "http: {port: 99999}"), "[startup.http.port]", 6),
    "two probes": (GOOD_SCENARIO.replace("running: {seconds: 1}", "running: {}\n  exit: {}"), "exactly one", 5),
    "unknown check": (GOOD_SCENARIO + "checks:\n  apply: [non-rot]\n", "[checks.apply]: 'non-rot' is not an exam check", 10),
    "not a mapping": ("- just\n- a list\n", "must be a mapping", 1),
    "not utf-8": (b"id: \xff\xfe\n", "not UTF-8", 1),
}


@pytest.mark.parametrize("case", sorted(HOSTILE_YAML))
def test_malformed_and_hostile_scenario_files_get_a_located_error(pack, case):
    text, message, line = HOSTILE_YAML[case]
    path = _scenario_yaml(pack)
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    with pytest.raises(PackError) as err:
        load_pack(pack)
    assert message in str(err.value)
    assert str(path) in str(err.value)
    if line is not None:
        assert err.value.line == line


def test_huge_files_are_refused(pack):
    (pack / "scenarios" / "demo" / "task.md").write_text("x" * (300 * 1024))
    with pytest.raises(PackError, match="task.md: is 300 KiB"):
        load_pack(pack)


def test_links_anywhere_in_the_pack_are_refused(pack, tmp_path):
    (tmp_path / "secret").write_text("host file")
    (pack / "scenarios" / "demo" / "main.go").symlink_to(tmp_path / "secret")
    with pytest.raises(PackError, match="main.go: is a symbolic link"):
        load_pack(pack)


def test_missing_files_and_folders(pack):
    (pack / "scenarios" / "demo" / "task.md").unlink()
    with pytest.raises(PackError, match="task.md: is missing"):
        load_pack(pack)
    (pack / "pack.yaml").unlink()
    with pytest.raises(PackError, match="pack.yaml: file is missing"):
        load_pack(pack)


def test_a_pack_for_a_newer_trainer_is_refused(pack):
    (pack / "pack.yaml").write_text("id: demo-pack\ntitle: Demo\nmin_trainer_version: '99.0'\n")
    with pytest.raises(PackError, match=r"needs cks-trainer 99.0"):
        load_pack(pack)


def test_static_validation_finds_each_authoring_mistake(pack):
    _scenario_yaml(pack).write_text(GOOD_SCENARIO + "  - Write COPY --from=build /hi /hi in the final stage.\n")
    (pack / "pack.yaml").write_text("id: demo-pack\ntitle: Demo\nexam_presets:\n"
                                    "  - {name: quick, scenarios: {demo: 60, nope: 30}}\n")
    verdict = validate_pack(pack, static_only=True)
    problems = verdict.scenarios[0].problems + verdict.problems
    assert "a hint gives away the solution line 'COPY --from=build /hi /hi'" in problems
    assert "exam preset 'quick' names 'nope', which is not a scenario of this pack" in problems
    assert "exam preset 'quick': the weights add up to 90, not 100" in problems
    assert not verdict.ok


def test_a_starter_that_already_passes_is_reported(pack):
    solution = pack / "solutions" / "demo" / "Dockerfile"
    (pack / "scenarios" / "demo" / "Dockerfile").write_text(solution.read_text())
    verdict = validate_pack(pack, static_only=True)
    assert verdict.scenarios[0].problems == ["the starting Dockerfile already passes all four exam checks: "
                                             "nothing to fix"]


def test_checks_apply_limits_what_is_graded(pack):
    _scenario_yaml(pack).write_text(GOOD_SCENARIO + "checks:\n  apply: [non-root]\n")
    (pack / "solutions" / "demo" / "Dockerfile").write_text("FROM busybox:1.36\nUSER 65532\n")
    verdict = validate_pack(pack, static_only=True)
    assert verdict.ok and verdict.scenarios[0].starter == "fails non-root"


def test_a_failing_reference_solution_is_reported(pack):
    (pack / "solutions" / "demo" / "Dockerfile").write_text("FROM busybox:1.36\nUSER root\n")
    verdict = validate_pack(pack, static_only=True)
    assert any(p.startswith("the reference solution fails multistage") for p in verdict.scenarios[0].problems)


def test_pack_validate_cli_exit_codes_and_no_traceback(pack):
    def run(*args):
        return subprocess.run([sys.executable, "-m", "trainer", "pack", "validate", *args], capture_output=True,
                              text=True, cwd=ROOT)

    ok = run(str(pack), "--static-only")
    assert ok.returncode == 0 and "All is well." in ok.stdout and "busybox:1.36" in ok.stdout
    _scenario_yaml(pack).write_text("id: demo\ntitle: [\n")
    broken = run(str(pack), "--static-only")
    assert broken.returncode == 2 and "scenario.yaml:3" in broken.stderr and "Traceback" not in broken.stderr
    shutil.rmtree(pack / "solutions")
    _scenario_yaml(pack).write_text(GOOD_SCENARIO)
    missing = run(str(pack), "--static-only")
    assert missing.returncode == 1 and "no reference solution" in missing.stdout
