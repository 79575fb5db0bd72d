"""What the weekly spec-update workflow does with the pipeline's outcome: the decision table.

The pipeline (tools/spec/update.py ``--outcome FILE``) writes its outcome as JSON; nox turns
every failing exit status into 1, so the workflow never decides on an exit status. This
module reads the file and decides:

================  ==================  ==============================  ============
outcome           pull request        labels                          job
================  ==================  ==============================  ============
ok                opened              spec-update                     green
breaking          opened              spec-update, breaking           green
tests-failed      opened, draft,      spec-update, tests-failing      red
                  title marked        (+ breaking if it is)
no-change         none                -                               green
error             none                -                               red
file missing or   none                -                               red
unreadable
================  ==================  ==============================  ============

An ``ok`` outcome whose change class is breaking (``--allow-breaking``) is labelled
breaking too. ``python -m tools.spec.decide OUTCOME.json`` prints the decision and, on
GitHub Actions, appends it to ``$GITHUB_OUTPUT`` (``open_pr``, ``title``, ``labels``,
``draft``, ``fail``, ``reason``, ``body_path``); it exits 0 whatever the decision, so the
pull request step still runs before a later step turns the job red.

Example::

    >>> d = decide({"outcome": "breaking", "change_class": "breaking", "written": ["x"],
    ...             "version_after": "0.2.0"})
    >>> d.open_pr, d.labels, d.fail
    (True, ('spec-update', 'breaking'), False)
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TITLE = "Update the Access Keys API description"
BODY = "spec/CHANGES.md"


@dataclass(frozen=True)
class Decision:
    """What the workflow does: open a pull request (how), and whether the job fails."""

    open_pr: bool
    fail: bool
    reason: str
    title: str = ""
    labels: tuple[str, ...] = ()
    draft: bool = False

    def outputs(self) -> dict[str, str]:
        """The step outputs, as GitHub Actions reads them from ``$GITHUB_OUTPUT``."""
        return {
            "open_pr": str(self.open_pr).lower(),
            "fail": str(self.fail).lower(),
            "reason": self.reason,
            "title": self.title,
            "labels": ",".join(self.labels),
            "draft": str(self.draft).lower(),
            "body_path": BODY,
        }


def decide(outcome: Mapping[str, Any] | None) -> Decision:
    """The decision for an outcome (``None``: the file is missing or unreadable).

    Example::

        >>> decide(None).fail, decide(None).open_pr
        (True, False)
    """
    if outcome is None:
        return Decision(False, True, "the pipeline wrote no readable outcome file")
    name = outcome.get("outcome")
    if name == "error":
        return Decision(False, True, f"the pipeline failed: {outcome.get('error') or '?'}")
    if name not in ("ok", "no-change", "breaking", "tests-failed"):
        return Decision(False, True, f"unknown outcome {name!r}")
    if name == "no-change" or not outcome.get("written"):
        return Decision(False, False, "no change upstream")
    breaking = outcome.get("change_class") == "breaking"
    version = outcome.get("version_after") or ""
    title = f"{TITLE} ({version})" if version else TITLE
    labels = ["spec-update"]
    if breaking:
        labels.append("breaking")
        title = f"[BREAKING] {title}"
    if name == "tests-failed":
        labels.append("tests-failing")
        return Decision(
            True,
            True,
            "the tests fail against the regenerated client; see the pull request",
            f"[TESTS FAIL] {title}",
            tuple(labels),
            draft=True,
        )
    reason = "breaking change: review before merging" if breaking else "update ready"
    return Decision(True, False, reason, title, tuple(labels))


def read_outcome(path: Path) -> dict[str, Any] | None:
    """The outcome in ``path``, or None if it is missing, not JSON or not an object."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def write_outputs(decision: Decision, github_output: Path) -> None:
    """Append the decision to a ``$GITHUB_OUTPUT`` file (one ``key=value`` per line; values
    never hold a newline)."""
    with github_output.open("a", encoding="utf-8") as stream:
        for key, value in decision.outputs().items():
            stream.write(f"{key}={' '.join(value.splitlines())}\n")


def main(argv: list[str] | None = None) -> int:
    """``python -m tools.spec.decide OUTCOME.json``: print the decision, export it.

    Example::

        python -m tools.spec.decide "$RUNNER_TEMP/outcome.json"
    """
    parser = argparse.ArgumentParser(
        prog="python -m tools.spec.decide", description=__doc__.splitlines()[0]
    )
    parser.add_argument("outcome", type=Path, help="the file update.py --outcome wrote")
    args = parser.parse_args(argv)
    decision = decide(read_outcome(args.outcome))
    for key, value in decision.outputs().items():
        print(f"{key}: {value}")
    if os.environ.get("GITHUB_OUTPUT"):
        write_outputs(decision, Path(os.environ["GITHUB_OUTPUT"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
