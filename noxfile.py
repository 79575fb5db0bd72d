"""Every job of the project, as nox sessions. ``nox`` alone runs what CI runs.

nox                      # check_generated lint typecheck tests schemathesis secrets_scan (= CI)
nox -s generate          # openapi.yaml -> generated/sinch_keys_api
nox -s spec              # spec/upstream.yaml + spec/overlay.yaml -> openapi.yaml
nox -s record            # re-record cassettes/ against the emulator (or the live API)
"""

from __future__ import annotations

import nox

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.sessions = [
    "check_generated",
    "lint",
    "typecheck",
    "tests",
    "schemathesis",
    "secrets_scan",
]
nox.options.error_on_missing_interpreters = True

DEV = ".[dev]"
LINTED = ["sinch_keys", "tests", "tools", "noxfile.py"]


@nox.session
def spec(session: nox.Session) -> None:
    """Rebuild openapi.yaml from the vendor's copy and our overlay of fixes."""
    session.install(DEV)
    session.run("python", "-m", "tools.spec.build")


@nox.session
def generate(session: nox.Session) -> None:
    """Regenerate the low-level client under generated/ with the pinned generator."""
    session.install(DEV)
    session.run("python", "-m", "tools.spec.generate")


@nox.session
def check_generated(session: nox.Session) -> None:
    """Fail if openapi.yaml or generated/ is not what the sources produce."""
    session.install(DEV)
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
    session.install("-e", DEV)
    session.run("mypy", "--strict", "sinch_keys")


@nox.session
def tests(session: nox.Session) -> None:
    """The test suite, offline: cassettes replay with record mode none."""
    session.install("-e", DEV)
    session.run("pytest", *session.posargs)


@nox.session
def record(session: nox.Session) -> None:
    """Re-record every cassette: against the live API when SINCH_KEY_ID, SINCH_KEY_SECRET and
    SINCH_PROJECT_ID are set, otherwise against the in-process emulator."""
    session.install("-e", DEV)
    session.run("pytest", "-m", "cassette", "--record-mode=rewrite", *session.posargs)


@nox.session
def update_spec(session: nox.Session) -> None:
    """Follow the vendor's spec: fetch, re-apply the overlay, diff, regenerate, test.

    nox -s update_spec -- [SOURCE] [--allow-breaking] [--skip-tests]
    Exit status 3: breaking change found; 4: tests failed (see spec/CHANGES.md).
    """
    session.install("-e", DEV)
    session.run("python", "-m", "tools.spec.update", *session.posargs)


@nox.session
def schemathesis(session: nox.Session) -> None:
    """schemathesis (pinned in .[dev]) against the HTTP emulator with openapi.yaml, default
    checks, Basic auth of the bootstrap key; extra args go to ``st run``."""
    session.install("-e", DEV)
    session.run("python", "tests/emulator/run_schemathesis.py", *session.posargs)


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks against raw httpx (never part of the test suite): writes benchmarks/results.md
    and benchmarks/per_call_ratios.png. ``nox -s bench -- --quick`` for a run of a few minutes."""
    session.install(DEV, "matplotlib", "httpx-aiohttp>=0.2")
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
    session.install("-e", DEV, *SECURITY_TOOLS, "pip-audit==2.10.1")
    session.run("bandit", "-q", "-r", "sinch_keys")  # findings are fixed or justified inline
    session.run("python", "-m", "tests.reliability.secret_scan")
    session.run("pip-audit", "--strict", "--skip-editable", "--progress-spinner", "off")
