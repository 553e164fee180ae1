"""Report exports: JSON (the report's own shape) and JUnit XML for CI dashboards."""

from __future__ import annotations

import json
from xml.etree import ElementTree as ET

from trainer.checks import Status
from trainer.grading import Report


def to_json(report: Report) -> str:
    """The JSON report: scenario, score, max_score and a checks list."""
    return json.dumps(report.to_dict(), indent=2)


def to_junit(report: Report) -> str:
    """One testsuite per grade, one testcase per check."""
    failures = sum(c.status in (Status.FAIL, Status.ERROR) for c in report.checks)
    skipped = sum(c.status is Status.SKIPPED for c in report.checks)
    suite = ET.Element("testsuite", name=f"cks-trainer.{report.scenario}", tests=str(len(report.checks)),
                       failures=str(failures), skipped=str(skipped))
    for check in report.checks:
        case = ET.SubElement(suite, "testcase", classname=report.scenario, name=check.id)
        if check.status is Status.FAIL:
            ET.SubElement(case, "failure", message=check.message).text = check.hint
        elif check.status is Status.ERROR:
            ET.SubElement(case, "error", message=check.message)
        elif check.status is Status.SKIPPED:
            ET.SubElement(case, "skipped", message=check.message)
    return ET.tostring(suite, encoding="unicode", xml_declaration=True)
