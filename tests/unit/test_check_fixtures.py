"""Every fixture Dockerfile beside each check gets the verdict its folder names.

tests/unit/fixtures/<check-id>/{pass,fail}/<case>.Dockerfile; the first
comment lines of a fixture say why. Cases whose Docker semantics were in
doubt are also built with the real engine in tests/docker/test_docker_semantics.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from trainer.checks import EXAM_CHECK_IDS, CheckSettings, Status, run_exam_checks
from trainer.dockerfile import parse_file

FIXTURES = Path(__file__).parent / "fixtures"
BUILD_ARGS = {"build-arg-overrides-default": {"BASE": "ubuntu:24.04"}}
CASES = sorted(FIXTURES.glob("*/*/*.Dockerfile"))


def test_there_are_at_least_sixty_fixtures_covering_every_check():
    assert len(CASES) >= 60
    for check_id in EXAM_CHECK_IDS:
        for verdict in ("pass", "fail"):
            assert list((FIXTURES / check_id / verdict).glob("*.Dockerfile")), (check_id, verdict)


@pytest.mark.parametrize("path", CASES, ids=lambda p: f"{p.parts[-3]}-{p.parts[-2]}-{p.stem}")
def test_fixture_verdict(path: Path):
    check_id, expected = path.parts[-3], path.parts[-2]
    build_args = BUILD_ARGS.get(path.stem, {})
    dockerfile = parse_file(path, build_args)
    (result,) = run_exam_checks(dockerfile, CheckSettings(build_args=build_args), only=(check_id,))
    assert result.status is Status(expected), result.message
    assert result.message
    if expected == "fail":
        assert result.hint and result.evidence, "a failure shows lines and a hint"
        for ev in result.evidence:
            assert 1 <= ev.start <= ev.end and ev.text
