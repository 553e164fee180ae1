"""Docker settles what the model says: each tricky case is built with the real engine.

For every case the model's effective user (and base) must equal what the
engine writes into the image's Config; for files the model refuses, the
engine must refuse them too.
"""

from __future__ import annotations

import uuid

import docker
import pytest

from trainer.dockerfile import DockerfileError, parse

pytestmark = pytest.mark.docker
LABELS = {"cks-trainer.test": "semantics"}

CASES = {
    "continued-last-line-no-newline": b"FROM scratch\nUSER 65532 \\",
    "blank-line-in-continuation": b"FROM scratch\nUSER \\\n\nroot\n",
    "bom-two-stages": "\ufeffFROM scratch AS a\nUSER 65532\nFROM a\nLABEL x=1\n".encode(),
    "onbuild-user": b"FROM scratch\nUSER 65532\nONBUILD USER root\n",
    "json-user": b'FROM scratch\nUSER ["root"]\n',
    "escape-after-comment-ignored": b"# comment\n# escape=`\nFROM scratch\nWORKDIR /srv\\\nUSER root\n",
    "escape-at-top": b"# escape=`\nFROM scratch\nWORKDIR /srv\\\nUSER root\n",
    "global-arg-not-redeclared": b"ARG UID=65532\nFROM scratch\nUSER ${UID}\n",
    "stage-arg": b"FROM scratch\nARG UID=65532\nUSER ${UID}:${UID}\n",
    "zero-padded": b"FROM scratch\nUSER 000\n",
    "inherited-from-stage": b"FROM scratch AS base\nUSER 65532\nFROM base\nLABEL x=1\n",
    "nonroot-base-default": b"FROM gcr.io/distroless/static:nonroot\nLABEL x=1\n",
    "root-distroless-default": b"FROM gcr.io/distroless/static\nLABEL x=1\n",
    "mixed-arg-forms": b"FROM scratch\nARG A=1 B\nUSER $A\n",
    "arg-from-arg-base": b"ARG REG=gcr.io\nARG BASE=${REG}/distroless/static:nonroot\nFROM ${BASE}\nLABEL x=1\n",
    "colon-dash-default": b"ARG BASE\nFROM ${BASE:-gcr.io/distroless/static:nonroot}\nLABEL x=1\n",
    "stage-shadows-image": b"FROM busybox:1.36 AS distroless\nUSER 1234\nFROM distroless\nLABEL x=1\n",
    "case-insensitive-stage": b"FROM busybox:1.36 AS Build\nRUN echo hi > /f\nFROM scratch\nCOPY --from=BUILD /f /f\nUSER 7\n",
    "env-user": b"FROM scratch\nENV U=4242\nUSER $U\n",
    "root-after-nonroot": b"FROM scratch\nUSER 65532\nUSER root\n",
}

REFUSED = {
    "platform-without-equals": b"FROM --platform linux/amd64 scratch\n",
    "trailing-comment-on-from": b"FROM scratch AS build # comment\n",
    "unknown-instruction": b"FROM scratch\nUSR root\n",
    "copy-from-current-stage": b"FROM scratch\nFROM scratch\nCOPY --from=1 /a /a\n",
    "bare-arg-base": b"ARG BASE\nFROM ${BASE}\n",
}


def _build(client, dockerfile: bytes):
    from conftest import make_tar_context

    tag = f"cks-trainer-test/sem-{uuid.uuid4().hex[:10]}"
    image, _ = client.images.build(fileobj=make_tar_context(dockerfile), custom_context=True, tag=tag, rm=True,
                                   forcerm=True, pull=False, labels=LABELS)
    return tag, image


@pytest.fixture(scope="module")
def images(docker_client, require_images):
    require_images("busybox:1.36", "gcr.io/distroless/static:nonroot", "gcr.io/distroless/static")
    built = {}
    yield lambda name: built.setdefault(name, _build(docker_client, CASES[name]))
    for tag, _ in built.values():
        try:
            docker_client.images.remove(tag, force=True)
        except docker.errors.APIError:
            pass


@pytest.mark.parametrize("name", sorted(CASES))
def test_model_user_matches_the_engine(name, images):
    _, image = images(name)
    df = parse(CASES[name])
    assert df.effective_user(df.final).value == image.attrs["Config"]["User"]


def test_escape_after_comment_joins_workdir_like_the_engine(images):
    _, image = images("escape-after-comment-ignored")
    df = parse(CASES["escape-after-comment-ignored"])
    assert df.final.instructions[0].args == "/srvUSER root" == image.attrs["Config"]["WorkingDir"]


def test_stage_name_shadows_the_image_in_the_engine_too(images):
    _, image = images("stage-shadows-image")
    df = parse(CASES["stage-shadows-image"])
    assert df.root_image(df.final) == "busybox:1.36"
    assert image.attrs["Config"]["Cmd"] == ["sh"]  # busybox's, not distroless'


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_files_the_model_refuses_the_engine_refuses(name, docker_client):
    with pytest.raises(DockerfileError):
        parse(REFUSED[name])
    with pytest.raises((docker.errors.BuildError, docker.errors.APIError)):
        tag, _ = _build(docker_client, REFUSED[name])
        docker_client.images.remove(tag, force=True)
