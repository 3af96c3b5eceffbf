import xml.etree.ElementTree as ET

from bbc.container_tests.junit import Check, capped, clean, junit_xml, summary


def test_colour_codes_and_control_characters_leave_a_well_formed_report():
    output = (
        "\x1b[31mFAILED\x1b[0m test_x \x1b]8;;http://x\x07link\x1b]8;;\x07 bell\x07 nul\x00 ok\ttab"
    )
    xml = junit_xml("img/a:a", [Check("tests", "pytest \x1b[1mrun\x1b[0m", False, output)])
    tree = ET.fromstring(xml)  # raises if not well-formed
    failure = tree.find(".//failure")
    assert failure is not None and failure.text == "FAILED test_x link bell nul ok\ttab"
    assert tree.find(".//testcase").get("name") == "pytest run"
    assert clean("a\x1b[2Kb\r\nc") == "ab\r\nc"


def test_long_output_keeps_its_beginning_and_end_and_says_what_was_cut():
    text = "a" * 1000 + "b" * 1000
    shown = capped(text, 100)
    assert shown.startswith("a" * 50 + "\n[... 1900 characters cut")
    assert shown.endswith("...]\n" + "b" * 50)
    assert "capped at 100 characters ([container-tests].output_limit)" in shown
    assert capped("short", 100) == "short"


def test_a_summary_shows_the_output_of_what_failed_only():
    text = summary("img/a:a", [Check("s", "good", True, "noise"), Check("s", "bad", False, "why")])
    assert text == "PASS img/a:a [s] good\nFAIL img/a:a [s] bad\n    why\n1 passed, 1 failed\n"
