"""The spec drill: the update pipeline, run to the end on the vendor's realistic revisions.

``python -m tools.spec.drill`` (``nox -s spec_drill``) copies the repository into a
throwaway folder (the files git tracks or would track, committed there so ``git status``
shows exactly what the pipeline changed), and for each variant of tools/spec/variants.py
runs the pipeline as the weekly workflow does, ``python -m tools.spec.update SOURCE
--outcome FILE``, the whole test suite included. Nothing else touches the copy: no hand edit.

Each variant must then show:

* the exit status and the outcome file's verdict, change class, and the diff rule;
* the release: ``_version.py`` bumped by the class, a dated ``CHANGELOG.md`` entry for that
  version under ``[Unreleased]``, breaking items first;
* the working tree as update.py documents it: every change within upstream.yaml,
  openapi.yaml, generated/, _version.py and CHANGELOG.md, and all of those changed;
* tests: for exit 0, the suite ran (pytest's JUnit report, written through
  ``PYTEST_ADDOPTS``, counts them) with no failure; for exit 3, no test ran at all;
* the probe, where the variant has one: the facade, regenerated, against the emulator (an
  added field and a new enum value readable as typed attributes, the new host the default).

It prints a table (variant, expected and actual exit, class, version, tests, seconds,
verdict) and exits 1 if any variant failed. ``--only`` picks variants, ``--jobs`` runs
several at once (two by default: CI has two cores, and a test suite run is partly waiting),
``--keep DIR`` keeps the copies for a post-mortem.

Example::

    python -m tools.spec.drill                      # the whole battery
    python -m tools.spec.drill --only new-host removed-field --keep /tmp/drill
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import shutil
import subprocess  # nosec B404 - runs git, the pipeline and probes with fixed arguments
import sys
import tempfile
import time
import xml.etree.ElementTree as ET  # nosec B405 - parses the JUnit report pytest just wrote
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tools.spec.release import ChangeClass, bump
from tools.spec.update import OUTCOME_OF_EXIT
from tools.spec.variants import BY_NAME, VARIANTS, Variant

ROOT = Path(__file__).resolve().parents[2]
# what update.py leaves changed in the working tree on a release, breaking or not (its table)
RELEASE_PATHS = ("spec/upstream.yaml", "openapi.yaml", "generated/", "sinch_keys/_version.py",
                 "CHANGELOG.md")  # fmt: skip
GIT = ("git", "-c", "user.name=spec drill", "-c", "user.email=drill@localhost",
       "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main")  # fmt: skip
TIMEOUT = 1800.0  # one pipeline run, test suite included


@dataclass
class Report:
    """What one variant did, and every way it fell short of what it must do."""

    variant: Variant
    exit_code: int | None = None
    seconds: float = 0.0
    change_class: str = ""
    version: str = ""
    tests: str = ""
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the variant did everything it must."""
        return not self.problems

    def row(self) -> str:
        """One Markdown table row."""
        verdict = "ok" if self.ok else "FAIL"
        return (
            f"| {self.variant.name} | {self.variant.exit_code} | {self.exit_code} | "
            f"{self.change_class} | {self.version} | {self.tests} | {self.seconds:.1f} | "
            f"{verdict} |"
        )


def table(reports: Sequence[Report]) -> str:
    """The drill's result as a Markdown table, then each failure's reasons."""
    lines = [
        "| variant | expected exit | exit | class | version | tests | seconds | result |",
        "|---|---|---|---|---|---|---|---|",
        *[report.row() for report in reports],
    ]
    for report in reports:
        lines += [f"- {report.variant.name}: {problem}" for problem in report.problems]
    return "\n".join(lines)


# --- the throwaway copy -------------------------------------------------------------------


def git(repo: Path, *args: str) -> str:
    """Run git in ``repo``; its standard output (raises on failure)."""
    done = subprocess.run(  # nosec B603
        [*GIT, *args], cwd=repo, capture_output=True, text=True, check=True
    )
    return done.stdout


