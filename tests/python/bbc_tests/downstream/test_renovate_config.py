"""docs/renovate.json, the Renovate configuration the docs give: it parses, names the keys
docs/downstream.md names, and its rules sort the plugin's own tags as the pin table does (exact
versions moved and pinned, moving tags left to follow their tag, content tags never touched)."""

import json
import re
from pathlib import Path

from bbc.model.tags import content_tag, version_tags

CONFIG = Path("docs/renovate.json")
DOCS = Path("docs/downstream.md")


def _rules() -> list[dict]:
    config = json.loads(CONFIG.read_text())
    assert config["extends"] == ["config:recommended"]
    return config["packageRules"]


def _pattern(rule: dict) -> re.Pattern:
    value = rule["matchCurrentValue"]
    assert value.startswith("/") and value.endswith("/"), value  # Renovate's regex form
    return re.compile(value[1:-1])


def _kind(tag: str) -> str:
    """What the configuration does with a reference at `tag`: the one rule that matches it."""
    base, *by_value = _rules()
    assert base["versioning"] == "docker" and base["ignoreUnstable"] is True
    assert base["pinDigests"] is False
    matched = [rule for rule in by_value if _pattern(rule).fullmatch(tag)]
    assert matched, tag
    rule = matched[-1]  # Renovate applies every matching rule in order: the last one wins
    if rule.get("pinDigests"):
        return "moved and pinned"
    if rule.get("enabled") is False and "matchUpdateTypes" in rule:
        assert "digest" not in rule["matchUpdateTypes"]
        assert {"major", "minor", "patch", "pin", "pinDigest"} <= set(rule["matchUpdateTypes"])
        return "digest follows"
    assert rule.get("enabled") is False
    return "never touched"


def test_the_rules_sort_the_plugins_tags_as_the_pin_table_does() -> None:
    for variant in (None, "cuda12", "cuda12.4", "rocm_6"):
        exact, *moving = version_tags("1.4.2", variant)
        assert _kind(exact) == "moved and pinned"
        assert [_kind(tag) for tag in moving] == ["digest follows"] * 3
        assert _kind(content_tag(exact, "abcdef012345" * 5)) == "never touched"
        assert _kind(content_tag(exact, "0123456789ab" * 5)) == "never touched"


def test_the_docs_show_the_configuration_file_and_name_its_keys() -> None:
    docs = DOCS.read_text()
    assert "docs/renovate.json" in docs or "(renovate.json)" in docs
    for key in (
        "versioning",
        "ignoreUnstable",
        "pinDigests",
        "matchCurrentValue",
        "matchUpdateTypes",
    ):
        assert f"`{key}`" in docs, key
        assert key in CONFIG.read_text(), key


def test_the_patterns_are_re2_and_the_content_tag_rule_is_last() -> None:
    rules = _rules()
    for rule in rules[1:]:
        assert "(?!" not in rule["matchCurrentValue"] and "(?=" not in rule["matchCurrentValue"]
    assert rules[-1].get("enabled") is False and "matchUpdateTypes" not in rules[-1]
