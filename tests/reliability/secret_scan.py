"""Scan the repository (cassettes/ included) with detect-secrets and fail on any finding that
the committed baseline ``.secrets.baseline`` does not already hold.

    python -m tests.reliability.secret_scan            # CI: exit 1 on a new finding
    python -m tests.reliability.secret_scan --update   # after auditing: rewrite the baseline

Findings are compared by (file, secret hash, type), never by line number, so editing a file
around an audited test credential does not fail the scan. Files scanned: every file git
tracks plus untracked files that are not ignored (a new file is scanned before its commit).
A test credential in new code should carry ``# pragma: allowlist secret`` instead of growing
the baseline.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
BASELINE = ROOT / ".secrets.baseline"
Finding = tuple[str, str, str]


def repo_files() -> list[str]:
    out = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    names = sorted({name for name in out.split("\0") if name})
    return [n for n in names if n != BASELINE.name and (ROOT / n).is_file()]


def scan(files: list[str]) -> dict[str, Any]:
    tool = shutil.which("detect-secrets")
    if tool is None:
        raise SystemExit("detect-secrets is not installed (nox -s secrets_scan installs it)")
    out = subprocess.run([tool, "scan", *files], cwd=ROOT, capture_output=True, check=True)
    report: dict[str, Any] = json.loads(out.stdout)
    return report


def findings(report: dict[str, Any]) -> dict[Finding, int]:
    found: dict[Finding, int] = {}
    for filename, items in report.get("results", {}).items():
        for item in items:
            found[(filename, item["hashed_secret"], item["type"])] = item.get("line_number", 0)
    return found


def main(argv: list[str]) -> int:
    files = repo_files()
    report = scan(files)
    current = findings(report)
    if "--update" in argv:
        for items in report.get("results", {}).values():
            for item in items:
                item["is_secret"] = False  # audited: test credentials, not real secrets
        BASELINE.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        print(f"wrote {BASELINE.name}: {len(current)} audited findings in {len(files)} files")
        return 0
    if not BASELINE.exists():
        print(f"{BASELINE.name} is missing: run with --update after auditing", file=sys.stderr)
        return 1
    known = findings(json.loads(BASELINE.read_text(encoding="utf-8")))
    new = sorted(set(current) - set(known))
    for filename, _hash, kind in new:
        print(f"NEW SECRET? {filename}:{current[(filename, _hash, kind)]}: {kind}", file=sys.stderr)
    if new:
        print(
            f"{len(new)} finding(s) not in {BASELINE.name}. A real secret: remove it (and rotate "
            f"it). A test credential: mark the line '# pragma: allowlist secret', or audit it "
            f"and run 'python -m tests.reliability.secret_scan --update'.",
            file=sys.stderr,
        )
        return 1
    print(f"detect-secrets: {len(files)} files, {len(current)} known findings, none new")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
