"""Per-scenario settings for the exam checks, with the defaults the exam uses."""

from __future__ import annotations

from dataclasses import dataclass, field

DEFAULT_MINIMAL_BASES: tuple[str, ...] = (
    "scratch",
    "gcr.io/distroless/*",
    "cgr.dev/chainguard/static",
    "cgr.dev/chainguard/glibc-dynamic",
    "chainguard/static",
    "chainguard/glibc-dynamic",
    "mcr.microsoft.com/cbl-mariner/distroless/*",
    "mcr.microsoft.com/azurelinux/distroless/*",
    "registry.access.redhat.com/ubi*-micro",
)
"""Final bases the minimal-base check accepts (fnmatch patterns on the repository).

The one list of minimal bases; a scenario narrows or widens it with
`allowed_bases`."""

DEBUG_TAG_MARKERS: tuple[str, ...] = ("debug", "-dev", "shell")
"""Tag fragments that mean a shell was added to a minimal base."""


@dataclass(frozen=True)
class CheckSettings:
    """What a scenario may change about the four exam checks."""

    allowed_bases: tuple[str, ...] = DEFAULT_MINIMAL_BASES
    required_user: str | None = None
    """An exact user the task demands, e.g. '65535' for "use UID 65535"."""
    build_args: dict[str, str] = field(default_factory=dict)
    allow_source_copy: bool = False
    """Allow copying the application directory (interpreted languages ship their source)."""
    apply: tuple[str, ...] | None = None
    """The exam checks this scenario grades (None: all four)."""
