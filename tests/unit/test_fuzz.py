"""Property tests: no input, however broken, makes the parser or the checks raise anything but DockerfileError."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trainer.checks import Status, run_exam_checks
from trainer.dockerfile import DockerfileError, parse

KEYWORDS = ["FROM", "from", "RUN", "COPY", "ADD", "USER", "ARG", "ENV", "LABEL", "WORKDIR", "ONBUILD",
            "CMD", "ENTRYPOINT", "EXPOSE", "HEALTHCHECK", "SHELL", "USR", "#", "# escape=`", "# escape=\\"]
PIECES = ["golang:1.22", "scratch", "gcr.io/distroless/static:nonroot", "AS build", "as B", "--from=build",
          "--from=0", "--from=9", "--platform=x", "--chown=1:1", "root", "0", "65532:65532", "${A}", "$A",
          "${A:-scratch}", "${A:+x}", "${A:?}", "A=1", "A", "B=${A}", '"q', "'q'", "\\", "`", "<<EOF", "<<-EOT",
          "EOF", "/", ".", "/app", "[\"/app\"]", "[", "\ufeff", "\t", " ", "\r", "\x0b", "é", "\u2028"]

line = st.builds(lambda k, parts: " ".join([k, *parts]), st.sampled_from(KEYWORDS),
                 st.lists(st.sampled_from(PIECES), max_size=5))
dockerfile_text = st.lists(line, max_size=25).map("\n".join)
separators = st.sampled_from(["\n", "\r\n", "\\\n", "\n\n"])


def _judge(data) -> None:
    try:
        df = parse(data)
    except DockerfileError as exc:
        assert exc.message
        return
    for result in run_exam_checks(df):
        assert result.status in (Status.PASS, Status.FAIL), result.message


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dockerfile_text, separators)
def test_mutated_dockerfiles_never_raise(text, separator):
    _judge(text.replace("\n", separator))


@settings(max_examples=1000, deadline=None)
@given(st.binary(max_size=2048))
def test_random_bytes_never_raise(data):
    _judge(data)


@settings(max_examples=1000, deadline=None)
@given(st.text(max_size=400))
def test_random_text_never_raises(text):
    _judge(text)
