"""The whole grading pipeline against the real engine: verdicts, hardening, and nothing left behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from trainer.checks import Status
from trainer.engine.labels import JOB, Job
from trainer.engine.reaper import count_managed
from trainer.engine.startup import LOG_CAP, run_startup
from trainer.grading import GradeFinished, LogLine, grade
from trainer.packs import find_scenario, load_scenario
from trainer.probe import Probe

pytestmark = pytest.mark.docker
ROOT = Path(__file__).resolve().parents[2]


def run_grade(scenario, workspace):
    events = list(grade(scenario, workspace, use_cache=False))
    assert isinstance(events[-1], GradeFinished)
    report = events[-1].report
    return report, {c.id: c for c in report.checks}


def make_scenario(tmp_path: Path, dockerfile: str, probe: str, files: dict[str, str] | None = None):
    folder = tmp_path / "scenarios" / "t"
    tmp_path.mkdir(parents=True, exist_ok=True)
    folder.mkdir(parents=True)
    (folder / "scenario.yaml").write_text(f"id: t\ntitle: test\nstartup:\n{probe}")
    (folder / "task.md").write_text("test")
    (folder / "Dockerfile").write_text(dockerfile)
    for name, text in (files or {}).items():
        (folder / name).write_text(text)
    return load_scenario(folder, "test", tmp_path / "solutions"), folder


@pytest.fixture(autouse=True)
def nothing_left_behind(docker_client):
    before = count_managed(docker_client)
    yield
    assert count_managed(docker_client) == before


def test_reference_solution_gets_full_marks(require_images):
    require_images("golang:1.22", "gcr.io/distroless/static:nonroot")
    scenario = find_scenario("go-exam-staple")
    report, checks = run_grade(scenario, ROOT / "solutions" / "go-exam-staple")
    assert (report.score, report.max_score) == (6, 6)
    assert checks["startup"].message.startswith("GET / on port 8080 answered 200")
    assert checks["image-shell"].status is Status.PASS and report.image["user"] == "65532:65532"


def test_regrading_reuses_the_build_stage_layers(require_images):
    # The cache label is the same for every grade, so an unchanged build stage is not compiled again.
    require_images("golang:1.22", "gcr.io/distroless/static:nonroot")
    scenario = find_scenario("go-exam-staple")
    for _ in range(2):
        events = list(grade(scenario, ROOT / "solutions" / "go-exam-staple", use_cache=False))
    log = [e.text for e in events if isinstance(e, LogLine)]
    compile_step = next(i for i, line in enumerate(log) if "go build" in line)
    assert log[compile_step + 1].strip() == "---> Using cache"
    assert events[-1].report.full_marks


def test_starter_fails_every_exam_check_builds_and_is_refused_as_root(require_images):
    require_images("golang:1.22")
    scenario = find_scenario("go-exam-staple")
    report, checks = run_grade(scenario, scenario.root)
    assert [checks[i].status for i in ("multistage", "minimal-base", "copy-from-only", "non-root")] == \
        [Status.FAIL] * 4
    assert checks["build"].status is Status.PASS
    assert checks["startup"].status is Status.FAIL
    assert "kubelet refuses it" in checks["startup"].message
    # Building the starter records its size, so a later grade shows the before/after picture.
    _, solved = run_grade(scenario, ROOT / "solutions" / "go-exam-staple")
    assert f"the starting image was {report.image['size'] / 1e6:.1f} MB" in solved["image-size"].message
    assert "% smaller" in solved["image-size"].message
    assert "/usr/local/go/bin/go" in checks["image-toolchain"].message
    assert report.score == 1


def test_cgo_trap_is_diagnosed_before_anything_runs(tmp_path, require_images):
    require_images("golang:1.22")
    app = ROOT / "scenarios" / "go-exam-staple"
    dockerfile = ("FROM golang:1.22 AS build\nWORKDIR /src\nCOPY . .\nRUN go build -o /app/server .\n"
                  "FROM scratch\nCOPY --from=build /app/server /app/server\nUSER 65532:65532\n"
                  'ENTRYPOINT ["/app/server"]\n')
    scenario, folder = make_scenario(tmp_path, dockerfile, "  http: {port: 8080}\n",
                                     {n: (app / n).read_text() for n in ("go.mod", "main.go")})
    report, checks = run_grade(scenario, folder)
    assert all(checks[i].status is Status.PASS for i in ("multistage", "minimal-base", "copy-from-only",
                                                          "non-root", "build"))
    assert checks["startup"].status is Status.FAIL
    assert "dynamically linked" in checks["startup"].message
    assert "exec /app/server: no such file or directory" in checks["startup"].message


def test_build_failure_names_the_step_and_gives_a_hint(tmp_path, require_images):
    require_images("busybox:1.36")
    scenario, folder = make_scenario(tmp_path, "FROM busybox:1.36\nCOPY missing.txt /x\n",
                                     "  running: {seconds: 1}\n")
    _, checks = run_grade(scenario, folder)
    assert checks["build"].status is Status.FAIL
    assert "line 2 (COPY missing.txt /x)" in checks["build"].message
    assert checks["build"].evidence[0].start == 2
    assert "COPY source" in checks["build"].hint
    assert checks["startup"].status is Status.SKIPPED


def test_buildkit_only_syntax_is_a_clear_verdict_not_a_crash(tmp_path):
    scenario, folder = make_scenario(tmp_path, "FROM busybox:1.36\nRUN --mount=type=cache,target=/c true\n",
                                     "  running: {seconds: 1}\n")
    _, checks = run_grade(scenario, folder)
    assert checks["build"].status is Status.FAIL and "needs BuildKit" in checks["build"].message


def test_add_url_is_refused_before_building(tmp_path):
    scenario, folder = make_scenario(tmp_path, "FROM busybox:1.36\nADD http://127.0.0.1:9/x /x\n",
                                     "  running: {seconds: 1}\n")
    _, checks = run_grade(scenario, folder)
    assert checks["build"].status is Status.FAIL and "ADD of a URL" in checks["build"].message


def test_app_that_crashes_at_start_shows_its_exit_code_and_output(tmp_path, require_images):
    require_images("busybox:1.36")
    scenario, folder = make_scenario(
        tmp_path, 'FROM busybox:1.36\nUSER 65532\nCMD ["sh", "-c", "echo config missing >&2; exit 3"]\n',
        "  http: {port: 8080}\n")
    _, checks = run_grade(scenario, folder)
    assert checks["startup"].status is Status.FAIL
    assert "exited with code 3: config missing" in checks["startup"].message


@pytest.fixture
def busybox_image(docker_client, require_images, tar_context):
    require_images("busybox:1.36")
    labels = Job.new().container_labels()
    made = []

    def build(cmd: str) -> tuple[str, dict]:
        text = f'FROM busybox:1.36\nUSER 65532\nCMD ["sh", "-c", {cmd!r}]\n'.replace("'", '"')
        image, _ = docker_client.images.build(fileobj=tar_context(text), custom_context=True, labels=labels,
                                              rm=True, forcerm=True)
        made.append(image.id)
        return image.id, labels

    yield build
    for image_id in made:
        docker_client.images.remove(image_id, force=True)


def test_hanging_app_is_killed_at_the_deadline(docker_client, busybox_image):
    image, labels = busybox_image("sleep 1000")
    started = time.monotonic()
    outcome = run_startup(docker_client, image, "65532", Probe("exit", code=0), labels, deadline=3)
    assert not outcome.passed and "expected to exit" in outcome.message
    assert time.monotonic() - started < 15
    assert not docker_client.containers.list(all=True, filters={"label": f"{JOB}={labels[JOB]}"})


def test_fork_bomb_is_bounded_by_the_process_limit(docker_client, busybox_image):
    image, labels = busybox_image("i=0; while [ $i -lt 400 ]; do sleep 20 & i=$((i+1)); done; echo spawned")
    outcome = run_startup(docker_client, image, "65532", Probe("exit", code=0, output="spawned"), labels,
                          deadline=15)
    assert "can't fork" in outcome.logs or "Resource temporarily unavailable" in outcome.logs


def test_memory_hog_is_oom_killed(docker_client, busybox_image):
    image, labels = busybox_image("head -c 600m /dev/zero | tail")
    outcome = run_startup(docker_client, image, "65532", Probe("exit", code=0), labels, deadline=30)
    assert not outcome.passed and outcome.oom_killed
    assert "OOMKilled" in outcome.message


def test_log_flood_is_capped(docker_client, busybox_image):
    image, labels = busybox_image("yes flooding-the-log")
    outcome = run_startup(docker_client, image, "65532", Probe("running", seconds=2), labels)
    assert outcome.passed
    # Seconds of `yes` write megabytes; the trainer shows a bounded tail of it.
    assert 0 < len(outcome.logs) <= LOG_CAP + 100
    assert set(outcome.logs.split()) == {"flooding-the-log"}


def _grade_in_subprocess(tmp_path, dockerfile: str, probe: str, wait_for: str):
    """Start `cks-trainer grade` on a scratch pack; return the process once `wait_for` was printed."""
    pack = tmp_path / "pack"
    _, folder = make_scenario(pack, dockerfile, probe)
    (pack / "pack.yaml").write_text("id: subproc\ntitle: subprocess grading\n")
    home = tmp_path / "home"
    (home / "packs").mkdir(parents=True)
    (home / "packs" / "subproc").symlink_to(pack)
    env = {**os.environ, "CKS_TRAINER_HOME": str(home), "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "trainer", "grade", "subproc/t", "--workspace", str(folder),
                             "--no-cache"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
                            cwd=ROOT)
    output = []
    for line in proc.stdout:
        output.append(line)
        if wait_for in line:
            break
    time.sleep(1.5)
    return proc, output


def _interrupt_grade(tmp_path, dockerfile: str, probe: str, wait_for: str) -> str:
    proc, output = _grade_in_subprocess(tmp_path, dockerfile, probe, wait_for)
    proc.send_signal(signal.SIGINT)
    rest, _ = proc.communicate(timeout=30)
    assert proc.returncode == 130, "".join(output) + rest
    return "".join(output) + rest


def test_ctrl_c_during_the_build_leaves_nothing(tmp_path, docker_client, require_images):
    require_images("busybox:1.36")
    text = _interrupt_grade(tmp_path, "FROM busybox:1.36\nRUN echo start && sleep 60\nUSER 65532\n",
                            "  running: {seconds: 1}\n", "echo start")
    assert "interrupted" in text


def test_ctrl_c_during_start_up_leaves_nothing(tmp_path, docker_client, require_images):
    require_images("busybox:1.36")
    text = _interrupt_grade(tmp_path, 'FROM busybox:1.36\nUSER 65532\nCMD ["sleep", "600"]\n',
                            "  running: {seconds: 30}\n", "-- startup")
    assert "interrupted" in text


def test_a_killed_grade_is_cleaned_up_by_the_next_one(tmp_path, docker_client, require_images):
    # kill -9 runs no cleanup at all; the next grade's reaper finds the dead owner's objects.
    require_images("busybox:1.36")
    proc, output = _grade_in_subprocess(tmp_path, 'FROM busybox:1.36\nUSER 65532\nCMD ["sleep", "600"]\n',
                                        "  running: {seconds: 60}\n", "-- startup")
    proc.kill()
    proc.wait()
    assert count_managed(docker_client)["containers"] >= 1, "".join(output)
    quick, _ = make_scenario(tmp_path / "next", "FROM busybox:1.36\nUSER 65532\n", "  running: {seconds: 1}\n")
    run_grade(quick, tmp_path / "next" / "scenarios" / "t")
    # The autouse fixture asserts that nothing labelled is left.
