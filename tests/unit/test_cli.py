"""What a user sees from `cks-trainer`: exit codes, the checklist, the JSON, clear errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIX = ROOT / "tests" / "unit" / "fixtures"


def cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "trainer", *args], capture_output=True, text=True, cwd=cwd)


def test_check_passing_file_exits_zero_with_a_checklist():
    proc = cli("check", str(FIX / "multistage" / "pass" / "exam-answer.Dockerfile"))
    assert proc.returncode == 0
    assert "4/4 checks pass" in proc.stdout and "PASS  non-root" in proc.stdout


def test_check_failing_file_exits_one_and_shows_lines_and_hints():
    proc = cli("check", str(ROOT / "scenarios" / "go-exam-staple" / "Dockerfile"))
    assert proc.returncode == 1
    assert "FAIL  multistage" in proc.stdout and "   1 | FROM golang:1.22" in proc.stdout
    assert "hint:" in proc.stdout


def test_check_json_schema():
    proc = cli("check", "--json", str(FIX / "non-root" / "fail" / "root-after-nonroot.Dockerfile"))
    data = json.loads(proc.stdout)
    assert proc.returncode == 1 and data["passed"] is False
    assert [c["id"] for c in data["checks"]] == ["multistage", "minimal-base", "copy-from-only", "non-root"]
    non_root = data["checks"][3]
    assert non_root["status"] == "fail" and non_root["lines"] == [[6, 6]]
    assert {"id", "status", "message", "lines", "hint"} <= set(non_root)


def test_unparsable_and_missing_files_exit_two_with_a_located_message(tmp_path):
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM scratch\nUSR root\n")
    proc = cli("check", str(bad))
    assert proc.returncode == 2 and f"{bad}:2: unknown instruction: USR" in proc.stderr
    assert "Traceback" not in proc.stderr
    proc = cli("check", str(tmp_path / "nope"))
    assert proc.returncode == 2 and "no such file" in proc.stderr
    proc = cli("check", str(tmp_path))
    assert proc.returncode == 2 and "is a directory" in proc.stderr


def test_no_arguments_lists_scenarios_and_version_and_help():
    proc = cli()
    assert proc.returncode == 0 and "go-exam-staple" in proc.stdout
    assert cli("--version").stdout.startswith("cks-trainer ")
    helptext = cli("--help").stdout
    for command in ("check", "grade", "list"):
        assert command in helptext


def test_list_json():
    data = json.loads(cli("list", "--json").stdout)
    assert {"id", "pack", "difficulty", "weight"} <= set(data[0])


def test_the_core_never_imports_textual():
    code = ("import sys, trainer.cli, trainer.grading, trainer.packs, trainer.report, trainer.engine.build, "
            "trainer.engine.inspect, trainer.engine.startup, trainer.engine.reaper; "
            "print('textual' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT).stdout.strip() == "False"