def project_files(root: Path) -> list[str]:
    """The files git tracks in ``root`` or would (untracked, not ignored): the checkout as
    CI sees it, with the work in progress but without .venv, .nox and caches."""
    listed = git(root, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    return sorted({name for name in listed.split("\0") if name and (root / name).is_file()})


def make_copy(root: Path, target: Path) -> Path:
    """Copy the project into ``target`` and commit it there; returns ``target``."""
    for name in project_files(root):
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / name, target / name)
    git(target, "init", "-q")
    git(target, "add", "-A")
    git(target, "commit", "-q", "-m", "drill: the project as it is")
    return target


def changed_paths(repo: Path) -> list[str]:
    """Every path ``git status`` shows changed, added or deleted in ``repo``."""
    status = git(repo, "status", "--porcelain", "--untracked-files=all", "-z")
    return sorted(entry[3:] for entry in status.split("\0") if len(entry) > 3)


def pipeline_env(copy: Path, junit: Path, tests: Sequence[str] = ()) -> dict[str, str]:
    """The pipeline's environment: the copy's code first, pytest writing a JUnit report (and
    running only ``tests`` when given: the default run's quick drill)."""
    env = {k: v for k, v in os.environ.items() if k not in ("SPEC_UPDATE_SOURCE", "PYTHONPATH")}
    env["PYTHONPATH"] = str(copy)
    env["PYTEST_ADDOPTS"] = " ".join(
        [f"--junitxml={junit}", "-p", "no:cacheprovider", *map(shlex.quote, tests)]
    )
    return env


def run_pipeline(
    copy: Path, source: Path, outcome: Path, log: Path, *extra: str, tests: Sequence[str] = ()
) -> int:
    """``python -m tools.spec.update SOURCE --outcome FILE`` in ``copy``; its exit status."""
    junit = outcome.with_suffix(".junit.xml")
    with log.open("a", encoding="utf-8") as stream:
        done = subprocess.run(  # nosec B603
            [sys.executable, "-m", "tools.spec.update", str(source), "--outcome", str(outcome),
             *extra],
            cwd=copy, env=pipeline_env(copy, junit, tests), stdout=stream, stderr=subprocess.STDOUT,
            timeout=TIMEOUT, check=False,
        )  # fmt: skip
    return done.returncode


def write_source(document: dict[str, Any], path: Path) -> Path:
    """Write a variant's description where the pipeline fetches it from (JSON, like a
    download; the pipeline reads JSON and YAML alike)."""
    path.write_text(json.dumps(document, indent=2), encoding="utf-8")
    return path


def upstream_of(copy: Path) -> dict[str, Any]:
    """The vendor's description as the copy holds it."""
    document: dict[str, Any] = yaml.safe_load(
        (copy / "spec" / "upstream.yaml").read_text(encoding="utf-8")
    )
    return document


# --- one variant ------------------------------------------------------------------------------


def drill(variant: Variant, base: Path, work: Path, tests: Sequence[str] = ()) -> Report:
    """Run one variant in its own copy of ``base`` (the whole test suite, or ``tests``); the
    report says what held."""
    report = Report(variant)
    copy = work / variant.name
    shutil.copytree(base, copy, symlinks=True)
    log = work / f"{variant.name}.log"
    started = time.monotonic()
    try:
        if variant.baseline is not None:
            accept_baseline(variant, copy, work, log)
        version_before = _version(copy)
        outcome_path = work / f"{variant.name}.outcome.json"
        document, facts = variant.revise(upstream_of(copy))
        source = write_source(document, work / f"{variant.name}.json")
        report.exit_code = run_pipeline(copy, source, outcome_path, log, tests=tests)
        report.seconds = time.monotonic() - started
        outcome = json.loads(outcome_path.read_text(encoding="utf-8"))
        report.change_class = outcome.get("change_class", "")
        report.version = f"{version_before} -> {_version(copy)}"
        report.tests = check_tests(report, outcome_path.with_suffix(".junit.xml"))
        check_outcome(report, outcome, version_before, copy)
        check_tree(report, copy)
        if variant.probe and report.exit_code == 0:
            probe(report, copy, log, facts)
    except (OSError, ValueError, subprocess.SubprocessError) as exc:
        report.problems.append(f"the drill could not run it: {exc!r} (log: {log})")
    report.seconds = report.seconds or time.monotonic() - started
    if not report.ok:
        lines = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
        failed = [line for line in lines if line.startswith(("FAILED ", "ERROR ", "error: "))]
        shown = failed or lines[-25:]
        report.problems.append("from its log:\n    " + "\n    ".join(shown))
    return report


