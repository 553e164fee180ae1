"""The built-in pack validates green: every reference solution really builds and passes its start-up probe."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from trainer.packs import builtin_pack_root, load_pack

pytestmark = pytest.mark.docker
ROOT = Path(__file__).resolve().parents[2]


def test_builtin_pack_validates_with_real_builds_and_startups(docker_client, require_images):
    require_images("golang:1.22", "node:20", "python:3.11-slim", "gcr.io/distroless/static-debian12:nonroot",
                   "gcr.io/distroless/cc-debian12:nonroot", "gcr.io/distroless/nodejs20-debian12:nonroot",
                   "gcr.io/distroless/python3-debian12:nonroot")
    proc = subprocess.run([sys.executable, "-m", "trainer", "pack", "validate", str(builtin_pack_root())],
                          capture_output=True, text=True, cwd=ROOT, timeout=1800)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "All is well." in proc.stdout
    rows = [line for line in proc.stdout.splitlines() if line.rstrip().endswith("PASS")]
    assert len(rows) == len(load_pack(builtin_pack_root()).scenarios) >= 12
    assert all(" pass     pass " in row for row in rows)
