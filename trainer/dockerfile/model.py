"""The Dockerfile model: stages, instructions with line ranges, ARG scopes, stage names.

Everything a check needs is computed here the way Docker computes it, so the
checks stay small: which stage is final, what it is based on (through stage
names, chains of stages and ARG values), and which user the image runs as.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from trainer.dockerfile.source import KEYWORDS, DockerfileError, Heredoc, Source, read_source
from trainer.dockerfile.words import WordError, expand, expand_words, parse_json_array, split_key_values

_STAGE_NAME = re.compile(r"^[a-z][a-z0-9_.-]*$")

# Flags Docker's parser knows per instruction. Legacy-builder support is in
# BUILDKIT_ONLY: the file is valid Dockerfile syntax, but the SDK's builder
# cannot build it.
KNOWN_FLAGS = {
    "FROM": {"platform"},
    "COPY": {"from", "chown", "chmod", "link", "parents", "exclude"},
    "ADD": {"chown", "chmod", "link", "checksum", "keep-git-dir", "exclude", "unpack"},
    "RUN": {"mount", "network", "security"},
    "HEALTHCHECK": {"interval", "timeout", "start-period", "start-interval", "retries"},
}
BUILDKIT_ONLY = {
    "COPY": {"chmod", "link", "parents", "exclude"},
    "ADD": {"chmod", "link", "checksum", "keep-git-dir", "exclude", "unpack"},
    "RUN": {"mount", "network", "security"},
}


@dataclass(frozen=True)
class Instruction:
    """One instruction with its flags parsed and its original line range."""

    keyword: str
    flags: dict[str, str | None]
    args: str
    """Arguments after the flags, as written."""
    start: int
    end: int
    stage: int
    """Index of the stage it belongs to; -1 before the first FROM."""
    heredocs: tuple[Heredoc, ...] = ()

    def flag(self, name: str) -> str | None:
        """A flag's value ('' for a bare flag), or None when absent."""
        return self.flags.get(name)


@dataclass
class Stage:
    """One FROM and the instructions after it."""

    index: int
    name: str | None
    """Lower-cased alias from `AS name` (Docker matches stage names case-insensitively)."""
    base_text: str
    """The image reference as written."""
    base: str
    """The image reference after ARG expansion."""
    parent: int | None
    """Index of the earlier stage this one is based on, when `FROM <stage>`."""
    from_instruction: Instruction
    instructions: list[Instruction] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    """ENV and ARG values in scope at the end of the stage (inherited through FROM <stage>)."""

    @property
    def label(self) -> str:
        """How messages name the stage: `build` or `#0`."""
        return self.name or f"#{self.index}"


@dataclass(frozen=True)
class EffectiveUser:
    """The user the image of a stage runs as, and where that comes from."""

    value: str
    """Config.User as Docker would write it ('' means unset, i.e. root)."""
    instruction: Instruction | None
    """The USER that set it, or None when inherited from the base image."""
    origin: str
    """A sentence for the learner: where the user comes from."""
    known: bool = True
    """False when the base image's default user is not known to the trainer."""

    @property
    def user_part(self) -> str:
        return self.value.split(":", 1)[0]

    @property
    def is_root(self) -> bool:
        """uid 0 or the name root, before the colon; unset counts as root."""
        part = self.user_part
        if part == "":
            return True
        if part.isdigit():
            return int(part) == 0
        return part == "root"

    @property
    def is_numeric(self) -> bool:
        return self.user_part.isdigit()


# Default Config.User of the base images the trainer knows. Distroless writes
# the uid as a decimal string; scratch and most builder images leave it unset.
def image_default_user(reference: str) -> tuple[str, bool]:
    """(Config.User, known) of a base image reference."""
    ref = normalise_reference(reference)
    name, tag = ref.name, ref.tag
    if name == "scratch":
        return "", True
    if name.startswith("gcr.io/distroless/") or name.startswith("mcr.microsoft.com/") and "distroless" in name:
        return ("65532", True) if tag.endswith("nonroot") else ("0", True)
    if name.startswith("cgr.dev/chainguard/") or name.startswith("chainguard/"):
        return ("0", True) if tag.endswith("-dev") else ("65532", True)
    return "", name.split("/")[-1] in COMMON_ROOT_IMAGES


