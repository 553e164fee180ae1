"""Benchmark: the trainer's whole grade against a plain `docker build` + `docker run`, and inspection cost.

From one run: (1) the trainer grading the reference solution of go-exam-staple,
cold (no report cache) and when unchanged (cached report); (2) the same files
through `docker build` (warm layer cache) and `docker run` until HTTP answers;
(3) the cost of the image inspection for a small image and a large
single-stage golang image. Prints ratios. Needs the engine and base images.

    python bench/bench_grade.py
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from trainer.engine.client import connect  # noqa: E402
from trainer.engine.inspect import inspect_image  # noqa: E402
from trainer.engine.labels import Job  # noqa: E402
from trainer.grading import GradeFinished, grade  # noqa: E402
from trainer.packs import find_scenario  # noqa: E402

SOLUTION = ROOT / "solutions" / "go-exam-staple"
STARTER = ROOT / "scenarios" / "go-exam-staple"


def timed(fn):
    started = time.perf_counter()
    value = fn()
    return time.perf_counter() - started, value


def trainer_grade(use_cache: bool):
    scenario = find_scenario("go-exam-staple")
    events = list(grade(scenario, SOLUTION, use_cache=use_cache))
    assert isinstance(events[-1], GradeFinished) and events[-1].report.full_marks
    return events[-1].report


def plain_docker(tag: str) -> None:
    subprocess.run(["docker", "build", "-q", "-t", tag, str(SOLUTION)], check=True, capture_output=True,
                   env={"DOCKER_BUILDKIT": "0", "PATH": "/usr/bin:/bin:/usr/local/bin"})
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    cid = subprocess.run(["docker", "run", "-d", "-p", f"127.0.0.1:{port}:8080", tag], check=True,
                         capture_output=True, text=True).stdout.strip()
    try:
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1).read()
                return
            except OSError:
                time.sleep(0.05)
    finally:
        subprocess.run(["docker", "rm", "-f", cid], capture_output=True)


def main() -> int:
    client = connect()
    plain_docker("cks-bench/plain")  # warm the plain build's cache
    plain, _ = timed(lambda: plain_docker("cks-bench/plain"))
    cold, report = timed(lambda: trainer_grade(use_cache=False))
    cached, _ = timed(lambda: trainer_grade(use_cache=True))
    print(f"plain docker build (warm) + run to first HTTP 200: {plain:.2f} s")
    print(f"trainer grade, not cached (checks, build, inspect, start-up): {cold:.2f} s "
          f"(build {report.timings.get('build', 0):.1f} s, inspect {report.timings.get('inspect', 0):.2f} s, "
          f"start-up {report.timings.get('startup', 0):.2f} s)")
    print(f"trainer grade, unchanged attempt (cached report): {cached * 1e3:.1f} ms")
    print(f"ratio trainer (not cached) / plain docker (warm): {cold / plain:.1f}x")
    print(f"ratio trainer (cached) / plain docker (warm): {cached / plain:.3f}x")
    for name, context in (("small (distroless, solution)", SOLUTION), ("large (single-stage golang)", STARTER)):
        tag = f"cks-bench/{'small' if context == SOLUTION else 'large'}"
        subprocess.run(["docker", "build", "-q", "-t", tag, str(context)], check=True, capture_output=True,
                       env={"DOCKER_BUILDKIT": "0", "PATH": "/usr/bin:/bin:/usr/local/bin"})
        seconds, facts = timed(lambda: inspect_image(client, tag, Job.new().container_labels()))
        print(f"inspection of {name}: {seconds:.2f} s for {facts.file_count} entries, {facts.size / 1e6:.0f} MB")
    subprocess.run(["docker", "rmi", "-f", "cks-bench/plain", "cks-bench/small", "cks-bench/large"],
                   capture_output=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
