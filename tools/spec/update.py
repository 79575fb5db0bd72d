"""Follow the vendor's API description: fetch, fix, diff, regenerate, test.

``python -m tools.spec.update [SOURCE] [--allow-breaking] [--skip-tests]`` (the nox session
``update_spec`` runs it) does, each step failing loudly:

1. fetch SOURCE (a URL, with a timeout, or a file path; JSON or YAML; default: the vendor's
   published description) and validate it with openapi-spec-validator;
2. store it as ``spec/upstream.yaml`` (rewritten only when its content changed), re-apply
   ``spec/overlay.yaml`` and write ``openapi.yaml``; an overlay action whose target vanished
   is reported by name and fails the run before anything is written;
3. diff the old and new ``openapi.yaml`` semantically (tools/spec/diff.py), print it and write
   it as Markdown to ``spec/CHANGES.md`` (the pull request body);
4. regenerate ``generated/sinch_keys_api`` and run the test suite.

Exit status: 0 fine (or nothing changed), 1 the source, the overlay or the generator failed,
2 bad usage, 3 a breaking change was found (without ``--allow-breaking``), 4 tests failed.

Every path can be overridden (``run(root=...)`` or ``--root``), so the pipeline's own tests run
it on a temporary copy of the repository files.

Example::

    python -m tools.spec.update                         # the vendor's published description
    python -m tools.spec.update ~/Downloads/accesskeys.json --skip-tests
    python -m tools.spec.update https://example.test/accesskeys.yaml --allow-breaking
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess  # nosec B404 - runs the test suite with fixed arguments, no shell
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import httpx
import yaml
from openapi_spec_validator import validate

from tools.spec.build import SpecBuildError, build_curated
from tools.spec.diff import Change, diff_specs, has_breaking, render_markdown
from tools.spec.generate import GenerationError, generate
from tools.spec.overlay import dump_yaml, load_yaml

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SOURCE = (
    "https://developers.sinch.com/_bundle/docs/accesskeys/api-reference/accesskeys.json"
)
DEFAULT_TIMEOUT = 30.0
TEST_COMMAND = (sys.executable, "-m", "pytest", "-q", "-x")

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_BREAKING, EXIT_TESTS = 0, 1, 2, 3, 4


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
        )


@dataclass
class UpdateResult:
    """What a run did. ``exit_code`` is what the command line returns.

    Example::

        result = run("spec/new.json", skip_tests=True)
        print(result.exit_code, [c.rule for c in result.changes if c.breaking])
    """

    exit_code: int
    changes: list[Change] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)
    markdown: str = ""
    error: str = ""

    @property
    def breaking(self) -> bool:
        """True if a breaking change was found."""
        return has_breaking(self.changes)


def is_url(source: str) -> bool:
    """True for an http(s) URL, False for a file path.

    Example::

        >>> is_url("https://example.test/a.json"), is_url("spec/a.json")
        (True, False)
    """
    return source.startswith(("http://", "https://"))


def fetch(source: str, timeout: float = DEFAULT_TIMEOUT) -> dict[str, Any]:
    """Read an OpenAPI description from a URL or a file (JSON or YAML) and validate it.

    Raises SpecUpdateError with a message naming the source and the defect.

    Example::

        doc = fetch("spec/upstream.yaml")
        doc = fetch("https://developers.sinch.com/.../accesskeys.json", timeout=10)
    """
    if is_url(source):
        try:
            response = httpx.get(source, timeout=timeout, follow_redirects=True)
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
    timeout: float = DEFAULT_TIMEOUT,
    test_command: Sequence[str] = TEST_COMMAND,
    out: TextIO | None = None,
) -> UpdateResult:
    """Run the whole pipeline; never raises for a pipeline failure (see ``exit_code``).

    ``root`` defaults to the repository; each path defaults to its place below ``root``.

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
    )
    source = source or DEFAULT_SOURCE

    def fail(message: str, code: int = EXIT_ERROR) -> UpdateResult:
        print(f"error: {message}", file=sys.stderr)
        return UpdateResult(code, error=message)

    # 1. fetch and validate; 2. build the curated spec (nothing is written before it works)
    try:
        print(f"fetching {source}", file=out)
        document = fetch(source, timeout)
        new_text = build_from(document, paths.overlay)
    except SpecUpdateError as exc:
        return fail(str(exc))
    upstream_changed = not paths.upstream.exists() or _load(paths.upstream) != document
    old_text = paths.curated.read_text(encoding="utf-8") if paths.curated.exists() else ""
    if not upstream_changed and old_text == new_text:
        print("no changes: upstream and openapi.yaml are up to date", file=out)
        return UpdateResult(EXIT_OK, markdown="No changes.\n")

    # 3. the semantic diff
    changes = diff_specs(yaml.safe_load(old_text) or {}, yaml.safe_load(new_text))
    written = []
    if upstream_changed:
        paths.upstream.parent.mkdir(parents=True, exist_ok=True)
        paths.upstream.write_text(dump_yaml(document), encoding="utf-8")
        written.append(paths.upstream)
    if old_text != new_text:
        paths.curated.write_text(new_text, encoding="utf-8")
        written.append(paths.curated)

    # 4. regenerate and test
    notes = [f"source: `{source}`"]
    code = EXIT_OK
    if old_text == new_text:
        notes.append("openapi.yaml unchanged (the overlay overrides what changed upstream)")
    else:
        code = _regenerate_and_test(paths, notes, skip_tests, test_command)
        if code != EXIT_ERROR:
            written.append(paths.generated)
    breaking = has_breaking(changes)
    if breaking and code == EXIT_OK and not allow_breaking:
        code = EXIT_BREAKING
    if breaking:
        notes.append(
            "breaking changes allowed (--allow-breaking)"
            if allow_breaking
            else "breaking changes found: review before merging"
        )
    markdown = render_markdown(
        changes,
        title="Upstream API description update",
        preamble=[] if changes else ["No semantic API changes (descriptions or examples only)."],
        notes=notes,
    )
    paths.changes.parent.mkdir(parents=True, exist_ok=True)
    paths.changes.write_text(markdown, encoding="utf-8")
    written.append(paths.changes)
    print(markdown, file=out)
    for path in written:
        print(f"wrote {_show(path, paths.root)}", file=out)
    return UpdateResult(code, changes, written, markdown)


