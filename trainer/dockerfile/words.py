"""Docker's word processing: quotes, escapes and `$VAR` expansion.

A faithful subset of BuildKit's shell lexer (`frontend/dockerfile/shell`): the
forms that decide a grade are `$VAR`, `${VAR}`, `${VAR:-word}`, `${VAR-word}`,
`${VAR:+word}`, `${VAR+word}`, `${VAR:?msg}` and `${VAR?msg}`, nested words,
single and double quotes, and the escape character. A variable that is not
set expands to nothing, as in Docker.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

_NAME_START = re.compile(r"[A-Za-z_]")
_NAME_CHAR = re.compile(r"[A-Za-z0-9_]")


class WordError(ValueError):
    """A word Docker's lexer refuses (unterminated quote or brace, `${VAR:?}` unset)."""


class _Lexer:
    def __init__(self, text: str, env: Mapping[str, str], escape: str) -> None:
        self.text = text
        self.pos = 0
        self.env = env
        self.escape = escape
        self.used: list[str] = []

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def next(self) -> str:
        char = self.peek()
        self.pos += 1
        return char

    def word(self, stop: str = "", split: bool = False) -> list[str]:
        """Process until `stop` (used inside `${...}`) or the end; return the words."""
        words: list[str] = []
        current: list[str] = []
        started = False
        while self.pos < len(self.text):
            char = self.peek()
            if stop and char in stop:
                break
            if split and char in " \t\r\n":
                self.pos += 1
                if started:
                    words.append("".join(current))
                    current, started = [], False
                continue
            started = True
            if char == self.escape:
                self.pos += 1
                if self.pos < len(self.text):
                    current.append(self.next())
                else:
                    current.append(char)
            elif char == "'":
                self.pos += 1
                end = self.text.find("'", self.pos)
                if end < 0:
                    raise WordError("unexpected end of statement while looking for matching single-quote")
                current.append(self.text[self.pos : end])
                self.pos = end + 1
            elif char == '"':
                self.pos += 1
                current.append(self.double_quoted())
            elif char == "$":
                current.append(self.dollar())
            else:
                current.append(self.next())
        if started:
            words.append("".join(current))
        return words

    def double_quoted(self) -> str:
        out: list[str] = []
        while True:
            if self.pos >= len(self.text):
                raise WordError("unexpected end of statement while looking for matching double-quote")
            char = self.next()
            if char == '"':
                return "".join(out)
            if char == "$":
                self.pos -= 1
                out.append(self.dollar())
            elif char == self.escape and self.peek() in ('"', "$", self.escape):
                out.append(self.next())
            else:
                out.append(char)

    def dollar(self) -> str:
        self.pos += 1  # the '$'
        char = self.peek()
        if char == "{":
            self.pos += 1
            return self.braced()
        if char and _NAME_START.match(char):
            name = self.name()
            self.used.append(name)
            return self.env.get(name, "")
        if char.isdigit():
            self.pos += 1  # positional parameters are always empty
            return ""
        return "$"

    def name(self) -> str:
        start = self.pos
        while self.pos < len(self.text) and _NAME_CHAR.match(self.text[self.pos]):
            self.pos += 1
        return self.text[start : self.pos]

    def braced(self) -> str:
        name = self.name()
        if not name:
            raise WordError("bad substitution: missing variable name after ${")
        self.used.append(name)
        char = self.next()
        value = self.env.get(name)
        if char == "}":
            return value or ""
        colon = char == ":"
        if colon:
            char = self.next()
        if char not in ("-", "+", "?"):
            # ${VAR#pattern} and friends: not used by graded lines; keep the value.
            self.pos -= 1
            self.skip_to_brace()
            return value or ""
        argument = "".join(self.word(stop="}"))
        if self.next() != "}":
            raise WordError("missing '}' in variable substitution")
        is_set = value is not None and (value != "" or not colon)
        if char == "-":
            return value if is_set else argument
        if char == "+":
            return argument if is_set else ""
        if not is_set:
            raise WordError(f"{name}: {argument or 'is not allowed to be unset'}")
        return value or ""

    def skip_to_brace(self) -> None:
        depth = 1
        while self.pos < len(self.text):
            char = self.next()
            if char == "{":
                depth += 1
            elif char == "}":
                depth -= 1
                if depth == 0:
                    return
        raise WordError("missing '}' in variable substitution")


def expand(text: str, env: Mapping[str, str], escape: str = "\\") -> str:
    """Process one word: quotes removed, variables expanded."""
    return "".join(_Lexer(text, env, escape).word())


def expand_words(text: str, env: Mapping[str, str], escape: str = "\\") -> list[str]:
    """Split on blanks outside quotes, then process each word."""
    return _Lexer(text, env, escape).word(split=True)


def variables_used(text: str, escape: str = "\\") -> list[str]:
    """Names a word refers to, in order (for messages such as 'BASE is not set')."""
    lexer = _Lexer(text, {}, escape)
    try:
        lexer.word()
    except WordError:
        pass
    return lexer.used


def parse_json_array(text: str) -> list[str] | None:
    """The exec (JSON) form of an instruction, or None when it is shell form."""
    stripped = text.strip()
    if not stripped.startswith("["):
        return None
    try:
        value = json.loads(stripped)
    except ValueError:
        return None
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return value
    return None


def split_key_values(text: str, keyword: str) -> list[tuple[str, str | None]]:
    """ARG, ENV and LABEL arguments as (name, raw value or None).

    Follows Docker: the legacy `ENV NAME value with spaces` form when the first
    word has no `=`, otherwise one or more `name=value` words (quotes kept in
    the raw value; they are removed when the value is expanded). ARG also
    accepts bare names (`ARG A=1 B`).
    """
    words = _raw_words(text)
    if not words:
        return []
    if keyword in ("ENV", "LABEL") and "=" not in words[0]:
        name, _, value = text.strip().partition(" ")
        if not value.strip() and "\t" in name:
            name, _, value = name.partition("\t")
        return [(name, value.strip())]
    pairs: list[tuple[str, str | None]] = []
    for word in words:
        name, eq, value = word.partition("=")
        pairs.append((name, value if eq else None))
    return pairs


def _raw_words(text: str) -> list[str]:
    """Blank-separated words with quotes and escapes kept as written."""
    words: list[str] = []
    current: list[str] = []
    quote = ""
    index = 0
    while index < len(text):
        char = text[index]
        if quote:
            current.append(char)
            if char == quote:
                quote = ""
            elif char == "\\" and quote == '"' and index + 1 < len(text):
                index += 1
                current.append(text[index])
        elif char in "'\"":
            quote = char
            current.append(char)
        elif char == "\\" and index + 1 < len(text):
            current.append(char)
            index += 1
            current.append(text[index])
        elif char in " \t":
            if current:
                words.append("".join(current))
                current = []
        else:
            current.append(char)
        index += 1
    if current:
        words.append("".join(current))
    return words
