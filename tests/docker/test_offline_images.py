"""The offline stand-ins really build and start the exam's reference answer, and the CGO trap fails."""

from __future__ import annotations

import socket
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

pytestmark = pytest.mark.docker

APP = Path(__file__).resolve().parents[2] / "scenarios" / "go-exam-staple"

EXAM_ANSWER = """\
FROM golang:1.22 AS build
WORKDIR /src
COPY . .
RUN CGO_ENABLED=0 go build -o /app/server .

FROM gcr.io/distroless/static:nonroot
COPY --from=build /app/server /app/server
USER nonroot:nonroot
ENTRYPOINT ["/app/server"]
"""

# The same app built with cgo left on (Go's default when gcc is present): the
# binary needs the glibc loader, which scratch does not have.
CGO_TRAP = """\
FROM golang:1.22 AS build
WORKDIR /src
COPY . .
RUN go build -o /app/server .

FROM scratch
COPY --from=build /app/server /app/server
USER 65532:65532
ENTRYPOINT ["/app/server"]
"""

LABEL = {"cks-trainer.test": "offline-images"}


def _build(client, dockerfile: str) -> str:
    from conftest import make_tar_context

    tag = f"cks-trainer-test/{uuid.uuid4().hex[:12]}"
    context = make_tar_context(dockerfile, {name: APP / name for name in ("go.mod", "main.go")})
    client.images.build(fileobj=context, custom_context=True, tag=tag, rm=True, forcerm=True,
                        labels=LABEL, pull=False)
    return tag


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def cleanup(docker_client):
    made: list = []
    yield made
    for item in made:
        try:
            item.remove(force=True) if hasattr(item, "remove") else docker_client.images.remove(item, force=True)
        except Exception:  # noqa: BLE001 - cleanup is best effort
            pass


def test_exam_reference_answer_builds_and_answers_http(docker_client, require_images, cleanup):
    require_images("golang:1.22", "gcr.io/distroless/static:nonroot")
    tag = _build(docker_client, EXAM_ANSWER)
    cleanup.append(tag)
    port = _free_port()
    container = docker_client.containers.run(tag, detach=True, ports={"8080/tcp": ("127.0.0.1", port)},
                                             labels=LABEL, cap_drop=["ALL"])
    cleanup.append(container)
    body = ""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as response:
                body = response.read().decode()
                break
        except OSError:
            time.sleep(0.2)
    assert body == "hello from cks-trainer uid=65532\n"
    assert docker_client.images.get(tag).attrs["Config"]["User"] == "nonroot:nonroot"


def test_cgo_binary_on_scratch_fails_to_start_with_the_exec_error(docker_client, require_images, cleanup):
    require_images("golang:1.22")
    tag = _build(docker_client, CGO_TRAP)
    cleanup.append(tag)
    container = docker_client.containers.run(tag, detach=True, labels=LABEL)
    cleanup.append(container)
    status = container.wait(timeout=30)
    logs = container.logs().decode()
    assert status["StatusCode"] == 1
    assert "exec /app/server: no such file or directory" in logs


def test_stand_ins_match_upstream_users_and_shells(docker_client, require_images):
    tags = ["gcr.io/distroless/static:nonroot", "gcr.io/distroless/static:latest",
            "gcr.io/distroless/static-debian12:debug", "gcr.io/distroless/base-debian12:debug-nonroot"]
    require_images(*tags)
    users = {tag: docker_client.images.get(tag).attrs["Config"]["User"] for tag in tags}
    assert users == {tags[0]: "65532", tags[1]: "0", tags[2]: "0", tags[3]: "65532"}
    labels = docker_client.images.get(tags[0]).attrs["Config"]["Labels"]
    assert labels.get("org.cks-trainer.standin", "true") == "true"  # a stand-in, or a real pulled image
    debug_entry = docker_client.images.get(tags[2]).attrs["Config"]["Entrypoint"]
    assert debug_entry == ["/busybox/sh"]
