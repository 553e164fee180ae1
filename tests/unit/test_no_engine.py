"""Without a reachable engine the exam checks still run; build and start-up say skipped, why, and the fix."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_grade_without_an_engine_skips_build_and_startup_with_the_fix(tmp_path):
    env = {**os.environ, "DOCKER_HOST": f"unix://{tmp_path}/no-engine.sock", "CKS_TRAINER_HOME": str(tmp_path),
           "XDG_CACHE_HOME": str(tmp_path / "cache")}
    proc = subprocess.run([sys.executable, "-m", "trainer", "grade", "go-exam-staple", "--json", "--no-cache",
                           "--workspace", str(ROOT / "solutions" / "go-exam-staple")],
                          capture_output=True, text=True, env=env, cwd=ROOT)
    report = json.loads(proc.stdout)
    checks = {c["id"]: c for c in report["checks"]}
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert [checks[i]["status"] for i in ("multistage", "minimal-base", "copy-from-only", "non-root")] == ["pass"] * 4
    for check_id in ("build", "startup"):
        assert checks[check_id]["status"] == "skipped"
        assert "no Docker Engine answers" in checks[check_id]["message"]
        assert "Start Docker" in checks[check_id]["message"]
    assert (report["score"], report["max_score"]) == (4, 6)
