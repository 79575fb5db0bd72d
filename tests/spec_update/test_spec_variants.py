"""The spec drill's battery and checks, without running the drill (``nox -s spec_drill`` does):
each variant classifies as it declares, and each check of tools/spec/drill.py catches the
failure it exists for."""

from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.spec_update.spec_update_support import ROOT, load_upstream
from tools.spec import drill
from tools.spec.diff import diff_specs
from tools.spec.release import classify
from tools.spec.update import build_from
from tools.spec.variants import BY_NAME, VARIANTS, Variant, fresh

OVERLAY = ROOT / "spec" / "overlay.yaml"


def test_the_battery_covers_what_the_issue_names() -> None:
    assert {v.name for v in VARIANTS if v.exit_code == 0} == {
        "new-host", "new-response-field", "new-query-parameter", "new-operation",
        "new-enum-value", "description-only",
    }  # fmt: skip
    assert {v.name for v in VARIANTS if v.exit_code == 3} == {
        "removed-field", "renamed-operation-id", "required-request-field",
        "renamed-path-parameter",
    }  # fmt: skip
    assert BY_NAME["new-response-field"].probe  # an added field, read through the facade
    assert BY_NAME["new-enum-value"].probe


@pytest.mark.parametrize("variant", VARIANTS, ids=[v.name for v in VARIANTS])
def test_each_variant_classifies_as_it_declares(variant: Variant) -> None:
    base = copy.deepcopy(load_upstream())
    if variant.baseline is not None:
        variant.baseline(base)
    old = build_from(base, OVERLAY)  # the overlay still applies: no exit 1
    new = build_from(variant.document(base), OVERLAY)
    assert old != new
    changes = diff_specs(yaml.safe_load(old), yaml.safe_load(new))
    assert classify(changes, curated_changed=True) == variant.change_class
    if variant.rule:
        assert variant.rule in {change.rule for change in changes}
    else:
        assert changes == []


@pytest.mark.parametrize("variant", [v for v in VARIANTS if v.exit_code == 0], ids=lambda v: v.name)
def test_each_variant_is_still_a_change_after_the_vendor_made_it(variant: Variant) -> None:
    # the drill's copies run this suite on a description the variant already changed, and
    # the vendor may make the very same change one day: the battery must not freeze it
    base = copy.deepcopy(load_upstream())
    if variant.baseline is not None:
        variant.baseline(base)
    once, first = variant.revise(base)
    twice, second = variant.revise(once)
    assert twice != once
    changes = diff_specs(yaml.safe_load(build_from(once, OVERLAY)),
                         yaml.safe_load(build_from(twice, OVERLAY)))  # fmt: skip
    assert classify(changes, curated_changed=True) == variant.change_class
    assert first == {} or first != second  # a fresh name each time


def test_fresh_names_avoid_what_the_document_has() -> None:
    assert fresh(set(), "lastUsedTime") == "lastUsedTime"
    assert fresh({"lastUsedTime"}, "lastUsedTime", "lastUsedAt") == "lastUsedAt"
    assert fresh({"x", "x2", "y"}, "x", "y") == "x3"


def test_variants_leave_the_given_document_alone() -> None:
    upstream = load_upstream()
    kept = copy.deepcopy(upstream)
    for variant in VARIANTS:
        start = copy.deepcopy(upstream)
        if variant.baseline is not None:
            variant.baseline(start)
        before = copy.deepcopy(start)
        assert variant.document(start) != start
        assert start == before
    assert upstream == kept


# ---- the drill's checks catch what they are for ---------------------------------------------


