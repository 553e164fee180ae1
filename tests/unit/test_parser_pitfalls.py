"""Each row of the dockerfile-parse pitfalls table: the model reads the file as Docker does.

Rows marked "engine" were settled by building the case with the real engine
(Docker 20.10, legacy builder); tests/docker/test_docker_semantics.py builds
them again so a change of Docker behaviour shows up.
"""

from __future__ import annotations

import pytest

from trainer.dockerfile import DockerfileError, parse

GO = "FROM golang:1.22 AS build\nRUN go build -o /app .\n"


def final_base(text: str, **build_args: str) -> str:
    df = parse(text, build_args=build_args)
    return df.root_image(df.final)


def user(text: str) -> str:
    df = parse(text)
    return df.effective_user(df.final).value


def test_byte_order_mark_is_stripped_and_both_stages_seen():
    df = parse(("\ufeff" + GO + "FROM scratch\nCOPY --from=build /app /app\n").encode())
    assert [s.base for s in df.stages] == ["golang:1.22", "scratch"]


def test_crlf_line_endings():
    df = parse((GO + "FROM scratch\nUSER 65532\n").replace("\n", "\r\n").encode())
    assert df.effective_user(df.final).value == "65532"
    assert df.stages[0].name == "build"


def test_escape_directive_backtick_continues_lines():
    df = parse("# escape=`\nFROM scratch\nRUN go build `\n  -o /app .\nCOPY C:\\src\\ /x\n")
    run = df.final.instructions[0]
    assert (run.keyword, run.start, run.end) == ("RUN", 3, 4)
    assert "-o /app" in run.args
    assert df.final.instructions[1].args == "C:\\src\\ /x"


def test_escape_directive_after_a_comment_is_ignored():  # engine
    text = "# comment\n# escape=`\nFROM scratch\nWORKDIR /srv\\\nUSER root\n"
    df = parse(text)
    assert [i.keyword for i in df.final.instructions] == ["WORKDIR"]
    assert df.final.instructions[0].args == "/srvUSER root"


def test_escape_directive_after_a_blank_line_is_ignored():
    df = parse("\n# escape=`\nFROM scratch\nUSER 1 \\\n2\n")
    assert user("\n# escape=`\nFROM scratch\nUSER 1 \\\n2\n") == "1 2"
    assert df.source.escape == "\\"


def test_comment_inside_continuation_is_dropped():
    df = parse("FROM scratch\nRUN echo a \\\n# a comment\n  && echo b\n")
    run = df.final.instructions[0]
    assert run.args == "echo a   && echo b" and (run.start, run.end) == (2, 4)


def test_blank_line_inside_continuation_is_skipped():  # engine: User="root"
    assert user("FROM scratch\nUSER \\\n\nroot\n") == "root"


def test_last_line_continued_without_newline_still_applies():  # engine: User="65532"
    assert user("FROM scratch\nUSER 65532 \\") == "65532"


def test_heredoc_body_is_not_parsed_as_instructions():
    df = parse("FROM golang:1.22\nRUN <<EOF\nset -e\nFROM alpine\nUSER root\nEOF\nFROM gcr.io/distroless/static\n")
    assert [s.base for s in df.stages] == ["golang:1.22", "gcr.io/distroless/static"]
    run = df.stages[0].instructions[0]
    assert run.heredocs[0].body == "set -e\nFROM alpine\nUSER root"
    assert (run.start, run.end) == (2, 6)
    assert df.buildkit_features and "heredoc" in df.buildkit_features[0][1]


def test_heredoc_with_dash_and_quotes():
    df = parse("FROM scratch\nCOPY <<-'EOT' /etc/x\n\tUSER root\n\tEOT\nUSER 65532\n")
    assert df.effective_user(df.final).value == "65532"


def test_unclosed_heredoc_is_a_located_error():
    with pytest.raises(DockerfileError) as err:
        parse("FROM scratch\nRUN <<EOF\necho hi\n")
    assert err.value.line == 2 and "never closed" in err.value.message


def test_lowercase_instructions_and_as():
    df = parse("from golang:1.22 as build\nfrom scratch\ncopy --from=build /a /a\n")
    assert df.stages[0].name == "build" and df.final.instructions[0].flag("from") == "build"


def test_arg_defaults_and_quotes_in_from():
    assert final_base('ARG BASE="gcr.io/distroless/static:nonroot"\nFROM ${BASE}\n') == \
        "gcr.io/distroless/static:nonroot"
    assert final_base("ARG BASE='scratch'\nFROM $BASE\n") == "scratch"


def test_bare_arg_without_default_is_blank_base():  # engine: "base name (${BASE}) should not be blank"
    with pytest.raises(DockerfileError) as err:
        parse("ARG BASE\nFROM ${BASE}\n")
    assert err.value.line == 2 and "should not be blank" in err.value.message


