"""non-root: the final image runs as a user other than root.

Anti-pattern::

    FROM gcr.io/distroless/static          # runs as uid 0
    COPY --from=build /app /app
    USER root                              # or 0, 000, 0:65532, or no USER at all

Best practice::

    FROM gcr.io/distroless/static:nonroot
    COPY --from=build /app /app
    USER 65532:65532                       # numeric, so runAsNonRoot can verify it

The user is computed as Docker computes Config.User: the last USER of the
final stage after ARG and ENV expansion, else inherited through the chain of
stages, else the base image's default. Root is uid 0 before the colon, by
name or number. A USER in a build stage does not count.
"""

from __future__ import annotations

from trainer.checks.common import evidence, line_of
from trainer.checks.result import CheckResult, Status
from trainer.checks.settings import CheckSettings
from trainer.dockerfile import Dockerfile

ID = "non-root"
TITLE = "Runs as a non-root user"
HINT = ("Set the user in the final stage, after the COPY lines: a non-zero numeric uid (and gid) that exists "
        "in the base image works best.")
MAX_UID = 2**31 - 1


def evaluate(dockerfile: Dockerfile, settings: CheckSettings) -> CheckResult:
    """Judge the user the final image runs as."""
    final = dockerfile.final
    user = dockerfile.effective_user(final)
    where = user.instruction or final.from_instruction
    proof = evidence(dockerfile, where)
    shown = user.value or "unset"
    if settings.required_user is not None and user.value != settings.required_user:
        return CheckResult(ID, TITLE, Status.FAIL,
                           f"The task asks for USER {settings.required_user}; the image runs as {shown} "
                           f"({user.origin}).", "Use exactly the user the task names.", proof)
    if not user.known:
        return CheckResult(ID, TITLE, Status.FAIL,
                           f"The final stage sets no USER and the trainer cannot tell which user the base image "
                           f"{dockerfile.root_image(final)} runs as; most images run as root.",
                           HINT, proof)
    if user.is_root:
        return CheckResult(ID, TITLE, Status.FAIL, _root_message(dockerfile, user), HINT,
                           evidence(dockerfile, where, *_build_stage_users(dockerfile)))
    result = CheckResult(ID, TITLE, Status.PASS, f"The image runs as {user.value} ({user.origin}).",
                         evidence=proof)
    if not user.is_numeric:
        result.advice.append(
            f"A Pod with runAsNonRoot: true would not start this image: the kubelet refuses a non-numeric "
            f"user it cannot verify (\"image has non-numeric user ({user.user_part})\"). "
            f"Prefer a numeric user such as USER 65532:65532.")
    elif int(user.user_part) > MAX_UID:
        result.advice.append(f"uid {user.user_part} is outside 1..{MAX_UID}: the kubelet rejects it.")
    else:
        result.advice.append("runAsNonRoot: true can verify this numeric user, so the Pod would start.")
    return result


def _build_stage_users(dockerfile: Dockerfile):
    final = dockerfile.final
    chain = {s.index for s in dockerfile.chain(final)}
    for stage in dockerfile.stages:
        if stage.index not in chain:
            yield from (i for i in stage.instructions if i.keyword == "USER")


def _root_message(dockerfile: Dockerfile, user) -> str:
    final = dockerfile.final
    if user.instruction is not None:
        raw = user.instruction.args
        if user.value == "" or user.value.startswith(":"):
            return (f"USER {raw} ({line_of(user.instruction)}) expands to nothing, so the image runs as root: "
                    f"a global ARG is not visible inside a stage unless the stage declares it again with ARG.")
        earlier = [i for s in dockerfile.chain(final) for i in s.instructions
                   if i.keyword == "USER" and i.start < user.instruction.start]
        text = f"USER {raw} ({line_of(user.instruction)}) makes the image run as root (uid 0)"
        if earlier:
            text += f"; it comes after USER {earlier[-1].args} ({line_of(earlier[-1])}), and the last USER wins"
        return text + "."
    strays = list(_build_stage_users(dockerfile))
    text = (f"The final stage sets no USER, so the image keeps its base's default user: "
            f"{user.origin.removeprefix('no USER; ')}. The container runs as root.")
    if strays:
        text += (f" USER {strays[-1].args} ({line_of(strays[-1])}) is in a build stage and does not carry "
                 f"into the final image.")
    return text
