"""Follow the vendor's API description: fetch, fix, diff, classify, regenerate, test, release.

``python -m tools.spec.update [SOURCE] [--allow-breaking] [--skip-tests] [--outcome FILE]``
(the nox session ``update_spec`` runs it) does, each step failing loudly:

1. fetch SOURCE (a URL, with a timeout, or a file path; JSON or YAML) and validate it with
   openapi-spec-validator. Without SOURCE: ``$SPEC_UPDATE_SOURCE`` if set (the spec-update
   workflow sets it from a repository variable), else ``DEFAULT_SOURCE``, the address
   Sinch's documentation gives for every API description (``/_bundle/docs/<api>/
   api-reference/<name>.yaml?download``);
2. re-apply ``spec/overlay.yaml`` to it; an overlay action whose target vanished is reported
   by name and fails the run (exit 1) before anything is written;
3. diff the old and new ``openapi.yaml`` semantically (tools/spec/diff.py) and classify the
   update (tools/spec/release.py): breaking, additive, docs-only or none. This happens
   before any test runs;
4. write ``spec/upstream.yaml`` (with a provenance header) and ``openapi.yaml``, and
   regenerate ``generated/sinch_keys_api``;
5. run the test suite, unless the update is breaking (a breaking change is a human's call
   whatever the tests say: they are not run, exit 3) or ``--skip-tests``;
6. release: bump ``sinch_keys/_version.py`` by the class (release.py has the rule) and add a
   dated Keep a Changelog entry to ``CHANGELOG.md`` (what was under ``[Unreleased]`` joins
   it: it ships in this release);
7. write ``spec/CHANGES.md`` (the pull request body: the changelog entry, then the full
   report) and, with ``--outcome FILE``, the outcome as JSON for the workflow's decision
   (tools/spec/decide.py): nox turns every failing exit status into 1, a file it cannot.

What each outcome leaves in the working tree:

=========================  =====  ==========================================================
outcome                    exit   written
=========================  =====  ==========================================================
no-change                  0      nothing
ok (additive, docs-only)   0      upstream.yaml, openapi.yaml, generated/, _version.py,
                                  CHANGELOG.md, spec/CHANGES.md (tests passed)
ok, openapi.yaml the same  0      upstream.yaml, spec/CHANGES.md (the overlay already had it)
breaking                   3      as ok, tests not run
tests-failed               4      as ok, tests failed
error                      1      nothing if fetch, validation or the overlay failed;
                                  upstream.yaml and openapi.yaml if the generator failed
=========================  =====  ==========================================================

Exit status 2 is bad usage. ``--allow-breaking`` runs the tests on a breaking update and
exits 0 or 4 (the outcome still says the change class is breaking). With ``--outcome`` the
file is written first as an error ("stopped before it finished") and replaced at the end,
so a crash can never read as a success.

Every path can be overridden (``run(root=...)`` or ``--root``), so the pipeline's own tests
and the drill (tools/spec/drill.py) run it on a copy of the repository.

Example::

    python -m tools.spec.update                         # $SPEC_UPDATE_SOURCE or the default
    python -m tools.spec.update ~/Downloads/accesskeys.json --skip-tests
    python -m tools.spec.update https://example.test/accesskeys.yaml --outcome out.json
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess  # nosec B404 - runs the test suite with fixed arguments, no shell
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TextIO

import httpx
import yaml
from openapi_spec_validator import validate

from tools.spec.build import SpecBuildError, build_curated
from tools.spec.diff import Change, diff_specs, has_breaking, render_markdown
from tools.spec.generate import GenerationError, generate
from tools.spec.overlay import dump_yaml, load_yaml
from tools.spec.release import (
    ChangeClass,
    ReleaseError,
    bump,
    classify,
    read_version,
    release_changelog,
    write_version,
)

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SOURCE = (
    "https://developers.sinch.com/_bundle/docs/accesskeys/api-reference/accesskeys.yaml?download"
)
SOURCE_VARIABLE = "SPEC_UPDATE_SOURCE"
DEFAULT_TIMEOUT = 30.0
TEST_COMMAND = (sys.executable, "-m", "pytest", "-q", "-x")

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_BREAKING, EXIT_TESTS = 0, 1, 2, 3, 4
OUTCOME_OF_EXIT = {EXIT_OK: "ok", EXIT_ERROR: "error", EXIT_BREAKING: "breaking",
                   EXIT_TESTS: "tests-failed"}  # fmt: skip
# the first lines of spec/upstream.yaml when the pipeline wrote it (tests/spec checks them)
PROVENANCE_SOURCE = "# Fetched by tools/spec/update.py from "
PROVENANCE_DIGEST = "# sha256 of the document below: "


class SpecUpdateError(Exception):
    """A step of the pipeline failed; the message says which and why."""


@dataclass(frozen=True)
class Paths:
    """Where the pipeline reads and writes; ``Paths.under(root)`` gives the repository layout.

    Example::

        >>> Paths.under(Path("/repo")).curated
        PosixPath('/repo/openapi.yaml')
    """

    root: Path
    upstream: Path
    overlay: Path
    curated: Path
    generated: Path
    changes: Path
    version: Path
    changelog: Path

    @classmethod
    def under(cls, root: Path) -> Paths:
        """The standard layout below ``root``."""
        return cls(
            root=root,
            upstream=root / "spec" / "upstream.yaml",
            overlay=root / "spec" / "overlay.yaml",
            curated=root / "openapi.yaml",
            generated=root / "generated" / "sinch_keys_api",
            changes=root / "spec" / "CHANGES.md",
            version=root / "sinch_keys" / "_version.py",
            changelog=root / "CHANGELOG.md",
        )


@dataclass
class UpdateResult:
    """What a run did. ``exit_code`` is what the command line returns, ``outcome()`` what
    the workflow reads.

    Example::

        result = run("spec/new.json", skip_tests=True)
        print(result.exit_code, result.change_class, result.version_after)
    """

    exit_code: int
    changes: list[Change] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)
    markdown: str = ""
    error: str = ""
    source: str = ""
    change_class: ChangeClass = ChangeClass.NONE
    tests: str = "not-run"  # passed, failed, skipped (--skip-tests) or not-run
    version_before: str = ""
    version_after: str = ""
    entry: str = ""

    @property
    def breaking(self) -> bool:
        """True if a breaking change was found."""
        return has_breaking(self.changes)

    def outcome(self, root: Path | None = None) -> dict[str, Any]:
        """The JSON-ready outcome: what tools/spec/decide.py turns into the workflow's action.

        ``outcome`` is ``no-change``, ``ok``, ``breaking``, ``tests-failed`` or ``error``;
        paths are relative to ``root`` when below it.
        """
        name = OUTCOME_OF_EXIT.get(self.exit_code, "error")
        if name == "ok" and not self.written:
            name = "no-change"
        return {
            "outcome": name,
            "exit_code": self.exit_code,
            "source": self.source,
            "change_class": str(self.change_class),
            "breaking": self.breaking,
            "tests": self.tests,
            "version_before": self.version_before,
            "version_after": self.version_after,
            "written": [_show(path, root) if root else str(path) for path in self.written],
            "changes": [
                {"rule": c.rule, "where": c.where, "detail": c.detail, "breaking": c.breaking}
                for c in self.changes
            ],
            "entry": self.entry,
            "error": self.error,
        }


def default_source(environ: Mapping[str, str] | None = None) -> str:
    """``$SPEC_UPDATE_SOURCE`` when set and not blank, else ``DEFAULT_SOURCE``.

    Example::

        >>> default_source({"SPEC_UPDATE_SOURCE": "https://mirror.test/a.yaml"})
        'https://mirror.test/a.yaml'
        >>> default_source({}) == DEFAULT_SOURCE
        True
    """
    environ = os.environ if environ is None else environ
    return environ.get(SOURCE_VARIABLE, "").strip() or DEFAULT_SOURCE


def is_url(source: str) -> bool:
    """True for an http(s) URL, False for a file path.

    Example::

        >>> is_url("https://example.test/a.json"), is_url("spec/a.json")
        (True, False)
    """
    return source.startswith(("http://", "https://"))


def fetch(
    source: str, timeout: float = DEFAULT_TIMEOUT, transport: httpx.BaseTransport | None = None
) -> dict[str, Any]:
    """Read an OpenAPI description from a URL or a file (JSON or YAML) and validate it.

    ``transport`` replaces the network (tests pass an ``httpx.MockTransport``). Raises
    SpecUpdateError with a message naming the source and the defect.

    Example::

        doc = fetch("spec/upstream.yaml")
        doc = fetch(DEFAULT_SOURCE, timeout=10)
    """
    if is_url(source):
        try:
            with httpx.Client(
                transport=transport, timeout=timeout, follow_redirects=True
            ) as client:
                response = client.get(source)
                response.raise_for_status()
        except httpx.TimeoutException as exc:
            raise SpecUpdateError(f"timed out after {timeout:g}s fetching {source}") from exc
        except httpx.HTTPStatusError as exc:
            raise SpecUpdateError(f"HTTP {exc.response.status_code} fetching {source}") from exc
        except httpx.HTTPError as exc:
            raise SpecUpdateError(f"could not fetch {source}: {exc!r}") from exc
        text = response.text
    else:
        path = Path(source)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise SpecUpdateError(f"cannot read {source}: {exc}") from exc
    document = parse(text, source)
    check_openapi(document, source)
    return document


def parse(text: str, source: str = "<text>") -> dict[str, Any]:
    """Parse JSON or YAML text into a mapping; SpecUpdateError if it is neither.

    Example::

        >>> parse('{"openapi": "3.0.3"}'), parse("openapi: 3.0.3")
        ({'openapi': '3.0.3'}, {'openapi': '3.0.3'})
    """
    try:
        document = json.loads(text)
    except ValueError:
        try:
            document = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise SpecUpdateError(f"{source} is neither JSON nor YAML: {exc}") from exc
    if not isinstance(document, dict):
        kind = type(document).__name__
        raise SpecUpdateError(f"{source} is not an OpenAPI description (top level is {kind})")
    return document


def check_openapi(document: dict[str, Any], source: str = "<document>") -> None:
    """Validate ``document`` as OpenAPI 3.x; SpecUpdateError with the first defect.

    Example::

        check_openapi(load_yaml(Path("spec/upstream.yaml")), "spec/upstream.yaml")
    """
    version = str(document.get("openapi", ""))
    if not version.startswith("3."):
        found = f"'openapi: {version}'" if version else "no 'openapi' field"
        raise SpecUpdateError(f"{source} is not an OpenAPI 3.x description ({found})")
    try:
        validate(document)
    except Exception as exc:  # the validator raises several unrelated types
        message = (getattr(exc, "message", None) or str(exc) or type(exc).__name__).splitlines()[0]
        at = getattr(exc, "json_path", "")
        where = f" at {at}" if at and at != "$" else ""
        raise SpecUpdateError(f"{source} is not valid OpenAPI: {message}{where}") from exc


def build_from(document: dict[str, Any], overlay: Path) -> str:
    """The curated spec text for an upstream ``document`` (tools.spec.build, same bytes).

    Raises SpecUpdateError naming every overlay action whose target vanished.
    """
    with tempfile.TemporaryDirectory() as tmp:
        upstream = Path(tmp) / "upstream.yaml"
        upstream.write_text(dump_yaml(document), encoding="utf-8")
        try:
            return build_curated(upstream, overlay)
        except SpecBuildError as exc:
            raise SpecUpdateError(
                f"{exc}\n(update or delete these actions in {overlay.name}: the upstream "
                "description changed under them)"
            ) from exc


def upstream_text(document: dict[str, Any], source: str) -> str:
    """``spec/upstream.yaml`` as the pipeline writes it: a provenance header (the source and
    the sha256 of the YAML below it, so a hand edit shows), then the document.

    Example::

        >>> print(upstream_text({"openapi": "3.0.3"}, "a.json"))  # doctest: +ELLIPSIS
        # Fetched by tools/spec/update.py from a.json
        # sha256 of the document below: ...
        openapi: 3.0.3
        <BLANKLINE>
    """
    body = dump_yaml(document)
    digest = hashlib.sha256(body.encode("utf-8")).hexdigest()
    return f"{PROVENANCE_SOURCE}{source}\n{PROVENANCE_DIGEST}{digest}\n{body}"


def run_tests(command: Sequence[str], paths: Paths) -> bool:
    """Run the test suite in ``paths.root`` against the freshly generated package."""
    pythonpath = [str(paths.generated.parent), str(paths.root)]
    if os.environ.get("PYTHONPATH"):
        pythonpath.append(os.environ["PYTHONPATH"])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(pythonpath)}
    done = subprocess.run(list(command), cwd=paths.root, env=env, check=False)  # nosec B603
    return done.returncode == 0


def run(
    source: str | None = None,
    *,
    allow_breaking: bool = False,
    skip_tests: bool = False,
    root: Path | None = None,
    upstream: Path | None = None,
    overlay: Path | None = None,
    curated: Path | None = None,
    generated: Path | None = None,
    changes_file: Path | None = None,
    version_file: Path | None = None,
    changelog: Path | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    test_command: Sequence[str] = TEST_COMMAND,
    transport: httpx.BaseTransport | None = None,
    today: date | None = None,
    out: TextIO | None = None,
) -> UpdateResult:
    """Run the whole pipeline; never raises for a pipeline failure (see ``exit_code``).

    ``root`` defaults to the repository; each path defaults to its place below ``root``.
    ``today`` dates the changelog entry (default: today in UTC).

    Example::

        result = run("new-upstream.json", root=tmp_repo, skip_tests=True)
        assert result.exit_code == 0, result.markdown
    """
    out = out or sys.stdout
    base = Paths.under(root or ROOT)
    paths = Paths(
        root=base.root,
        upstream=upstream or base.upstream,
        overlay=overlay or base.overlay,
        curated=curated or base.curated,
        generated=generated or base.generated,
        changes=changes_file or base.changes,
        version=version_file or base.version,
        changelog=changelog or base.changelog,
    )
    source = source or default_source()

    def fail(message: str, written: Sequence[Path] = ()) -> UpdateResult:
        print(f"error: {message}", file=sys.stderr)
        return UpdateResult(EXIT_ERROR, written=list(written), error=message, source=source)

    # 1. fetch and validate; 2. build the curated spec (nothing is written before it works)
    try:
        print(f"fetching {source}", file=out)
        document = fetch(source, timeout, transport)
        new_text = build_from(document, paths.overlay)
        version_before = read_version(paths.version)
        bump(version_before, ChangeClass.NONE)  # a version the pipeline cannot bump fails here
    except (SpecUpdateError, ReleaseError) as exc:
        return fail(str(exc))
    upstream_changed = not paths.upstream.exists() or _load(paths.upstream) != document
    old_text = paths.curated.read_text(encoding="utf-8") if paths.curated.exists() else ""
    if yaml.safe_load(old_text) == yaml.safe_load(new_text):
        new_text = old_text  # the same document in another key order is no change
    if not upstream_changed and old_text == new_text:
        print("no changes: upstream and openapi.yaml are up to date", file=out)
        return UpdateResult(
            EXIT_OK,
            markdown="No changes.\n",
            source=source,
            version_before=version_before,
            version_after=version_before,
        )

    # 3. the semantic diff and the change's class, before anything runs
    changes = diff_specs(yaml.safe_load(old_text) or {}, yaml.safe_load(new_text))
    change_class = classify(changes, curated_changed=old_text != new_text)
    result = UpdateResult(
        EXIT_OK,
        changes,
        source=source,
        change_class=change_class,
        version_before=version_before,
        version_after=version_before,
    )
    notes = [f"source: `{source}`", f"change class: {change_class}"]

    # 4. write the specs and regenerate
    if upstream_changed:
        paths.upstream.parent.mkdir(parents=True, exist_ok=True)
        paths.upstream.write_text(upstream_text(document, source), encoding="utf-8")
        result.written.append(paths.upstream)
    if change_class is ChangeClass.NONE:
        notes.append("openapi.yaml unchanged (the overlay overrides what changed upstream)")
    else:
        paths.curated.write_text(new_text, encoding="utf-8")
        result.written.append(paths.curated)
        try:
            generate(paths.curated, paths.generated)
        except GenerationError as exc:
            return fail(str(exc), result.written)
        result.written.append(paths.generated)
        notes.append("generated client regenerated")

        # 5. test, unless the change is breaking
        if change_class is ChangeClass.BREAKING and not allow_breaking:
            result.exit_code = EXIT_BREAKING
            notes.append("**breaking changes found**: tests not run; review before merging")
        else:
            if change_class is ChangeClass.BREAKING:
                notes.append("breaking changes allowed (--allow-breaking)")
            result.exit_code = _test(paths, result, notes, skip_tests, test_command)

        # 6. release
        result.version_after = bump(version_before, change_class)
        write_version(paths.version, result.version_after)
        old_changelog = (
            paths.changelog.read_text(encoding="utf-8") if paths.changelog.exists() else ""
        )
        new_changelog, result.entry = release_changelog(
            old_changelog,
            result.version_after,
            today or datetime.now(UTC).date(),
            changes,
            change_class,
        )
        paths.changelog.write_text(new_changelog, encoding="utf-8")
        result.written += [paths.version, paths.changelog]
        notes.append(f"version {version_before} -> {result.version_after} ({change_class})")

    # 7. the report (the pull request body)
    report = render_markdown(
        changes,
        title="Upstream API description update",
        preamble=[] if changes else ["No semantic API changes (descriptions or examples only)."],
        notes=notes,
    )
    result.markdown = f"{result.entry}\n---\n\n{report}" if result.entry else report
    paths.changes.parent.mkdir(parents=True, exist_ok=True)
    paths.changes.write_text(result.markdown, encoding="utf-8")
    result.written.append(paths.changes)
    print(result.markdown, file=out)
    for path in result.written:
        print(f"wrote {_show(path, paths.root)}", file=out)
    return result


def _test(
    paths: Paths,
    result: UpdateResult,
    notes: list[str],
    skip_tests: bool,
    test_command: Sequence[str],
) -> int:
    if skip_tests:
        result.tests = "skipped"
        notes.append("tests skipped (--skip-tests)")
        return EXIT_OK
    if run_tests(test_command, paths):
        result.tests = "passed"
        notes.append("tests passed")
        return EXIT_OK
    result.tests = "failed"
    notes.append("**tests FAILED** after regeneration")
    return EXIT_TESTS


def _load(path: Path) -> Any:
    try:
        return load_yaml(path)
    except (OSError, yaml.YAMLError):
        return None


def _show(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def write_outcome(path: Path, outcome: Mapping[str, Any]) -> None:
    """Write ``outcome`` as JSON to ``path`` (whole, or not at all: a temporary file is
    renamed over it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(outcome, indent=2) + "\n", encoding="utf-8")
    partial.replace(path)


