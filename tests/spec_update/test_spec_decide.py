"""The spec-update workflow's decision (tools/spec/decide.py), from the outcome file the
pipeline writes: each row of the decision table, then the pipeline's real outcome files for
ok, breaking, tests-failed and error driving it end to end."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.spec_update.spec_update_support import copy_repo, write_variant
from tools.spec import decide as decide_module
from tools.spec import update
from tools.spec.decide import Decision, decide, read_outcome, write_outputs
from tools.spec.variants import new_response_field, removed_field


def outcome(name: str, change_class: str = "additive", **extra: Any) -> dict[str, Any]:
    return {"outcome": name, "change_class": change_class, "version_after": "0.1.1",
            "written": ["openapi.yaml"], **extra}  # fmt: skip


def test_ok_opens_a_pull_request_and_stays_green() -> None:
    decision = decide(outcome("ok"))
    assert (decision.open_pr, decision.fail, decision.draft) == (True, False, False)
    assert decision.labels == ("spec-update",)
    assert "0.1.1" in decision.title
    assert not decision.title.startswith("[")


def test_breaking_opens_a_pull_request_labelled_breaking() -> None:
    decision = decide(outcome("breaking", "breaking", version_after="0.2.0"))
    assert (decision.open_pr, decision.fail) == (True, False)
    assert decision.labels == ("spec-update", "breaking")
    assert decision.title.startswith("[BREAKING]")


def test_allowed_breaking_change_is_still_labelled_breaking() -> None:
    assert "breaking" in decide(outcome("ok", "breaking")).labels


def test_failing_tests_open_a_marked_draft_and_fail_the_job() -> None:
    decision = decide(outcome("tests-failed"))
    assert (decision.open_pr, decision.fail, decision.draft) == (True, True, True)
    assert decision.title.startswith("[TESTS FAIL]")
    assert "tests-failing" in decision.labels
    assert "breaking" not in decision.labels


@pytest.mark.parametrize(
    "data",
    [None, {"outcome": "error", "error": "HTTP 503 fetching x"}, {"outcome": "surprise"}, {}],
    ids=["no-file", "error", "unknown", "empty"],
)
def test_failures_fail_the_job_without_a_pull_request(data: dict[str, Any] | None) -> None:
    decision = decide(data)
    assert (decision.open_pr, decision.fail) == (False, True)
    assert decision.reason


def test_the_error_reason_carries_the_pipelines_message() -> None:
    assert (
        "HTTP 503 fetching x" in decide({"outcome": "error", "error": "HTTP 503 fetching x"}).reason
    )


@pytest.mark.parametrize("data", [{"outcome": "no-change"}, outcome("ok", written=[])])
def test_nothing_changed_is_green_without_a_pull_request(data: dict[str, Any]) -> None:
    assert (decide(data).open_pr, decide(data).fail) == (False, False)


def test_unreadable_outcome_files_read_as_none(tmp_path: Path) -> None:
    assert read_outcome(tmp_path / "missing.json") is None
    (tmp_path / "bad.json").write_text("{not json", encoding="utf-8")
    assert read_outcome(tmp_path / "bad.json") is None
    (tmp_path / "list.json").write_text("[1]", encoding="utf-8")
    assert read_outcome(tmp_path / "list.json") is None


def test_outputs_are_single_lines_for_github_output(tmp_path: Path) -> None:
    output = tmp_path / "github_output"
    output.write_text("earlier=1\n", encoding="utf-8")
    write_outputs(Decision(False, True, "line one\nline two"), output)
    lines = output.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "earlier=1"  # appended, never truncated
    values = dict(line.split("=", 1) for line in lines)
    assert values["reason"] == "line one line two"
    assert (values["open_pr"], values["fail"], values["body_path"]) == (
        "false",
        "true",
        "spec/CHANGES.md",
    )


def test_main_exports_the_decision_and_exits_zero(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "outcome.json"
    path.write_text(json.dumps(outcome("tests-failed")), encoding="utf-8")
    github_output = tmp_path / "out"
    monkeypatch.setenv("GITHUB_OUTPUT", str(github_output))
    assert decide_module.main([str(path)]) == 0  # the job is failed by a later step
    values = dict(line.split("=", 1) for line in github_output.read_text().splitlines())
    assert (values["open_pr"], values["fail"], values["draft"]) == ("true", "true", "true")
    assert values["labels"] == "spec-update,tests-failing"


# ---- end to end: the outcome file update.py writes, read by decide ------------------------


def run_main(tmp_path: Path, *args: str) -> tuple[int, Decision, dict[str, Any]]:
    repo = copy_repo(tmp_path / "repo")
    path = tmp_path / "outcome.json"
    code = update.main([*args, "--root", str(repo.root), "--outcome", str(path)])
    data = read_outcome(path)
    assert data is not None
    return code, decide(data), data


def test_pipeline_additive_outcome_opens_a_plain_pull_request(tmp_path: Path) -> None:
    source = write_variant(tmp_path / "v.json", new_response_field)
    code, decision, data = run_main(tmp_path, source, "--skip-tests")
    assert (code, data["outcome"], data["change_class"]) == (0, "ok", "additive")
    assert data["written"][:2] == ["spec/upstream.yaml", "openapi.yaml"]
    assert (decision.open_pr, decision.fail, decision.labels) == (True, False, ("spec-update",))


def test_pipeline_breaking_outcome_opens_a_breaking_pull_request(tmp_path: Path) -> None:
    source = write_variant(tmp_path / "v.json", removed_field)
    code, decision, data = run_main(tmp_path, source)
    assert (code, data["outcome"], data["tests"]) == (3, "breaking", "not-run")
    assert (decision.open_pr, decision.fail) == (True, False)
    assert "breaking" in decision.labels


def test_pipeline_test_failure_outcome_fails_the_job_with_a_pull_request(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(update, "TEST_COMMAND", (sys.executable, "-c", "raise SystemExit(1)"))
    source = write_variant(tmp_path / "v.json", new_response_field)
    code, decision, data = run_main(tmp_path, source)
    assert (code, data["outcome"], data["tests"]) == (4, "tests-failed", "failed")
    assert (decision.open_pr, decision.fail, decision.draft) == (True, True, True)


def test_pipeline_fetch_failure_fails_the_job_without_a_pull_request(tmp_path: Path) -> None:
    code, decision, data = run_main(tmp_path, str(tmp_path / "missing.json"))
    assert (code, data["outcome"]) == (1, "error")
    assert "cannot read" in data["error"]
    assert (decision.open_pr, decision.fail) == (False, True)


def test_a_pipeline_that_dies_leaves_an_error_outcome(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(*args: Any, **kwargs: Any) -> update.UpdateResult:
        raise RuntimeError("a bug")

    monkeypatch.setattr(update, "run", crash)
    path = tmp_path / "outcome.json"
    with pytest.raises(RuntimeError):
        update.main(["x.json", "--outcome", str(path)])
    data = read_outcome(path)
    assert data is not None
    assert data["outcome"] == "error"
    assert (decide(data).open_pr, decide(data).fail) == (False, True)