def test_colon_dash_default_and_arg_built_from_arg():  # engine: both build
    assert final_base("ARG BASE\nFROM ${BASE:-gcr.io/distroless/static:nonroot}\n") == \
        "gcr.io/distroless/static:nonroot"
    assert final_base("ARG REG=gcr.io\nARG BASE=${REG}/distroless/static:nonroot\nFROM ${BASE}\n") == \
        "gcr.io/distroless/static:nonroot"


def test_arg_declared_inside_a_stage_is_not_in_scope_for_a_later_from():
    with pytest.raises(DockerfileError):
        parse("FROM scratch AS a\nARG BASE=scratch\nFROM ${BASE}\n")


def test_build_args_override_global_defaults():
    assert final_base("ARG BASE=scratch\nFROM ${BASE}\n", BASE="alpine:3.20") == "alpine:3.20"


def test_platform_flag_with_equals_is_accepted():
    df = parse("FROM --platform=$BUILDPLATFORM golang:1.22 AS build\nFROM scratch\n")
    assert df.stages[0].base == "golang:1.22" and df.stages[0].from_instruction.flag("platform") == "$BUILDPLATFORM"


def test_platform_flag_without_equals_is_rejected_like_docker():  # engine
    with pytest.raises(DockerfileError) as err:
        parse("FROM --platform linux/amd64 scratch\n")
    assert "one or three arguments" in err.value.message and err.value.line == 1


def test_trailing_comment_on_from_is_rejected_like_docker():  # engine
    with pytest.raises(DockerfileError):
        parse("FROM scratch AS build # comment\n")
    with pytest.raises(DockerfileError):
        parse("FROM golang as build extra\n")


def test_json_user_is_literal():  # engine: User="[root]"
    assert user('FROM scratch\nUSER ["root"]\n') == '[root]'


def test_onbuild_user_does_not_change_the_user():  # engine
    assert user("FROM scratch\nUSER 65532\nONBUILD USER root\n") == "65532"


def test_stage_name_shadows_an_image():
    assert final_base("FROM alpine:3.20 AS distroless\nFROM distroless\n") == "alpine:3.20"


def test_stage_names_are_case_insensitive():  # engine
    df = parse("FROM golang:1.22 AS Build\nFROM scratch\nCOPY --from=BUILD /a /a\n")
    assert df.stage_ref("BUILD", 1) is df.stages[0]


def test_copy_from_current_stage_is_rejected():  # engine: "refers to current build stage"
    with pytest.raises(DockerfileError) as err:
        parse("FROM scratch\nFROM scratch\nCOPY --from=1 /a /a\n")
    assert err.value.line == 3


def test_mixed_arg_forms_are_accepted():  # engine: builds
    df = parse("FROM scratch\nARG A=1 B\nUSER $A\n")
    assert df.effective_user(df.final).value == "1"


def test_bare_label_env_arg_are_errors_not_crashes():
    for keyword in ("ARG", "ENV", "LABEL"):
        with pytest.raises(DockerfileError) as err:
            parse(f"FROM scratch\n{keyword} \n")
        assert err.value.line == 2


@pytest.mark.parametrize("text, message", [
    ("", "empty"),
    ("# only a comment\n\n", "no instructions"),
    ("USER root\nFROM scratch\n", "before the first FROM"),
    ("FROM scratch\nUSR root\n", "unknown instruction: USR"),
    ("FROM scratch\nUSER\n", "requires at least one argument"),
    ("FROM scratch\nCOPY --nope /a /b\n", "unknown flag"),
    ("FROM scratch AS 1bad\n", "invalid name"),
    ("FROM scratch AS a\nFROM scratch AS A\n", "duplicate stage name"),
])
def test_files_docker_rejects_get_a_located_message(text, message):
    with pytest.raises(DockerfileError) as err:
        parse(text)
    assert message in err.value.message


def test_binary_and_latin1_input_are_refused_with_a_line():
    with pytest.raises(DockerfileError) as err:
        parse(b"FROM scratch\nUSER \xe9t\xe9\n")
    assert err.value.line == 2 and "UTF-8" in err.value.message
    with pytest.raises(DockerfileError) as err:
        parse(b"FROM scratch\n\x00\x01\x02")
    assert "NUL" in err.value.message


def test_oversized_input_is_refused():
    with pytest.raises(DockerfileError) as err:
        parse(b"FROM scratch\n" + b"RUN " + b"x" * (300 * 1024) + b"\n")
    assert "KiB" in err.value.message


def test_long_continued_instruction_parses_in_linear_time():
    # dockerfile-parse alone joins continuations quadratically (256 KiB: ~0.4 s);
    # the pre-pass hands it one joined line. Count, not time: every line is read once.
    body = "RUN echo a \\\n" * 15000 + "  && true\n"
    df = parse("FROM scratch\n" + body)
    run = df.final.instructions[0]
    assert (run.start, run.end) == (2, 15002)


def test_line_ranges_are_one_based_and_inclusive():
    df = parse("# c\nFROM golang:1.22 AS build\nRUN a \\\n  b\n\nFROM scratch\n")
    assert [(i.keyword, i.start, i.end) for i in df.instructions] == [("FROM", 2, 2), ("RUN", 3, 4), ("FROM", 6, 6)]
