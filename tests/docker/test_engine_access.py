"""The engine is found the way the docker CLI finds it: DOCKER_HOST, DOCKER_CONTEXT, the current context."""

from __future__ import annotations

import json

import pytest

from trainer.engine.client import EngineUnavailable, connect, resolve_endpoint

pytestmark = pytest.mark.docker


def _context_config(tmp_path, name: str, host: str, current: bool) -> None:
    # The layout `docker context create` writes: meta/<sha256 of the name>/meta.json.
    import hashlib

    meta = tmp_path / "contexts" / "meta" / hashlib.sha256(name.encode()).hexdigest()
    meta.mkdir(parents=True)
    (meta / "meta.json").write_text(json.dumps({"Name": name, "Metadata": {},
                                                "Endpoints": {"docker": {"Host": host, "SkipTLSVerify": False}}}))
    (tmp_path / "config.json").write_text(json.dumps({"currentContext": name} if current else {}))


def test_current_context_is_followed(tmp_path, monkeypatch, docker_client):
    _context_config(tmp_path, "classroom", "unix:///var/run/docker.sock", current=True)
    monkeypatch.delenv("DOCKER_HOST", raising=False)
    monkeypatch.delenv("DOCKER_CONTEXT", raising=False)
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
    endpoint = resolve_endpoint()
    assert (endpoint.url, endpoint.source) == ("unix:///var/run/docker.sock", "docker context classroom")
    assert connect().ping()


def test_docker_context_variable_wins_over_the_config_file(tmp_path, monkeypatch, docker_client):
    _context_config(tmp_path, "broken", "unix:///nonexistent/docker.sock", current=False)
    monkeypatch.delenv("DOCKER_HOST", raising=False)
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
    monkeypatch.setenv("DOCKER_CONTEXT", "broken")
    with pytest.raises(EngineUnavailable) as err:
        connect()
    assert "docker context broken" in str(err.value) and "Start Docker" in str(err.value)


def test_docker_host_wins_over_contexts(tmp_path, monkeypatch, docker_client):
    _context_config(tmp_path, "broken", "unix:///nonexistent/docker.sock", current=True)
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
    monkeypatch.setenv("DOCKER_HOST", "unix:///var/run/docker.sock")
    assert connect().ping()