def accept_baseline(variant: Variant, copy: Path, work: Path, log: Path) -> None:
    """Take ``copy`` to the variant's starting point through the pipeline and commit it."""
    document = upstream_of(copy)
    if variant.baseline is not None:
        variant.baseline(document)
    source = write_source(document, work / f"{variant.name}.baseline.json")
    outcome = work / f"{variant.name}.baseline.outcome.json"
    code = run_pipeline(copy, source, outcome, log, "--skip-tests")
    if code != 0:
        raise ValueError(f"its baseline did not go through the pipeline (exit {code})")
    git(copy, "add", "-A")
    git(copy, "commit", "-q", "-m", "drill: baseline")


def _version(copy: Path) -> str:
    text = (copy / "sinch_keys" / "_version.py").read_text(encoding="utf-8")
    match = re.search(r'__version__ = "([^"]+)"', text)
    return match.group(1) if match else "?"


def check_outcome(report: Report, outcome: dict[str, Any], before: str, copy: Path) -> None:
    """The exit status, the outcome file, the version bump and the changelog entry."""
    variant, problems = report.variant, report.problems
    if report.exit_code != variant.exit_code:
        problems.append(f"exit {report.exit_code}, expected {variant.exit_code}")
    expected = OUTCOME_OF_EXIT.get(variant.exit_code)
    if outcome.get("outcome") != expected:
        problems.append(f"outcome {outcome.get('outcome')!r}, expected {expected!r}")
    if outcome.get("exit_code") != report.exit_code:
        problems.append(f"outcome file says exit {outcome.get('exit_code')}")
    if report.change_class != variant.change_class:
        problems.append(f"class {report.change_class!r}, expected {variant.change_class!r}")
    rules = {change["rule"] for change in outcome.get("changes", [])}
    if variant.rule and variant.rule not in rules:
        problems.append(f"diff rule {variant.rule} not reported (got {sorted(rules)})")
    if variant.change_class == "docs" and rules:
        problems.append(f"a docs-only change reported semantic changes {sorted(rules)}")
    after = _version(copy)
    wanted = bump(before, ChangeClass(variant.change_class))
    if after != wanted or outcome.get("version_after") != wanted:
        problems.append(f"version {before} -> {after}, expected {wanted}")
    changelog = (copy / "CHANGELOG.md").read_text(encoding="utf-8")
    heading = re.search(rf"^## \[{re.escape(wanted)}\] - \d{{4}}-\d{{2}}-\d{{2}}$", changelog,
                        re.MULTILINE)  # fmt: skip
    unreleased = changelog.find("## [Unreleased]")
    if heading is None or not 0 <= unreleased < heading.start():
        problems.append(f"CHANGELOG.md has no dated entry for {wanted} under [Unreleased]")
    elif variant.change_class == "breaking":
        first = re.search(r"^- (.*)$", changelog[heading.end() :], re.MULTILINE)
        if first is None or not first.group(1).startswith("**Breaking:**"):
            problems.append("the changelog entry does not list the breaking change first")


