"""Shared fixtures: a real Docker Engine for tests marked `docker`.

Without an engine the docker tests skip and say why; with CI=true a missing
engine or base image fails the run instead, so CI never goes green without
having built anything.
"""

from __future__ import annotations

import io
import os
import tarfile
from pathlib import Path

import pytest

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

_engine_state: dict[str, object] = {}


def _engine():
    if "client" not in _engine_state:
        from trainer.engine.client import EngineUnavailable, connect

        try:
            _engine_state["client"] = connect()
        except EngineUnavailable as exc:
            _engine_state["client"] = None
            _engine_state["reason"] = str(exc)
    return _engine_state["client"], _engine_state.get("reason", "")


def _skip_or_fail(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"CI=true and a Docker test cannot run: {reason}", pytrace=False)
    pytest.skip(reason)


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("docker") is not None:
        client, reason = _engine()
        if client is None:
            _skip_or_fail(f"no Docker Engine: {reason}")


@pytest.fixture(scope="session")
def docker_client():
    """A client for the real engine (the test is marked docker, so one exists)."""
    client, reason = _engine()
    if client is None:
        _skip_or_fail(f"no Docker Engine: {reason}")
    return client


@pytest.fixture(scope="session")
def require_images(docker_client):
    """Call with image tags; skips (fails in CI) when one is missing: run scripts/prepare_images.py."""
    import docker

    def check(*tags: str) -> None:
        for tag in tags:
            try:
                docker_client.images.get(tag)
            except docker.errors.ImageNotFound:
                _skip_or_fail(f"base image {tag} is missing: run scripts/prepare_images.py")

    return check


def make_tar_context(dockerfile: str | bytes, files: dict[str, Path] | None = None) -> io.BytesIO:
    """A build context tar: the Dockerfile (bytes kept exactly, BOM and all) plus files by name."""
    data = dockerfile.encode() if isinstance(dockerfile, str) else dockerfile
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, path in (files or {}).items():
            tar.add(path, arcname=name)
        info = tarfile.TarInfo("Dockerfile")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    buffer.seek(0)
    return buffer


@pytest.fixture(scope="session")
def tar_context():
    """make_tar_context, for tests that build with the SDK directly."""
    return make_tar_context
