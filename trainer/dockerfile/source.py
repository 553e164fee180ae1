"""Turn Dockerfile bytes into logical instructions, the way Docker's parser reads them.

dockerfile-parse disagrees with Docker on a byte-order mark, blank lines
inside a continuation, a continued last line without a newline, heredoc
bodies and binary input, and it joins continuations in quadratic time. So
this module does the line work Docker does (directives, continuations,
comments, heredocs) in one linear pass. dockerfile-parse stays the
independent reference: on every fixture its reading of the joined
instructions must equal this lexer's (tests/unit/test_dockerfile_parse_agrees.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

MAX_BYTES = 256 * 1024
"""Larger input is refused: no real Dockerfile comes near it, and a huge continued line costs seconds to parse."""

KEYWORDS = frozenset(
    "ADD ARG CMD COPY ENTRYPOINT ENV EXPOSE FROM HEALTHCHECK LABEL MAINTAINER ONBUILD "
    "RUN SHELL STOPSIGNAL USER VOLUME WORKDIR".split()
)
HEREDOC_KEYWORDS = frozenset({"RUN", "COPY", "ADD"})

_DIRECTIVE = re.compile(r"^#[ \t]*([a-zA-Z][a-zA-Z0-9]*)[ \t]*=[ \t]*(.+?)[ \t]*$")
# What Go's unicode.IsSpace accepts: Docker trims these around lines.
_GO_SPACE = " \t\n\v\f\r\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
_WHITESPACE = re.compile(r"[\t\v\f\r ]+")
# A heredoc marker: <<EOF, <<-EOF, <<"EOF", <<'EOF' (BuildKit's rules).
_HEREDOC = re.compile(r"<<(-?)\s*([\"']?)([a-zA-Z_][a-zA-Z0-9_]*)\2")


class DockerfileError(Exception):
    """The input is not a Dockerfile Docker would accept; says where and why."""

    def __init__(self, message: str, line: int | None = None, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.hint = hint

    def located(self, path: str) -> str:
        """The message prefixed with `path:line:` as compilers print it."""
        where = f"{path}:{self.line}" if self.line else path
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class Heredoc:
    """A heredoc body attached to a RUN, COPY or ADD (BuildKit syntax)."""

    name: str
    body: str
    start: int
    end: int


@dataclass(frozen=True)
class LogicalLine:
    """One instruction as Docker sees it, before its arguments are interpreted."""

    keyword: str
    """Upper-cased instruction word as written (may be unknown)."""
    rest: str
    """Everything after the keyword, continuations joined, comments dropped."""
    start: int
    """1-based first line."""
    end: int
    """1-based last line, heredoc bodies included."""
    heredocs: tuple[Heredoc, ...] = ()


@dataclass
class Source:
    """A decoded Dockerfile and its logical lines."""

    text: str
    lines: list[str]
    escape: str
    logical: list[LogicalLine] = field(default_factory=list)
    empty_continuation_lines: list[int] = field(default_factory=list)

    def snippet(self, start: int, end: int) -> str:
        """The original lines start..end (1-based, inclusive)."""
        return "\n".join(self.lines[start - 1 : end])


def decode(data: bytes) -> str:
    """Strictly decode UTF-8, refusing binary input with the line of the first bad byte."""
    if len(data) > MAX_BYTES:
        raise DockerfileError(
            f"the file is {len(data) // 1024} KiB; Dockerfiles over {MAX_BYTES // 1024} KiB are refused",
            hint="A Dockerfile this large is almost certainly not a Dockerfile.",
        )
    if b"\0" in data:
        line = data[: data.index(b"\0")].count(b"\n") + 1
        raise DockerfileError("the file contains a NUL byte: this is binary data, not a Dockerfile", line)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DockerfileError(
            f"byte 0x{data[exc.start]:02x} is not valid UTF-8: this is not a text Dockerfile", line
        ) from None
    return text[1:] if text.startswith("\ufeff") else text


def _directives(lines: list[str]) -> str:
    """The escape character, from parser directives at the very top only."""
    escape = "\\"
    seen: set[str] = set()
    for number, raw in enumerate(lines, 1):
        match = _DIRECTIVE.match(raw.rstrip("\r\n"))
        if not match:
            break
        name, value = match.group(1).lower(), match.group(2)
        if name in seen:
            raise DockerfileError(f"only one {name} parser directive can be used", number)
        seen.add(name)
        if name == "escape":
            if value not in ("\\", "`"):
                raise DockerfileError(f"invalid escape token '{value}': it must be ` or \\", number)
            escape = value
        elif name != "syntax":
            # Docker 20.10 knows only escape and syntax: any other name ends
            # the directive block, so a later `# escape=` is a plain comment.
            break
    return escape


def _is_comment(line: str) -> bool:
    return line.lstrip(_GO_SPACE).startswith("#")


def _continues(line: str, escape: str) -> tuple[str, bool]:
    """Strip a trailing escape (plus blanks); say whether the line continues."""
    stripped = line.rstrip(" \t")
    if stripped.endswith(escape):
        return stripped[:-1], True
    return line, False


def split_lines(text: str) -> list[str]:
    """Lines the way Go's scanner cuts them: on \\n only, trailing \\r dropped."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line.rstrip("\r") for line in lines]


def read_source(data: bytes | str) -> Source:
    """Decode and split into logical lines; raise DockerfileError on what Docker rejects."""
    text = decode(data) if isinstance(data, bytes) else data.removeprefix("\ufeff")
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise DockerfileError(f"Dockerfiles over {MAX_BYTES // 1024} KiB are refused")
    lines = split_lines(text)
    escape = _directives(lines)
    source = Source(text=text, lines=lines, escape=escape)
    index = 0
    while index < len(lines):
        line = lines[index].lstrip(_GO_SPACE)
        start = index
        index += 1
        if not line or _is_comment(line):
            continue
        joined, more = _continues(line, escape)
        while more and index < len(lines):
            raw = lines[index]
            index += 1
            if _is_comment(raw):
                continue
            if not raw.strip(_GO_SPACE):
                source.empty_continuation_lines.append(index)
                continue
            piece, more = _continues(raw, escape)
            joined += piece
        end = index
        if not joined.strip(_GO_SPACE):
            continue
        parts = _WHITESPACE.split(joined.strip(_GO_SPACE), maxsplit=1)
        keyword = parts[0]
        rest = parts[1] if len(parts) > 1 else ""
        heredocs: list[Heredoc] = []
        if keyword.upper() in HEREDOC_KEYWORDS and "<<" in rest:
            for match in _HEREDOC.finditer(rest):
                strip_tabs, name = match.group(1) == "-", match.group(3)
                body_start = index
                body: list[str] = []
                while index < len(lines):
                    candidate = lines[index].lstrip("\t") if strip_tabs else lines[index]
                    index += 1
                    if candidate == name:
                        break
                    body.append(candidate)
                else:
                    raise DockerfileError(f"heredoc <<{name} is never closed by a line '{name}'", start + 1)
                heredocs.append(Heredoc(name, "\n".join(body), body_start + 1, index))
            end = index
        source.logical.append(LogicalLine(keyword.upper(), rest, start + 1, end, tuple(heredocs)))
    return source