def _regenerate_and_test(
    paths: Paths, notes: list[str], skip_tests: bool, test_command: Sequence[str]
) -> int:
    try:
        generate(paths.curated, paths.generated)
    except GenerationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        notes.append(f"**regeneration FAILED**: {str(exc).splitlines()[0]}")
        return EXIT_ERROR
    notes.append("generated client regenerated")
    if skip_tests:
        notes.append("tests skipped (--skip-tests)")
        return EXIT_OK
    if run_tests(test_command, paths):
        notes.append("tests passed")
        return EXIT_OK
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


def main(argv: list[str] | None = None) -> int:
    """Command line entry point; returns the exit status.

    Example::

        python -m tools.spec.update spec/new.json --skip-tests
    """
    parser = argparse.ArgumentParser(
        prog="python -m tools.spec.update",
        description="Fetch the vendor's OpenAPI description, re-apply the overlay, diff, "
        "regenerate and test.",
        epilog="exit status: 0 ok, 1 failure, 2 usage, 3 breaking change, 4 tests failed",
    )
    parser.add_argument(
        "source", nargs="?", default=None, help=f"URL or file path (default: {DEFAULT_SOURCE})"
    )
    parser.add_argument(
        "--allow-breaking", action="store_true", help="exit 0 even if a change is breaking"
    )
    parser.add_argument("--skip-tests", action="store_true", help="do not run the test suite")
    parser.add_argument(
        "--timeout", type=float, default=DEFAULT_TIMEOUT, help="fetch timeout in seconds"
    )
    parser.add_argument(
        "--root", type=Path, default=None, help="repository root to update (default: this one)"
    )
    args = parser.parse_args(argv)
    result = run(
        args.source,
        allow_breaking=args.allow_breaking,
        skip_tests=args.skip_tests,
        root=args.root,
        timeout=args.timeout,
    )
    return result.exit_code


if __name__ == "__main__":
    sys.exit(main())
