"""minimal-base: the final image starts from scratch or a distroless runtime, never a :debug tag.

Anti-pattern::

    FROM golang:1.22 AS build
    ...
    FROM alpine:3.20                         # shell and apk
    FROM gcr.io/distroless/static:debug      # busybox shell

Best practice::

    FROM gcr.io/distroless/static:nonroot    # or scratch for a static binary

The base is resolved the way Docker resolves it: through stage names (case
insensitive), chains of stages, and ARG values (defaults, build args,
`${A:-x}`, ARGs built from ARGs). The accepted bases are one list in
`trainer.checks.settings`, which a scenario may override.
"""

from __future__ import annotations

from fnmatch import fnmatchcase

from trainer.checks.common import evidence, line_of
from trainer.checks.result import CheckResult, Status
from trainer.checks.settings import DEBUG_TAG_MARKERS, CheckSettings
from trainer.dockerfile import Dockerfile, normalise_reference

ID = "minimal-base"
TITLE = "Minimal final base image"
HINT = ("The final stage needs a base with nothing but what the program needs at run time: look at scratch "
        "and the gcr.io/distroless images, and pick the one that matches how your program is linked "
        "or which runtime it needs.")

_REASONS = [
    (("alpine",), "alpine is small, but it ships a shell (busybox sh) and a package manager (apk)"),
    (("busybox",), "busybox is a shell plus some 300 Unix tools"),
    (("debian", "ubuntu", "fedora", "centos", "rockylinux", "almalinux", "amazonlinux", "redhat/ubi", "ubi"),
     "a full distribution: a shell, a package manager and hundreds of packages"),
    (("golang", "rust", "gcc", "maven", "gradle", "openjdk", "eclipse-temurin", "amazoncorretto",
      "mcr.microsoft.com/dotnet/sdk", "clang"),
     "a build toolchain: compiler, shell, package manager and sources, hundreds of MB"),
    (("node", "python", "ruby", "php", "perl"),
     "a language image with a shell, a package manager and build tools"),
    (("nginx", "httpd"), "a full distribution underneath the server, with a shell and a package manager"),
]


def _reason(name: str, tag: str) -> str:
    short = name.rsplit("/", 1)[-1]
    for names, reason in _REASONS:
        if short in names or name in names:
            return reason + (" (the slim tag removes docs, not the shell)" if "slim" in tag else "")
    return "it is not scratch or a distroless runtime"


def evaluate(dockerfile: Dockerfile, settings: CheckSettings) -> CheckResult:
    """Judge the final stage's base, resolved through stages and ARGs."""
    final = dockerfile.final
    chain = dockerfile.chain(final)
    root = chain[-1]
    ref = normalise_reference(root.base)
    shown = str(ref) if ref.name != "scratch" else "scratch"
    via = ""
    if len(chain) > 1:
        via = " (through stage " + " -> ".join(s.label for s in chain[1:]) + ")"
    if root.base_text != root.base:
        via += f" ({root.base_text} resolves to {shown})"
    proof = evidence(dockerfile, final.from_instruction, root.from_instruction)
    allowed = any(fnmatchcase(ref.name, pattern) for pattern in settings.allowed_bases)
    if not allowed:
        if ref.name.startswith("gcr.io/distroless/") or ref.name == "scratch":
            reason = "this scenario asks for a different base"
        else:
            reason = _reason(ref.name, ref.tag)
        return CheckResult(ID, TITLE, Status.FAIL,
                           f"The final image is based on {shown}{via} ({line_of(root.from_instruction)}): {reason}.",
                           HINT, proof)
    tag = ref.tag.lower()
    if any(marker in tag for marker in DEBUG_TAG_MARKERS):
        return CheckResult(ID, TITLE, Status.FAIL,
                           f"The final image is based on {shown}{via}: the :{ref.tag} tag adds a busybox shell "
                           f"(/busybox/sh) to the minimal image, which is exactly what a minimal base leaves out.",
                           "Keep the same image family but choose its tag without the debug shell.", proof)
    result = CheckResult(ID, TITLE, Status.PASS, f"The final image is based on {shown}{via}.", evidence=proof)
    if ref.name != "scratch" and not ref.tag and not ref.digest:
        result.advice.append(f"{shown} has no tag, so it means :latest; pin a tag (or a digest) in real work.")
    return result