def check_tree(report: Report, copy: Path) -> None:
    """The working tree holds the release's changes, all of them, and nothing else."""
    changed = changed_paths(copy)
    stray = [path for path in changed if not path.startswith(RELEASE_PATHS)]
    if stray:
        report.problems.append(f"changed outside what update.py documents: {stray[:5]}")
    missing = [part for part in RELEASE_PATHS if not any(p.startswith(part) for p in changed)]
    if missing:
        report.problems.append(f"not updated: {missing}")


def check_tests(report: Report, junit: Path) -> str:
    """Tests ran green (exit 0) or not at all (exit 3), by pytest's JUnit report; a summary."""
    if report.variant.exit_code == 3:
        if junit.exists():
            report.problems.append("tests ran on a breaking change")
            return "ran"
        return "not run"
    if not junit.exists():
        report.problems.append("the test suite did not run")
        return "missing"
    root = ET.parse(junit).getroot()  # noqa: S314  # nosec B314 - pytest's own report
    suite = root.find("testsuite") if root.tag == "testsuites" else root
    counts = {key: int((suite.get(key) if suite is not None else None) or 0)
              for key in ("tests", "failures", "errors", "skipped")}  # fmt: skip
    if counts["tests"] == 0 or counts["failures"] or counts["errors"]:
        report.problems.append(f"test suite: {counts}")
    passed = counts["tests"] - counts["failures"] - counts["errors"] - counts["skipped"]
    return f"{passed} passed, {counts['failures'] + counts['errors']} failed"


def probe(report: Report, copy: Path, log: Path, facts: dict[str, str]) -> None:
    """Run the variant's probe in ``copy`` with its regenerated client and the edit's facts."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SINCH_")}
    env["PYTHONPATH"] = os.pathsep.join([str(copy / "generated"), str(copy)])
    env["DRILL_FACTS"] = json.dumps(facts)
    done = subprocess.run(  # nosec B603
        [sys.executable, "-c", report.variant.probe], cwd=copy, env=env,
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    with log.open("a", encoding="utf-8") as stream:
        stream.write(f"\n--- probe\n{done.stdout}{done.stderr}")
    if done.returncode != 0 or "probe ok" not in done.stdout:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        report.problems.append(f"facade probe failed: {last}")


# --- the battery ------------------------------------------------------------------------------


def run_drill(
    variants: Sequence[Variant],
    work: Path,
    jobs: int = 1,
    tests: Sequence[str] = (),
    root: Path = ROOT,
) -> list[Report]:
    """Copy ``root`` below ``work`` and drill every variant (the whole test suite, or
    ``tests``); reports in the given order."""
    base = make_copy(root, work / "base")
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        return list(pool.map(lambda variant: drill(variant, base, work, tests), variants))


def main(argv: list[str] | None = None) -> int:
    """Command line: run the drill, print the table; 1 if any variant failed."""
    parser = argparse.ArgumentParser(
        prog="python -m tools.spec.drill", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--only", nargs="+", choices=sorted(BY_NAME), metavar="VARIANT", help="these only"
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=min(2, os.cpu_count() or 1),
        help="variants run at once (default: 2, or 1 on one CPU)",
    )
    parser.add_argument("--keep", type=Path, default=None, help="keep the copies in this folder")
    parser.add_argument(
        "--tests",
        nargs="+",
        default=(),
        metavar="PATH",
        help="run only these tests for each variant (default: the whole suite)",
    )
    args = parser.parse_args(argv)
    variants = [BY_NAME[name] for name in args.only] if args.only else list(VARIANTS)
    started = time.monotonic()
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        reports = run_drill(variants, args.keep, args.jobs, args.tests)
    else:
        with tempfile.TemporaryDirectory(prefix="spec-drill-") as tmp:
            reports = run_drill(variants, Path(tmp), args.jobs, args.tests)
    print(table(reports), flush=True)
    failed = [report.variant.name for report in reports if not report.ok]
    total = time.monotonic() - started
    print(f"\n{len(reports) - len(failed)}/{len(reports)} variants as expected in {total:.0f}s")
    if failed:
        print(f"FAILED: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