def main(argv: list[str] | None = None) -> int:
    """Command line entry point; returns the exit status.

    Example::

        python -m tools.spec.update spec/new.json --skip-tests --outcome /tmp/outcome.json
    """
    parser = argparse.ArgumentParser(
        prog="python -m tools.spec.update",
        description="Fetch the vendor's OpenAPI description, re-apply the overlay, diff, "
        "regenerate, test and release.",
        epilog="exit status: 0 ok, 1 failure, 2 usage, 3 breaking change, 4 tests failed",
    )
    parser.add_argument(
        "source",
        nargs="?",
        default=None,
        help=f"URL or file path (default: ${SOURCE_VARIABLE}, else {DEFAULT_SOURCE})",
    )
    parser.add_argument(
        "--allow-breaking", action="store_true", help="run the tests on a breaking change too"
    )
    parser.add_argument("--skip-tests", action="store_true", help="do not run the test suite")
    parser.add_argument(
        "--timeout", type=float, default=DEFAULT_TIMEOUT, help="fetch timeout in seconds"
    )
    parser.add_argument(
        "--root", type=Path, default=None, help="repository root to update (default: this one)"
    )
    parser.add_argument(
        "--outcome", type=Path, default=None, help="write the outcome as JSON to this file"
    )
    args = parser.parse_args(argv)
    if args.outcome:
        started = UpdateResult(EXIT_ERROR, error="the pipeline stopped before it finished")
        write_outcome(args.outcome, started.outcome())
    result = run(
        args.source,
        allow_breaking=args.allow_breaking,
        skip_tests=args.skip_tests,
        root=args.root,
        timeout=args.timeout,
        test_command=TEST_COMMAND,
    )
    if args.outcome:
        write_outcome(args.outcome, result.outcome(args.root or ROOT))
    return result.exit_code


if __name__ == "__main__":
    sys.exit(main())
