"""The Dockerfile model: parse like Docker, then answer the questions the checks ask."""

from trainer.dockerfile.model import (
    Dockerfile,
    EffectiveUser,
    ImageReference,
    Instruction,
    Stage,
    copy_sources,
    normalise_reference,
    parse,
    parse_file,
)
from trainer.dockerfile.source import MAX_BYTES, DockerfileError

__all__ = [
    "MAX_BYTES",
    "Dockerfile",
    "DockerfileError",
    "EffectiveUser",
    "ImageReference",
    "Instruction",
    "Stage",
    "copy_sources",
    "normalise_reference",
    "parse",
    "parse_file",
]
