"""dockerfile-parse, given the lexer's joined instructions, reads every fixture exactly as the lexer does.

The lexer exists because dockerfile-parse misreads BOMs, heredocs, blank
lines in continuations and more (the pitfalls tests); on the instructions
themselves the two must agree, so a lexer bug in the keyword/value split
shows up here against an independent parser.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from dockerfile_parse import DockerfileParser

from trainer.dockerfile.source import read_source

FIXTURES = sorted((Path(__file__).parent / "fixtures").glob("*/*/*.Dockerfile")) + \
    sorted((Path(__file__).resolve().parents[2] / "scenarios").glob("*/Dockerfile")) + \
    sorted((Path(__file__).resolve().parents[2] / "solutions").glob("*/Dockerfile"))


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: f"{p.parts[-3]}-{p.parts[-2]}-{p.stem}")
def test_dockerfile_parse_reads_the_joined_instructions_as_the_lexer_does(path: Path):
    source = read_source(path.read_bytes())
    joined = [f"{line.keyword} {line.rest}" for line in source.logical]
    header = f"# escape={source.escape}\n" if source.escape != "\\" else ""
    structure = DockerfileParser(fileobj=io.BytesIO((header + "\n".join(joined) + "\n").encode())).structure
    theirs = [(e["instruction"], e["value"]) for e in structure if e["instruction"] != "COMMENT"]
    assert theirs == [(line.keyword, line.rest) for line in source.logical]
