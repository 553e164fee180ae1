"""copy-from-only: the final stage brings files in only with COPY --from=<earlier stage>.

Anti-pattern::

    FROM gcr.io/distroless/static:nonroot
    COPY . /src                      # the build context
    ADD https://example.com/x /x     # a download
    COPY --from=build / /            # the whole build filesystem
    COPY --from=alpine /bin/sh /sh   # an external image
    RUN apt-get install -y curl      # tools installed into the final image

Best practice::

    COPY --from=build /out/server /server
    COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/   # fine

Only the built artefact (and run-time data such as CA certificates or
tzdata) should reach the final image, and only from an earlier stage of
this build.
"""

from __future__ import annotations

import posixpath
import re

from trainer.checks.common import INSTALL_COMMAND, evidence, line_of
from trainer.checks.result import CheckResult, Status
from trainer.checks.settings import CheckSettings
from trainer.dockerfile import Dockerfile, Instruction, Stage, copy_sources, normalise_reference

ID = "copy-from-only"
TITLE = "Only the artefact, with COPY --from"
HINT = ("In the final stage, copy just the file(s) the program needs from the build stage, naming that stage "
        "with --from; leave sources, toolchains and the build context behind.")

WHOLE_TREES = {"/", "/.", "/*", "/usr", "/bin", "/sbin", "/lib", "/lib64", "/etc", "/var", "/root", "/home",
               "/opt", "/usr/local", "/usr/bin", "/usr/lib"}
TOOLCHAINS = ("/usr/local/go", "/go", "/usr/lib/go", "/root/go", "/usr/local/cargo", "/root/.cargo",
              "/usr/local/rustup", "/usr/lib/jvm", "/usr/share/maven", "/root/.m2", "/usr/local/lib/node_modules",
              "/usr/lib/gcc", "/usr/libexec/gcc")
COMPILED = ("golang", "rust", "gcc", "maven", "gradle", "openjdk", "eclipse-temurin", "clang",
            "mcr.microsoft.com/dotnet/sdk", "amazoncorretto")
ARCHIVE = re.compile(r"\.(tar|tar\.gz|tgz|tar\.bz2|tbz2?|tar\.xz|txz|tar\.zst)$", re.I)


def _clean(path: str) -> str:
    return posixpath.normpath(path) if path.startswith("/") else path


def _context_destinations(dockerfile: Dockerfile, stage: Stage) -> set[str]:
    """Directories that received the build context in a stage or the stages it is built from."""
    found: set[str] = set()
    for link in dockerfile.chain(stage):
        workdir = "/"
        for instruction in link.instructions:
            if instruction.keyword == "WORKDIR":
                workdir = posixpath.join(workdir, instruction.args.strip().strip("\"'"))
            elif instruction.keyword in ("COPY", "ADD") and instruction.flag("from") is None:
                sources, dest = copy_sources(dockerfile, instruction)
                if any(s.strip("./") == "" for s in sources) and dest:
                    found.add(posixpath.normpath(posixpath.join(workdir, dest)))
    return found


def _judge_copy_from(dockerfile: Dockerfile, final: Stage, instruction: Instruction,
                     settings: CheckSettings) -> str | None:
    """Why a COPY --from is not allowed, or None when it brings an artefact from an earlier stage."""
    ref = instruction.flag("from") or ""
    stage = dockerfile.stage_ref(ref, final.index)
    if stage is None:
        if ref.isdigit():
            return f"COPY --from={ref} names stage {ref}, but only stages 0-{final.index - 1} come before it"
        return (f"COPY --from={ref} copies from the external image {normalise_reference(ref)}, "
                f"not from a stage of this build")
    sources, _ = copy_sources(dockerfile, instruction)
    for source in sources:
        path = _clean(source)
        if path in WHOLE_TREES:
            return f"COPY --from={ref} {source} copies a whole filesystem tree from stage {stage.label}"
        if any(path == tool or path.startswith(tool + "/") for tool in TOOLCHAINS):
            return f"COPY --from={ref} {source} copies a toolchain from stage {stage.label}"
        if not settings.allow_source_copy and _is_compiled(dockerfile, stage):
            for destination in _context_destinations(dockerfile, stage):
                if path == destination or (path != "/" and destination.startswith(path.rstrip("/") + "/")):
                    return (f"COPY --from={ref} {source} copies the source tree (the build context went to "
                            f"{destination} in stage {stage.label}), not the built artefact")
    return None


def _is_compiled(dockerfile: Dockerfile, stage: Stage) -> bool:
    name = normalise_reference(dockerfile.root_image(stage)).name
    return name.rsplit("/", 1)[-1] in COMPILED or name in COMPILED


def evaluate(dockerfile: Dockerfile, settings: CheckSettings) -> CheckResult:
    """Judge every way the final stage brings files in."""
    final = dockerfile.final
    problems: list[tuple[Instruction, str]] = []
    artefacts: list[Instruction] = []
    if final.parent is not None:
        parent = dockerfile.stages[final.parent]
        problems.append((final.from_instruction,
                         f"the final stage is FROM {parent.label}, so it carries everything stage "
                         f"{parent.label} has instead of only the artefact"))
    for instruction in final.instructions:
        if instruction.keyword == "COPY" and instruction.heredocs:
            problems.append((instruction, "COPY with a heredoc writes files that do not come from a build stage"))
        elif instruction.keyword == "COPY" and instruction.flag("from") is not None:
            why = _judge_copy_from(dockerfile, final, instruction, settings)
            if why:
                problems.append((instruction, why))
            else:
                artefacts.append(instruction)
        elif instruction.keyword == "COPY":
            sources, _ = copy_sources(dockerfile, instruction)
            problems.append((instruction, f"COPY {' '.join(sources)} copies from the build context, "
                                          f"not from a build stage"))
        elif instruction.keyword == "ADD":
            sources, _ = copy_sources(dockerfile, instruction)
            if any(re.match(r"^(https?|git)://|^git@", s) for s in sources):
                why = "ADD downloads a file from the network at build time"
            elif any(ARCHIVE.search(s) for s in sources):
                why = "ADD unpacks an archive from the build context into the image"
            else:
                why = "ADD copies from the build context, not from a build stage"
            problems.append((instruction, why))
        elif instruction.keyword == "RUN" and INSTALL_COMMAND.search(instruction.args):
            problems.append((instruction, "RUN installs or downloads tools into the final image"))
    if problems:
        detail = "; ".join(f"{line_of(i)}: {why}" for i, why in problems)
        return CheckResult(ID, TITLE, Status.FAIL,
                           f"The final stage brings in more than the artefact: {detail}.",
                           HINT, evidence(dockerfile, *(i for i, _ in problems)))
    if not artefacts:
        return CheckResult(ID, TITLE, Status.FAIL,
                           f"The final stage ({line_of(final.from_instruction)}) has no COPY --from, so no built "
                           f"artefact is brought in from a build stage.",
                           HINT, evidence(dockerfile, final.from_instruction))
    listed = ", ".join(" ".join(copy_sources(dockerfile, i)[0]) + f" ({line_of(i)})" for i in artefacts)
    return CheckResult(ID, TITLE, Status.PASS,
                       f"The final stage brings in only {listed}, each with COPY --from an earlier stage.",
                       evidence=evidence(dockerfile, *artefacts))