COMMON_ROOT_IMAGES = frozenset(
    "alpine busybox debian ubuntu golang node python openjdk eclipse-temurin maven gradle rust gcc "
    "fedora centos rockylinux almalinux amazonlinux nginx httpd ruby php".split()
)


@dataclass(frozen=True)
class ImageReference:
    """An image reference split the way registries do."""

    name: str
    """Repository with registry, `docker.io/library/` removed."""
    tag: str
    digest: str

    def __str__(self) -> str:
        text = self.name
        if self.tag:
            text += f":{self.tag}"
        if self.digest:
            text += f"@{self.digest}"
        return text


def normalise_reference(reference: str) -> ImageReference:
    """Split `registry/repo:tag@digest`; Docker Hub prefixes dropped, the name lower-cased."""
    rest, _, digest = reference.partition("@")
    slash = rest.rfind("/")
    colon = rest.rfind(":")
    tag = ""
    if colon > slash:
        rest, tag = rest[:colon], rest[colon + 1 :]
    name = rest.lower()
    for prefix in ("docker.io/library/", "index.docker.io/library/", "library/", "docker.io/", "index.docker.io/"):
        if name.startswith(prefix):
            name = name[len(prefix) :]
            break
    return ImageReference(name, tag, digest)


@dataclass
class Dockerfile:
    """A parsed Dockerfile, ready for the checks."""

    path: str
    source: Source
    instructions: list[Instruction]
    stages: list[Stage]
    global_args: dict[str, str]
    build_args: dict[str, str]
    buildkit_features: list[tuple[Instruction, str]] = field(default_factory=list)
    """Syntax the SDK's legacy builder cannot build: (instruction, feature)."""

    @property
    def final(self) -> Stage:
        """The stage whose image is the result (the last one; the exam has no --target)."""
        return self.stages[-1]

    def snippet(self, instruction: Instruction) -> str:
        """The instruction's original lines."""
        return self.source.snippet(instruction.start, instruction.end)

    def stage_ref(self, reference: str, before: int) -> Stage | None:
        """The stage a `--from` or FROM value names (alias or index), among stages before `before`."""
        ref = reference.lower()
        if ref.isdigit():
            index = int(ref)
            return self.stages[index] if index < before else None
        for stage in self.stages[:before]:
            if stage.name == ref:
                return stage
        return None

    def chain(self, stage: Stage) -> list[Stage]:
        """The stage and the stages it is built FROM, nearest first."""
        chain = [stage]
        while chain[-1].parent is not None:
            chain.append(self.stages[chain[-1].parent])
        return chain

    def root_image(self, stage: Stage) -> str:
        """The image reference a stage ultimately starts from, through stage chains."""
        return self.chain(stage)[-1].base

    def effective_user(self, stage: Stage) -> EffectiveUser:
        """The user a stage's image runs as, as Docker computes Config.User."""
        for link in self.chain(stage):
            users = [i for i in link.instructions if i.keyword == "USER"]
            if users:
                last = users[-1]
                value = self._user_value(last)
                where = "" if link is stage else f" (inherited from stage {link.label})"
                return EffectiveUser(value, last, f"USER on line {last.start}{where}")
        base = self.root_image(stage)
        value, known = image_default_user(base)
        shown = f"runs as {value}" if value else "sets no user, so it runs as root"
        return EffectiveUser(value, None, f"no USER; the base image {base} {shown} by default", known)

    def _user_value(self, instruction: Instruction) -> str:
        env = self._env_before(instruction)
        try:
            return expand(instruction.args, env, self.source.escape)
        except WordError:
            return instruction.args

    def _env_before(self, instruction: Instruction) -> dict[str, str]:
        """ENV and ARG values in scope just before an instruction of a stage."""
        stage = self.stages[instruction.stage]
        env = dict(self.stages[stage.parent].env) if stage.parent is not None else {}
        for earlier in stage.instructions:
            if earlier is instruction:
                break
            _apply_env(earlier, env, self.global_args, self.build_args, self.source.escape)
        return env


