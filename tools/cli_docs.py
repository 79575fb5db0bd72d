"""Regenerate the command reference of docs/cli.md from the commands' own ``--help``.

The reference is the part of docs/cli.md between the two ``generated`` markers: one section
per command, holding exactly what ``sinch-keys COMMAND --help`` prints at 90 columns. The
rest of the page is written by hand. ``tests/cli/test_cli_help.py`` fails when the page and
the help differ, so they cannot drift.

    python -m tools.cli_docs            # rewrite docs/cli.md
    python -m tools.cli_docs --check    # exit 1 if it is stale
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

DOC = Path(__file__).resolve().parent.parent / "docs" / "cli.md"
BEGIN = "<!-- begin generated reference: python -m tools.cli_docs -->"
END = "<!-- end generated reference -->"
WIDTH = 90


def command_help(*command: str) -> str:
    """What ``sinch-keys COMMAND --help`` prints, at a fixed width, from any directory."""
    from typer.testing import CliRunner

    from sinch_keys.cli import app

    result = CliRunner().invoke(
        app, [*command, "--help"], prog_name="sinch-keys", terminal_width=WIDTH
    )
    if result.exit_code != 0:
        raise RuntimeError(f"sinch-keys {' '.join(command)} --help failed:\n{result.output}")
    return result.stdout.rstrip("\n")


def reference() -> str:
    """The generated reference: the root help, then each command's, in the help's order."""
    from typer.main import get_command

    from sinch_keys.cli import app

    group = get_command(app)
    names = list(group.commands)  # type: ignore[attr-defined]
    parts = ["### `sinch-keys --help`", "", "```text", command_help(), "```"]
    for name in names:
        parts += ["", f"### `sinch-keys {name} --help`", "", "```text", command_help(name), "```"]
    return "\n".join(parts)


def render(page: str) -> str:
    """``page`` with its generated reference replaced by the current one."""
    head, begin, rest = page.partition(BEGIN)
    _, end, tail = rest.partition(END)
    if not begin or not end:
        raise ValueError(f"{DOC} lacks the markers {BEGIN!r} ... {END!r}")
    return f"{head}{BEGIN}\n\n{reference()}\n\n{END}{tail}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if docs/cli.md is stale")
    args = parser.parse_args(argv)
    page = DOC.read_text(encoding="utf-8")
    fresh = render(page)
    if args.check:
        if fresh != page:
            print(f"{DOC} is stale: run python -m tools.cli_docs", file=sys.stderr)
            return 1
        return 0
    DOC.write_text(fresh, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
