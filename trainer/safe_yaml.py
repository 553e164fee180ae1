"""Load untrusted YAML without the known ways PyYAML can be made to hang, crash or explode.

`yaml.safe_load` alone is not enough for files from other people: a few
hundred bytes of aliases expand to gigabytes when walked, deep nesting raises
RecursionError (or segfaults libyaml), and huge scalars are slow. So: a size
cap, a token pre-scan that refuses anchors, aliases and deep nesting, the
pure-Python safe loader, and every error turned into one with a line.
"""

from __future__ import annotations

import yaml

MAX_YAML_BYTES = 256 * 1024
MAX_DEPTH = 32


class YamlError(ValueError):
    """A YAML file that cannot be used, with the line where it goes wrong."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


def load_yaml(data: bytes) -> object:
    """Parse one YAML document safely; raise YamlError with a line on any problem."""
    if len(data) > MAX_YAML_BYTES:
        raise YamlError(f"the file is {len(data) // 1024} KiB; YAML files over {MAX_YAML_BYTES // 1024} KiB "
                        f"are refused")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise YamlError("the file is not UTF-8 text", data[: exc.start].count(b"\n") + 1) from None
    try:
        depth = 0
        for token in yaml.scan(text, Loader=yaml.SafeLoader):
            line = token.start_mark.line + 1
            if isinstance(token, (yaml.AnchorToken, yaml.AliasToken)):
                raise YamlError("anchors and aliases (&name, *name) are not allowed in pack files", line)
            if isinstance(token, (yaml.BlockMappingStartToken, yaml.BlockSequenceStartToken,
                                  yaml.FlowMappingStartToken, yaml.FlowSequenceStartToken)):
                depth += 1
                if depth > MAX_DEPTH:
                    raise YamlError(f"nesting deeper than {MAX_DEPTH} levels", line)
            elif isinstance(token, (yaml.BlockEndToken, yaml.FlowMappingEndToken, yaml.FlowSequenceEndToken)):
                depth -= 1
            elif isinstance(token, yaml.TagToken):
                raise YamlError("YAML tags (!!python/..., !custom) are not allowed in pack files", line)
        documents = list(yaml.load_all(text, Loader=yaml.SafeLoader))
    except YamlError:
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise YamlError(f"invalid YAML: {exc.problem or exc.context}", mark.line + 1 if mark else None) from None
    except (yaml.YAMLError, RecursionError, ValueError, IndexError, OverflowError) as exc:
        raise YamlError(f"invalid YAML: {type(exc).__name__}") from None
    if len(documents) != 1:
        raise YamlError(f"expected one YAML document, found {len(documents)}")
    return documents[0]


def line_of_key(data: bytes, path: list[str | int]) -> int | None:
    """Best-effort line of a field path (for messages); None when it cannot be found."""
    try:
        node = yaml.compose(data.decode("utf-8"), Loader=yaml.SafeLoader)
    except (yaml.YAMLError, UnicodeDecodeError, RecursionError):
        return None
    line = node.start_mark.line + 1 if node is not None else None
    for part in path:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if key.value == part:
                    node, line = value, key.start_mark.line + 1
                    break
            else:
                return line
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            return line
    return line
