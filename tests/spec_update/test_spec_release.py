"""Releases that follow the spec diff (tools/spec/release.py): the class of an update, the
version bump it earns, and the Keep a Changelog entry it writes."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tools.spec.diff import Change
from tools.spec.release import (
    CHANGELOG_HEADER,
    ChangeClass,
    ReleaseError,
    bump,
    changelog_entry,
    classify,
    insert_entry,
    read_version,
    release_changelog,
    unreleased_items,
    write_version,
)

DAY = date(2025, 3, 4)
REMOVED = Change("response-property-removed", "`GET /a`", "field `b` removed", breaking=True)
ADDED = Change("response-property-added", "`GET /a`", "new field `c`", breaking=False)
REQUIRED = Change("new-required-request-property", "`POST /a`", "new required field `d`", True)
DEPRECATED = Change("operation-deprecated", "`GET /a`", "operation deprecated", False)
SERVER = Change("server-url-changed", "servers", "default server URL changed", False, True)


@pytest.mark.parametrize(
    ("version", "change", "expected"),
    [
        ("0.1.0", ChangeClass.BREAKING, "0.2.0"),
        ("0.1.7", ChangeClass.BREAKING, "0.2.0"),
        ("0.1.0", ChangeClass.ADDITIVE, "0.1.1"),
        ("0.1.0", ChangeClass.DOCS, "0.1.1"),
        ("0.9.3", ChangeClass.BREAKING, "0.10.0"),  # never to 1.0 by itself
        ("1.4.2", ChangeClass.BREAKING, "2.0.0"),
        ("1.4.2", ChangeClass.ADDITIVE, "1.5.0"),
        ("1.4.2", ChangeClass.DOCS, "1.4.3"),
        ("1.4.2", ChangeClass.NONE, "1.4.2"),
    ],
)
def test_bump_follows_the_documented_rule(version: str, change: ChangeClass, expected: str) -> None:
    assert bump(version, change) == expected


@pytest.mark.parametrize("version", ["1.0", "1.0.0rc1", "v1.0.0", "01.2.3", ""])
def test_bump_refuses_what_is_not_major_minor_patch(version: str) -> None:
    with pytest.raises(ReleaseError, match=r"MAJOR\.MINOR\.PATCH"):
        bump(version, ChangeClass.DOCS)


def test_classify_by_the_diff() -> None:
    assert classify([ADDED, REMOVED], curated_changed=True) is ChangeClass.BREAKING
    assert classify([ADDED, SERVER], curated_changed=True) is ChangeClass.ADDITIVE
    assert classify([], curated_changed=True) is ChangeClass.DOCS
    assert classify([], curated_changed=False) is ChangeClass.NONE


def test_entry_lists_breaking_changes_first_in_keep_a_changelog_sections() -> None:
    entry = changelog_entry("0.2.0", DAY, [ADDED, DEPRECATED, SERVER, REQUIRED, REMOVED],
                            ChangeClass.BREAKING)  # fmt: skip
    lines = entry.splitlines()
    assert lines[0] == "## [0.2.0] - 2025-03-04"
    headings = [line for line in lines if line.startswith("### ")]
    # the sections with a breaking change come first
    assert headings == ["### Removed", "### Changed", "### Deprecated", "### Added"]
    bullets = [line for line in lines if line.startswith("- ")]
    assert bullets[:2] == [
        "- **Breaking:** `GET /a`: field `b` removed",
        "- **Breaking:** `POST /a`: new required field `d`",
    ]
    assert not any("**Breaking:**" in line for line in bullets[2:])
    assert "- `GET /a`: new field `c`" in bullets
    assert "- Servers: default server URL changed" in bullets
    assert "response-property-added" not in entry  # plain words, not rule ids


def test_a_breaking_change_in_a_later_section_moves_that_section_first() -> None:
    breaking_addition = Change("security-requirement-added", "`GET /a`", "needs X", True)
    entry = changelog_entry("0.2.0", DAY, [DEPRECATED, breaking_addition], ChangeClass.BREAKING)
    headings = [line for line in entry.splitlines() if line.startswith("### ")]
    assert headings == ["### Added", "### Deprecated"]


def test_docs_only_entry_says_the_api_did_not_change() -> None:
    entry = changelog_entry("0.1.1", DAY, [], ChangeClass.DOCS)
    assert entry.splitlines()[:3] == ["## [0.1.1] - 2025-03-04", "", "### Changed"]
    assert "the API did not" in entry


def test_entry_goes_under_unreleased_above_previous_releases() -> None:
    changelog = CHANGELOG_HEADER + "\n## [0.1.0] - 2024-12-01\n\n### Added\n\n- first\n"
    entry = changelog_entry("0.1.1", DAY, [ADDED], ChangeClass.ADDITIVE)
    text = insert_entry(changelog, entry)
    assert text.startswith(CHANGELOG_HEADER)
    marks = ("## [Unreleased]", "## [0.1.1] - 2025-03-04", "## [0.1.0] - 2024-12-01")
    order = [text.index(mark) for mark in marks]
    assert order == sorted(order)
    assert text.count("## [0.1.1]") == 1
    assert "\n\n\n" not in text


def test_unreleased_items_ship_in_the_release_after_the_apis_changes() -> None:
    changelog = (
        CHANGELOG_HEADER
        + "\n### Fixed\n\n- a retry bug,\n  found by the load test\n"
        + "\n### Removed\n\n- an unused helper\n- **Breaking:** the old flag\n"
        + "\n## [0.1.0] - 2024-12-01\n\n### Added\n\n- first\n"
    )
    assert unreleased_items(changelog) == {
        "Fixed": ["- a retry bug,\n  found by the load test"],
        "Removed": ["- an unused helper", "- **Breaking:** the old flag"],
    }
    text, entry = release_changelog(changelog, "0.2.0", DAY, [ADDED, REMOVED],
                                    ChangeClass.BREAKING)  # fmt: skip
    assert entry in text
    unreleased = text.index("## [Unreleased]")
    assert text[unreleased:].split("\n", 2)[2].startswith("## [0.2.0] - 2025-03-04")
    assert text.count("a retry bug") == 1  # moved, not copied
    bullets = [line for line in entry.splitlines() if line.startswith("- ")]
    assert bullets == [
        "- **Breaking:** `GET /a`: field `b` removed",
        "- **Breaking:** the old flag",
        "- an unused helper",
        "- `GET /a`: new field `c`",
        "- a retry bug,",
    ]
    headings = [line for line in entry.splitlines() if line.startswith("### ")]
    assert headings == ["### Removed", "### Added", "### Fixed"]
    assert "  found by the load test" in entry
    assert text.index("## [0.2.0]") < text.index("## [0.1.0]")


def test_release_of_a_changelog_without_unreleased_items() -> None:
    text, entry = release_changelog("", "0.1.1", DAY, [], ChangeClass.DOCS)
    assert text.startswith(CHANGELOG_HEADER)
    assert text.endswith(entry)
    assert unreleased_items(text) == {}


def test_entry_in_a_new_or_headless_changelog() -> None:
    entry = changelog_entry("0.1.1", DAY, [ADDED], ChangeClass.ADDITIVE)
    created = insert_entry("", entry)
    assert created.startswith("# Changelog\n")
    assert created.index("## [Unreleased]") < created.index("## [0.1.1]")
    headless = insert_entry("# Changes\n\n## [0.1.0] - 2024-12-01\n- first\n", entry)
    assert headless.index("## [0.1.1]") < headless.index("## [0.1.0]")


def test_version_file_is_read_and_rewritten_in_place(tmp_path: Path) -> None:
    path = tmp_path / "_version.py"
    path.write_text('"""The version."""\n\n__version__ = "0.3.1"\n', encoding="utf-8")
    assert read_version(path) == "0.3.1"
    write_version(path, "0.4.0")
    assert path.read_text(encoding="utf-8") == '"""The version."""\n\n__version__ = "0.4.0"\n'
    path.write_text("VERSION = 1\n", encoding="utf-8")
    with pytest.raises(ReleaseError, match="__version__"):
        read_version(path)
    with pytest.raises(ReleaseError, match="cannot read"):
        read_version(tmp_path / "missing.py")