def _apply_env(instruction: Instruction, env: dict[str, str], global_args: dict[str, str],
               build_args: dict[str, str], escape: str) -> None:
    """Update a stage's variables with an ARG or ENV instruction."""
    if instruction.keyword not in ("ARG", "ENV"):
        return
    for name, raw in split_key_values(instruction.args, instruction.keyword):
        try:
            value = None if raw is None else expand(raw, env, escape)
        except WordError:
            value = raw
        if instruction.keyword == "ENV":
            env[name] = value or ""
        elif name in build_args:
            env[name] = build_args[name]
        elif value is not None:
            env[name] = value
        elif name in global_args:
            env[name] = global_args[name]
        else:
            env.setdefault(name, "")


def _parse_flags(rest: str, keyword: str, line: int) -> tuple[dict[str, str | None], str]:
    """Leading `--name=value` / `--name` flags, as Docker's extractBuilderFlags reads them."""
    flags: dict[str, str | None] = {}
    text = rest
    while text.startswith("--"):
        word, _, remainder = text.partition(" ")
        if "\t" in word:
            word, _, tail = word.partition("\t")
            remainder = tail + " " + remainder
        if word == "--":
            text = remainder.lstrip()
            break
        name, eq, value = word[2:].partition("=")
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        known = KNOWN_FLAGS.get(keyword, set())
        if name.lower() not in known:
            raise DockerfileError(f"{keyword} does not accept the flag --{name}: unknown flag", line)
        flags[name.lower()] = value if eq else ""
        text = remainder.lstrip(" \t")
    return flags, text


def parse(data: bytes | str, path: str = "Dockerfile", build_args: dict[str, str] | None = None) -> Dockerfile:
    """Parse a Dockerfile; raise DockerfileError (with a line) where Docker would refuse it."""
    source = read_source(data)
    build_args = dict(build_args or {})
    if not source.logical:
        if source.text.strip():
            raise DockerfileError("the file has no instructions, only comments", 1)
        raise DockerfileError("the Dockerfile is empty", hint="Start with a FROM line.")
    instructions: list[Instruction] = []
    stages: list[Stage] = []
    global_args: dict[str, str] = {}
    buildkit: list[tuple[Instruction, str]] = []
    for logical in source.logical:
        keyword, line = logical.keyword, logical.start
        if keyword not in KEYWORDS:
            shown = logical.keyword if len(logical.keyword) <= 40 else logical.keyword[:40] + "..."
            raise DockerfileError(f"unknown instruction: {shown}", line,
                                  hint="Check the spelling; Dockerfile instructions are words such as FROM, COPY, USER.")
        flags, args = _parse_flags(logical.rest, keyword, line)
        if not args.strip():
            raise DockerfileError(f"{keyword} requires at least one argument", line)
        # A FROM opens the stage it belongs to; everything else belongs to the current one.
        stage_index = len(stages) if keyword == "FROM" else len(stages) - 1
        instruction = Instruction(keyword, flags, args, line, logical.end, stage_index, logical.heredocs)
        if keyword in ("COPY", "ADD") and len(parse_json_array(args) or args.split()) < 2:
            raise DockerfileError(f"{keyword} requires at least two arguments (source and destination)", line)
        for name in flags:
            if name in BUILDKIT_ONLY.get(keyword, ()):
                buildkit.append((instruction, f"{keyword} --{name}"))
        if logical.heredocs:
            buildkit.append((instruction, f"{keyword} heredoc (<<{logical.heredocs[0].name})"))
        instructions.append(instruction)
        if keyword == "FROM":
            stages.append(_new_stage(instruction, stages, global_args, build_args, source.escape))
            continue
        if not stages:
            if keyword != "ARG":
                raise DockerfileError(f"{keyword} before the first FROM: only ARG may come before FROM", line,
                                      hint="Every build stage starts with FROM.")
            _apply_env(instruction, global_args, {}, build_args, source.escape)
            continue
        stage = stages[-1]
        if keyword == "COPY" and flags.get("from") is not None:
            _check_copy_from(flags["from"], stage, stages, line)
        if keyword == "ONBUILD":
            inner = args.split(None, 1)[0].upper() if args.split() else ""
            if inner in ("ONBUILD", "FROM", "MAINTAINER"):
                raise DockerfileError(f"{inner} isn't allowed as an ONBUILD trigger", line)
        stage.instructions.append(instruction)
        _apply_env(instruction, stage.env, global_args, build_args, source.escape)
    if not stages:
        raise DockerfileError("no build stage: the file has ARG lines but no FROM", source.logical[-1].start,
                              hint="Every Dockerfile needs a FROM line after its global ARGs.")
    return Dockerfile(path, source, instructions, stages, global_args, build_args, buildkit)


