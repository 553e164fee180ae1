"""multistage: build in one stage, ship from a later one.

Anti-pattern::

    FROM golang:1.22
    COPY . .
    RUN go build -o /app .
    CMD ["/app"]

Best practice::

    FROM golang:1.22 AS build
    ...
    RUN CGO_ENABLED=0 go build -o /app .

    FROM gcr.io/distroless/static:nonroot
    COPY --from=build /app /app

Passes when there are at least two stages and the final stage takes its
content from an earlier stage (COPY --from by name or index, or FROM that
stage), without compiling anything itself.
"""

from __future__ import annotations

from trainer.checks.common import BUILD_COMMAND, evidence, line_of
from trainer.checks.result import CheckResult, Status
from trainer.checks.settings import CheckSettings
from trainer.dockerfile import Dockerfile

ID = "multistage"
TITLE = "Multistage build"
HINT = ("Give the build its own stage (FROM <builder image> AS build) and start a new, later FROM for what "
        "you ship; the later stage takes the result from the build stage by name.")


def evaluate(dockerfile: Dockerfile, settings: CheckSettings) -> CheckResult:
    """Judge whether the Dockerfile separates building from shipping."""
    final = dockerfile.final
    if len(dockerfile.stages) < 2:
        return CheckResult(ID, TITLE, Status.FAIL,
                           f"Single stage: the image is built and shipped from the one FROM on "
                           f"{line_of(final.from_instruction)}, so compilers and sources end up in it.",
                           HINT, evidence(dockerfile, final.from_instruction))
    used = []
    if final.parent is not None:
        used.append(dockerfile.stages[final.parent].label)
    for instruction in final.instructions:
        ref = instruction.flag("from") if instruction.keyword == "COPY" else None
        if ref is not None and (stage := dockerfile.stage_ref(ref, final.index)) is not None:
            used.append(stage.label)
    if not used:
        return CheckResult(ID, TITLE, Status.FAIL,
                           f"There are {len(dockerfile.stages)} stages, but the final stage "
                           f"({line_of(final.from_instruction)}) takes nothing from an earlier stage: "
                           f"the build stage is wasted and whatever ships is built some other way.",
                           "Bring the built result into the final stage from the build stage, "
                           "referring to that stage by its name.",
                           evidence(dockerfile, final.from_instruction))
    builds = [i for i in final.instructions if i.keyword == "RUN" and BUILD_COMMAND.search(i.args)]
    if builds:
        return CheckResult(ID, TITLE, Status.FAIL,
                           f"The final stage compiles or installs the application itself ({line_of(builds[0])}); "
                           f"that work belongs in the build stage.",
                           HINT, evidence(dockerfile, *builds))
    names = ", ".join(dict.fromkeys(used))
    result = CheckResult(ID, TITLE, Status.PASS,
                         f"{len(dockerfile.stages)} stages; the final stage ({line_of(final.from_instruction)}) "
                         f"takes its content from stage {names}.",
                         evidence=evidence(dockerfile, final.from_instruction))
    if final.parent is not None:
        result.advice.append(f"The final stage is FROM {dockerfile.stages[final.parent].label}, so it keeps "
                             "everything that stage has; a fresh minimal FROM is what the exam expects.")
    return result
