"""Connect to the Docker Engine the way the docker CLI does, with clear errors.

docker.from_env() reads only DOCKER_HOST, which breaks Docker Desktop, colima,
rootless Docker and Podman users whose engine is chosen by a docker context.
So the order here is the CLI's: DOCKER_HOST, then DOCKER_CONTEXT, then the
config file's current context, then the default socket.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import docker
import requests
import urllib3
from docker.context import ContextAPI

TRANSPORT_ERRORS = (docker.errors.DockerException, requests.RequestException, urllib3.exceptions.HTTPError,
                    OSError)
"""What a call to the engine can raise: the SDK lets requests and urllib3 errors through."""


class EngineUnavailable(Exception):
    """No Docker Engine answers; the message says why and how to fix it."""

    def __init__(self, reason: str, fix: str) -> None:
        super().__init__(f"{reason}. {fix}")
        self.reason = reason
        self.fix = fix


@dataclass(frozen=True)
class Endpoint:
    """Where the engine is and how it was chosen."""

    url: str
    source: str
    tls: object = None


def resolve_endpoint() -> Endpoint:
    """The engine address, in the docker CLI's order of precedence."""
    if host := os.environ.get("DOCKER_HOST"):
        return Endpoint(host, "DOCKER_HOST")
    name = os.environ.get("DOCKER_CONTEXT")
    try:
        context = ContextAPI.get_context(name) if name else ContextAPI.get_current_context()
    except Exception as exc:  # noqa: BLE001 - a broken config file must not crash the trainer
        raise EngineUnavailable(f"the docker context {name or '(current)'} cannot be read: {exc}",
                                "Check ~/.docker/config.json or unset DOCKER_CONTEXT.") from None
    if context is None:
        raise EngineUnavailable(f"the docker context {name!r} does not exist", "Run `docker context ls`.")
    source = f"docker context {context.Name}" if context.Name != "default" else "default socket"
    return Endpoint(context.Host or "unix:///var/run/docker.sock", source, context.TLSConfig)


def connect(timeout: int = 60) -> docker.DockerClient:
    """A client for a reachable engine, or EngineUnavailable with the reason and the fix."""
    endpoint = resolve_endpoint()
    try:
        client = docker.DockerClient(base_url=endpoint.url, tls=endpoint.tls or False, timeout=timeout)
        client.ping()
        return client
    except TRANSPORT_ERRORS as exc:
        raise EngineUnavailable(
            f"no Docker Engine answers at {endpoint.url} ({endpoint.source}): {_short(exc)}",
            "Start Docker (on Linux: sudo systemctl start docker, or scripts/ensure-docker.sh as root), "
            "or point DOCKER_HOST or DOCKER_CONTEXT at a running engine.") from None


def _short(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:200]
