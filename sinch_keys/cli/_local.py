"""The commands that need no account: ``emulator`` (a local test double over HTTP) and
``demo`` (a whole key lifecycle in process).
"""

from __future__ import annotations

import typer

from sinch_keys.cli._errors import reporting
from sinch_keys.cli._output import stdout_console
from sinch_keys.cli._session import flags_of


def emulator(ctx: typer.Context) -> None:
    """Serve the emulator, a test double of the API, on 127.0.0.1.

    Takes exactly the options of python -m sinch_keys.testing (the same parser):
    --port, --host, --project, --key-id, --key-secret, --token-ttl, --max-keys,
    --seed, --env-file. Needs the emulator extra (uvicorn). Run
    sinch-keys emulator --help for them.

    Examples:
      sinch-keys emulator --port 8080 --env-file .emu.env &
      sleep 1; . ./.emu.env; sinch-keys list
    """
    from sinch_keys.testing._command import main as serve

    args = list(ctx.args)
    project = flags_of(ctx).project  # `sinch-keys --project p emulator`, as before
    if project is not None and not any(a.split("=")[0] == "--project" for a in args):
        args = ["--project", project, *args]
    try:
        serve(args, prog="sinch-keys emulator", width=ctx.terminal_width)
    except SystemExit as exit_:  # argparse's --help and errors, and the server's own
        code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
        raise typer.Exit(code) from None


def demo(ctx: typer.Context) -> None:
    """Run a full key lifecycle against the in-process emulator (offline).

    No network, no credentials, no extra dependency: every step goes through the
    public library API. It ignores the global options and the SINCH_* variables.

    Examples:
      sinch-keys demo
    """
    from sinch_keys._demo import run_demo

    with reporting(debug=flags_of(ctx).debug):
        run_demo(stdout_console())
