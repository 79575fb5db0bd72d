"""The GitHub workflows say what the project runs: ci.yml runs exactly nox's default sessions
(what .ci/run runs), and spec-update.yml carries the pipeline's outcome to the decision
whatever exit status nox reports. Its shell steps are run here, with a stand-in ``nox``,
the way the runner runs them (``bash -eo pipefail``)."""

from __future__ import annotations

import ast
import json
import os
import shlex
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.spec_update.spec_update_support import ROOT
from tools.spec import decide, drill, update

WORKFLOWS = ROOT / ".github" / "workflows"
SESSION_FLAGS = {"-s", "--session", "--sessions", "-k", "--keywords", "-t", "--tags", "-e"}


def workflow(name: str) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    return document


def steps(name: str, job: str | None = None) -> list[dict[str, Any]]:
    """The steps of ``job`` (default: every job's, in order)."""
    jobs = workflow(name)["jobs"]
    chosen = [jobs[job]] if job is not None else list(jobs.values())
    return [step for each in chosen for step in each.get("steps", [])]


def nox_commands(text: str) -> list[list[str]]:
    """Every ``nox`` command line in a shell text (``python -m nox`` or ``nox``)."""
    commands = []
    for line in text.replace("\\\n", " ").splitlines():
        words = shlex.split(line, comments=True)
        for index, word in enumerate(words):
            if word == "nox" and (index == 0 or words[index - 1] in ("-m", "&&", ";")):
                commands.append(words[index + 1 :])
    return commands


def default_sessions() -> list[str]:
    tree = ast.parse((ROOT / "noxfile.py").read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and ast.unparse(node.targets[0]) == "nox.options.sessions":
            value = ast.literal_eval(node.value)
            assert isinstance(value, list)
            return value
    raise AssertionError("noxfile.py sets no nox.options.sessions")


def defined_sessions() -> set[str]:
    tree = ast.parse((ROOT / "noxfile.py").read_text(encoding="utf-8"))
    return {
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef)
        and any(ast.unparse(d).startswith("nox.session") for d in node.decorator_list)
    }


# ---- CI parity ------------------------------------------------------------------------------


def test_ci_runs_the_default_sessions_like_ci_run() -> None:
    ci_run = nox_commands((ROOT / ".ci" / "run").read_text(encoding="utf-8"))
    assert ci_run, ".ci/run runs no nox"
    in_workflow = [
        command for step in steps("ci.yml", "nox") for command in nox_commands(step.get("run", ""))
    ]
    assert in_workflow, "ci.yml runs no nox"
    for command in ci_run + in_workflow:
        assert not SESSION_FLAGS & set(command), command  # no session picked: the defaults


def test_ci_jobs_beside_the_default_run_add_sessions_it_lacks() -> None:
    """Other jobs (the depth-3 exploration, the site for Pages) run named sessions that are
    not in the default run; they never replace or narrow it."""
    others = [
        command
        for job in workflow("ci.yml")["jobs"]
        if job != "nox"
        for step in steps("ci.yml", job)
        for command in nox_commands(step.get("run", ""))
    ]
    named = {command[command.index("-s") + 1] for command in others if "-s" in command}
    assert {"explore", "spec_drill"} <= named
    assert named <= defined_sessions()
    # too long for the default run: jobs of their own (the default run has their quick forms)
    assert not {"explore", "spec_drill"} & set(default_sessions())


def test_the_default_sessions_include_the_drill_and_the_workflow_lint() -> None:
    sessions = default_sessions()
    assert {"spec_drill_quick", "workflows", "tests", "lint", "typecheck"} <= set(sessions)
    assert set(sessions) <= defined_sessions()


@pytest.mark.parametrize("name", ["ci.yml", "spec-update.yml"])
def test_workflows_use_actions_on_a_supported_runtime(name: str) -> None:
    # node20 actions are deprecated on GitHub's runners (actionlint, nox -s workflows)
    used = {step["uses"] for step in steps(name) if "uses" in step}
    for action, oldest in {"actions/checkout": 5, "actions/setup-python": 6,
                           "peter-evans/create-pull-request": 8}.items():  # fmt: skip
        for use in used:
            if use.startswith(action + "@"):
                assert int(use.split("@v")[1].split(".")[0]) >= oldest, use


# ---- the spec-update workflow -----------------------------------------------------------


def named(name: str, key: str, value: str) -> dict[str, Any]:
    [step] = [s for s in steps(name) if value in str(s.get(key, ""))]
    return step


