"""What `./pants test` reports for an image: a summary and JUnit XML, from plain results.

Output is kept readable and bounded: terminal colour codes and characters XML cannot hold are
removed, and a check's output beyond a limit keeps its beginning and end, saying how much was cut.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

# ANSI escape sequences, and the characters XML 1.0 cannot hold (all controls but \t, \n, \r).
_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])")
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


@dataclass(frozen=True)
class Check:
    suite: str  # e.g. "contract tests", "production is clean", "tests"
    name: str
    passed: bool
    output: str = ""


def report_stem(address: str) -> str:
    """The start of the names of an image's report files: `apps.web.web` of `apps/web:web`."""
    return address.replace("/", ".").replace(":", ".")


def clean(text: str) -> str:
    """Text as a report can hold it: no colour codes, no control characters."""
    return _NOT_XML.sub("", _ANSI.sub("", text))


def capped(text: str, limit: int) -> str:
    """At most about `limit` characters: the beginning and the end, and how much was cut."""
    if len(text) <= limit:
        return text
    half = limit // 2
    cut = len(text) - 2 * half
    return (
        f"{text[:half]}\n[... {cut} characters cut: the output of a check is capped at {limit} "
        f"characters ([container-tests].output_limit); its beginning and end are kept ...]\n"
        f"{text[-half:]}"
    )


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
                suite, "testcase", classname=f"{address} {suite_name}", name=clean(check.name)
            )
            if not check.passed:
                ET.SubElement(case, "failure", message="failed").text = clean(check.output)
            elif check.output:
                ET.SubElement(case, "system-out").text = clean(check.output)
    return ET.tostring(suites, encoding="utf-8", xml_declaration=True)