def _new_stage(instruction: Instruction, stages: list[Stage], global_args: dict[str, str],
               build_args: dict[str, str], escape: str) -> Stage:
    words = instruction.args.split()
    line = instruction.start
    if len(words) not in (1, 3) or (len(words) == 3 and words[1].lower() != "as"):
        raise DockerfileError(
            f"FROM requires either one or three arguments (image, or image AS name); got {len(words)}", line,
            hint="Write FROM image[:tag] [AS name]; comments must be on their own line.")
    name = None
    if len(words) == 3:
        name = words[2].lower()
        if not _STAGE_NAME.match(name):
            raise DockerfileError(f"invalid name for build stage: {words[2]!r}: it must start with a letter "
                                  "and contain only letters, digits, '-', '_' and '.'", line)
        if any(stage.name == name for stage in stages):
            raise DockerfileError(f"duplicate stage name {words[2]!r}", line)
    env = {**global_args, **{k: v for k, v in build_args.items() if k in global_args}}
    try:
        base = expand(words[0], env, escape)
    except WordError as exc:
        raise DockerfileError(f"cannot expand the FROM image {words[0]!r}: {exc}", line) from None
    if not base:
        raise DockerfileError(f"base name ({words[0]}) should not be blank: the ARG it uses has no value", line,
                              hint="Give the ARG a default before the first FROM (ARG BASE=image:tag).")
    parent = None
    for stage in stages:
        if stage.name == base.lower():
            parent = stage.index
    new = Stage(len(stages), name, words[0], base, parent, instruction)
    if parent is not None:
        new.env = dict(stages[parent].env)
    return new


def _check_copy_from(value: str, stage: Stage, stages: list[Stage], line: int) -> None:
    ref = value.lower()
    if ref == (stage.name or "") or ref == str(stage.index):
        raise DockerfileError(f"COPY --from={value} refers to the current build stage", line)


def parse_file(path: str | Path, build_args: dict[str, str] | None = None) -> Dockerfile:
    """Read and parse a Dockerfile from disk; errors are DockerfileError, never OSError."""
    path = Path(path)
    try:
        if path.is_dir():
            raise DockerfileError(f"{path} is a directory; give the path of the Dockerfile inside it")
        with path.open("rb") as handle:
            data = handle.read(4 * 1024 * 1024 + 1)
    except DockerfileError:
        raise
    except FileNotFoundError:
        raise DockerfileError("no such file") from None
    except PermissionError:
        raise DockerfileError("permission denied: the file cannot be read") from None
    except OSError as exc:
        raise DockerfileError(f"cannot read the file: {exc.strerror or exc}") from None
    return parse(data, str(path), build_args)


def copy_sources(dockerfile: Dockerfile, instruction: Instruction) -> tuple[list[str], str]:
    """(sources, destination) of a COPY or ADD, variables expanded."""
    words = parse_json_array(instruction.args)
    if words is None:
        env = dockerfile._env_before(instruction) if instruction.stage >= 0 else {}
        try:
            words = expand_words(instruction.args, env, dockerfile.source.escape)
        except WordError:
            words = instruction.args.split()
    if len(words) < 2:
        return words, ""
    return words[:-1], words[-1]