def test_check_tests_flags_tests_on_a_breaking_change_and_red_or_missing_suites(
    tmp_path: Path,
) -> None:
    junit = tmp_path / "junit.xml"
    breaking = drill.Report(BY_NAME["removed-field"])
    assert drill.check_tests(breaking, junit) == "not run"
    assert breaking.ok
    junit.write_text('<testsuites><testsuite tests="5" failures="1" errors="0" skipped="0"/>'
                     "</testsuites>", encoding="utf-8")  # fmt: skip
    assert drill.check_tests(breaking, junit) == "ran"
    assert not breaking.ok
    additive = drill.Report(BY_NAME["new-host"])
    assert drill.check_tests(additive, junit) == "4 passed, 1 failed"
    assert not additive.ok
    missing = drill.Report(BY_NAME["new-host"])
    drill.check_tests(missing, tmp_path / "none.xml")
    assert "did not run" in missing.problems[0]
    junit.write_text('<testsuites><testsuite tests="7" failures="0" errors="0" skipped="2"/>'
                     "</testsuites>", encoding="utf-8")  # fmt: skip
    green = drill.Report(BY_NAME["new-host"])
    assert drill.check_tests(green, junit) == "5 passed, 0 failed"
    assert green.ok


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A small git project: tracked, untracked and ignored files."""
    root = tmp_path / "project"
    for name in ("spec/upstream.yaml", "openapi.yaml", "generated/pkg/a.py",
                 "sinch_keys/_version.py", "CHANGELOG.md", "README.md"):  # fmt: skip
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(name, encoding="utf-8")
    (root / ".gitignore").write_text(".venv/\n", encoding="utf-8")
    drill.git(root, "init", "-q")
    drill.git(root, "add", "openapi.yaml", ".gitignore")
    drill.git(root, "commit", "-q", "-m", "first")
    (root / ".venv").mkdir()
    (root / ".venv" / "big").write_text("x", encoding="utf-8")
    return root


def test_the_copy_is_the_checkout_without_ignored_files(project: Path, tmp_path: Path) -> None:
    copied = drill.make_copy(project, tmp_path / "copy")
    assert (copied / "README.md").exists()  # untracked work in progress is copied
    assert not (copied / ".venv").exists()
    assert drill.changed_paths(copied) == []  # and committed there


def test_check_tree_flags_stray_and_missing_changes(project: Path, tmp_path: Path) -> None:
    copied = drill.make_copy(project, tmp_path / "copy")
    report = drill.Report(BY_NAME["new-host"])
    drill.check_tree(report, copied)
    assert any("not updated" in problem for problem in report.problems)
    for name in drill.RELEASE_PATHS:
        target = copied / name / "new.py" if name.endswith("/") else copied / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("changed", encoding="utf-8")
    report = drill.Report(BY_NAME["new-host"])
    drill.check_tree(report, copied)
    assert report.ok, report.problems
    (copied / "README.md").write_text("a hand edit", encoding="utf-8")
    drill.check_tree(report, copied)
    assert report.problems == ["changed outside what update.py documents: ['README.md']"]


def test_check_outcome_flags_a_wrong_exit_class_version_and_changelog(project: Path) -> None:
    (project / "sinch_keys" / "_version.py").write_text('__version__ = "0.1.1"\n', "utf-8")
    (project / "CHANGELOG.md").write_text(
        "# Changelog\n\n## [Unreleased]\n\n## [0.1.1] - 2030-01-02\n\n### Changed\n\n- x\n",
        encoding="utf-8",
    )
    outcome = {"outcome": "ok", "exit_code": 0, "change_class": "additive",
               "version_after": "0.1.1", "changes": [{"rule": "server-url-changed"}]}  # fmt: skip
    good = drill.Report(BY_NAME["new-host"], exit_code=0, change_class="additive")
    drill.check_outcome(good, outcome, "0.1.0", project)
    assert good.ok, good.problems
    bad = drill.Report(BY_NAME["removed-field"], exit_code=0, change_class="additive")
    drill.check_outcome(bad, outcome, "0.1.0", project)
    text = "\n".join(bad.problems)
    for expected in ("exit 0, expected 3", "class 'additive'", "response-property-removed",
                     "expected 0.2.0", "no dated entry for 0.2.0"):  # fmt: skip
        assert expected in text


def test_the_drill_table_shows_each_variant_and_its_failures() -> None:
    ok = drill.Report(BY_NAME["new-host"], 0, 12.34, "additive", "0.1.0 -> 0.1.1", "9 passed")
    bad = drill.Report(BY_NAME["removed-field"], 4, 1.0, problems=["exit 4, expected 3"])
    text = drill.table([ok, bad])
    assert "| new-host | 0 | 0 | additive | 0.1.0 -> 0.1.1 | 9 passed | 12.3 | ok |" in text
    assert "| removed-field | 3 | 4 |" in text
    assert "FAIL |" in text
    assert "- removed-field: exit 4, expected 3" in text


def test_the_drill_command_refuses_an_unknown_variant() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tools.spec.drill", "--only", "no-such-variant"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert "invalid choice" in done.stderr
