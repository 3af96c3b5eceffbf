"""What `./pants test` reports for an image: a summary and JUnit XML, from plain results."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass


@dataclass(frozen=True)
class Check:
    suite: str  # e.g. "contract tests", "production is clean", "tests"
    name: str
    passed: bool
    output: str = ""


def summary(address: str, checks: list[Check]) -> str:
    lines = []
    for check in checks:
        lines.append(f"{'PASS' if check.passed else 'FAIL'} {address} [{check.suite}] {check.name}")
        if not check.passed and check.output.strip():
            lines.extend(f"    {line}" for line in check.output.rstrip().splitlines())
    failed = sum(not c.passed for c in checks)
    lines.append(f"{len(checks) - failed} passed, {failed} failed")
    return "\n".join(lines) + "\n"


def junit_xml(address: str, checks: list[Check]) -> bytes:
    suites = ET.Element("testsuites", name=address)
    for suite_name in dict.fromkeys(c.suite for c in checks):
        members = [c for c in checks if c.suite == suite_name]
        suite = ET.SubElement(
            suites,
            "testsuite",
            name=f"{address} {suite_name}",
            tests=str(len(members)),
            failures=str(sum(not c.passed for c in members)),
        )
        for check in members:
            case = ET.SubElement(
                suite, "testcase", classname=f"{address} {suite_name}", name=check.name
            )
            if not check.passed:
                ET.SubElement(case, "failure", message="failed").text = check.output
            elif check.output:
                ET.SubElement(case, "system-out").text = check.output
    return ET.tostring(suites, encoding="utf-8", xml_declaration=True)