def test_source_is_the_repository_variable_the_pipeline_reads() -> None:
    [job] = workflow("spec-update.yml")["jobs"].values()
    assert job["env"][update.SOURCE_VARIABLE] == "${{ vars.SPEC_UPDATE_SOURCE }}"


def test_pull_request_step_takes_everything_from_the_decision() -> None:
    step = named("spec-update.yml", "uses", "create-pull-request")
    assert step["if"] == "steps.decide.outputs.open_pr == 'true'"
    outputs = set(decide.Decision(True, False, "").outputs())
    for key in ("title", "labels", "draft", "body-path", "commit-message"):
        value = step["with"][key]
        assert value.startswith("${{ steps.decide.outputs."), (key, value)
        assert value.removeprefix("${{ steps.decide.outputs.").removesuffix(" }}") in outputs
    # it commits what the pipeline releases, and only that
    added = step["with"]["add-paths"].split()
    assert sorted(added) == sorted(
        path + "**" if path.endswith("/") else path for path in drill.RELEASE_PATHS
    )


def test_the_job_fails_when_the_decision_says_so() -> None:
    step = named("spec-update.yml", "if", "outputs.fail")
    assert step["if"] == "steps.decide.outputs.fail == 'true'"
    assert "exit 1" in step["run"]


FAKE_NOX = """#!/bin/sh
# a stand-in for nox: writes $FAKE_OUTCOME (if set) to the --outcome file, exits $FAKE_EXIT
while [ $# -gt 0 ]; do
  if [ "$1" = "--outcome" ] && [ -n "$FAKE_OUTCOME" ]; then printf '%s' "$FAKE_OUTCOME" > "$2"; fi
  shift
done
exit "$FAKE_EXIT"
"""


def run_step(
    step: dict[str, Any], env: dict[str, str], outputs: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run a ``run:`` step as the runner does (bash --noprofile --norc -eo pipefail), its
    ``env`` expressions ``${{ steps.decide.outputs.KEY }}`` resolved from ``outputs``."""

    def resolve(value: str) -> str:
        for key, output in (outputs or {}).items():
            value = value.replace(f"${{{{ steps.decide.outputs.{key} }}}}", output)
        assert "${{" not in value, value
        return value

    step_env = {**env, **{k: resolve(str(v)) for k, v in step.get("env", {}).items()}}
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
        cwd=ROOT, env=step_env, capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("outcome", "open_pr", "fail", "labels"),
    [
        ({"outcome": "ok", "change_class": "additive"}, "true", "false", "spec-update"),
        ({"outcome": "breaking", "change_class": "breaking"}, "true", "false",
         "spec-update,breaking"),
        ({"outcome": "tests-failed", "change_class": "docs"}, "true", "true",
         "spec-update,tests-failing"),
        ({"outcome": "error", "error": "HTTP 404 fetching x"}, "false", "true", ""),
        (None, "false", "true", ""),
    ],
    ids=["ok", "breaking", "tests-failed", "error", "no-outcome-file"],
)  # fmt: skip
def test_the_outcome_reaches_the_decision_although_nox_exits_1(
    tmp_path: Path, outcome: dict[str, Any] | None, open_pr: str, fail: str, labels: str
) -> None:
    fake = tmp_path / "bin" / "nox"
    fake.parent.mkdir()
    fake.write_text(FAKE_NOX, encoding="utf-8")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    python = Path(sys.executable).parent
    github_output = tmp_path / "github_output"
    env = {
        "PATH": os.pathsep.join([str(fake.parent), str(python), os.environ.get("PATH", "")]),
        "RUNNER_TEMP": str(tmp_path),
        "GITHUB_OUTPUT": str(github_output),
        "FAKE_EXIT": "1",  # what nox reports for exit 3, 4 or 1 alike
        "FAKE_OUTCOME": json.dumps({**outcome, "written": ["openapi.yaml"]}) if outcome else "",
    }
    pipeline = named("spec-update.yml", "run", "update_spec")
    assert run_step(pipeline, env).returncode == 0  # the job goes on to decide
    assert pipeline.get("continue-on-error") is None
    decision_step = named("spec-update.yml", "id", "decide")
    done = run_step(decision_step, env)
    assert done.returncode == 0, done.stderr
    values = dict(line.split("=", 1) for line in github_output.read_text().splitlines())
    assert (values["open_pr"], values["fail"], values["labels"]) == (open_pr, fail, labels)
    fail_step = named("spec-update.yml", "if", "outputs.fail")
    failed = run_step(fail_step, env, values)
    assert failed.returncode == 1
    assert f"::error::{values['reason']}" in failed.stdout
