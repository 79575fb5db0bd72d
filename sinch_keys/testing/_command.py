"""The emulator's command line, shared by ``python -m sinch_keys.testing`` and
``sinch-keys emulator``: one parser, one implementation, the same options in both.

The emulator is a test double: it keeps keys in memory, prints its bootstrap secret, and
exists for tests and local development, never for production. It listens on 127.0.0.1; a
``--host`` that is not a loopback address gets a warning, since anyone who can reach it can
use it.
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import sys
import textwrap
from typing import Any, NoReturn

from sinch_keys._loopback import is_loopback
from sinch_keys.testing._server import run_emulator_server

DEFAULT_PORT = 8080
"""The port the emulator listens on without ``--port``."""

DESCRIPTION = (
    "Serve the Sinch Access Keys API emulator over HTTP until interrupted, and print the "
    "export lines that point the SDK and the sinch-keys command at it. The emulator is a "
    "TEST DOUBLE for tests and local development, not for production: keys live in memory, "
    "its bootstrap secret is printed, and it listens on 127.0.0.1 unless --host says "
    "otherwise."
)

EXAMPLES = """\
Examples:
  {prog} --port 8080
  {prog} --port 8080 --env-file .emu.env &
  sleep 1; . ./.emu.env; sinch-keys list
  {prog} --port 0 --seed 1 --key-id k1 --key-secret s1 --max-keys 3
"""


class _HelpFormatter(argparse.RawDescriptionHelpFormatter):
    def add_usage(self, usage: Any, actions: Any, groups: Any, prefix: str | None = None) -> None:
        super().add_usage(usage, actions, groups, "Usage: " if prefix is None else prefix)


class _Parser(argparse.ArgumentParser):
    """argparse with the command line's error contract: one ``error:`` line, one hint."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"error: {message}\nTry '{self.prog} --help' for help.\n")


def build_parser(prog: str, width: int | None = None) -> argparse.ArgumentParser:
    """The emulator's option parser (``prog`` names the command in help and errors; help is
    ``width`` columns wide, default the terminal's up to 100, as the sinch-keys help).

    Example::

        >>> build_parser("sinch-keys emulator").parse_args(["--port", "0"]).port
        0
    """
    if width is None:
        width = max(min(shutil.get_terminal_size().columns, 100) - 2, 50)
    parser = _Parser(
        prog=prog,
        usage="%(prog)s [OPTIONS]",
        description=textwrap.fill(DESCRIPTION, width, initial_indent="  ", subsequent_indent="  "),
        epilog=EXAMPLES.format(prog=prog),
        add_help=False,
        formatter_class=lambda prog: _HelpFormatter(prog, width=width),
    )
    options = parser.add_argument_group("Options")
    add = options.add_argument
    add("--port", type=int, default=DEFAULT_PORT, metavar="N",
        help=f"TCP port (default {DEFAULT_PORT}; 0 picks a free one)")  # fmt: skip
    add("--host", default="127.0.0.1", metavar="ADDRESS",
        help="interface to listen on (default 127.0.0.1; any other gets a warning)")  # fmt: skip
    add("--project", default="proj-1", metavar="ID",
        help="project id of the bootstrap key (default proj-1)")  # fmt: skip
    add("--key-id", default=None, metavar="ID", help="bootstrap key id (default: random)")
    add("--key-secret", default=None, metavar="SECRET",
        help="bootstrap key secret (default: random; a test value, visible to ps)")  # fmt: skip
    add("--token-ttl", type=float, default=3599.0, metavar="SECONDS",
        help="lifetime of issued tokens (default 3599)")  # fmt: skip
    add("--max-keys", type=int, default=10, metavar="N",
        help="keys allowed per project (default 10, as the API)")  # fmt: skip
    add("--seed", type=int, default=None, metavar="N",
        help="make ids, secrets and tokens reproducible")  # fmt: skip
    add("--env-file", default=None, metavar="PATH",
        help="also write the export lines to PATH (mode 0600, replaced atomically, "
        "removed on exit), ready to source")  # fmt: skip
    add("-h", "--help", action="help", help="show this message and exit")
    return parser


def main(
    argv: list[str] | None = None,
    prog: str = "python -m sinch_keys.testing",
    width: int | None = None,
) -> None:
    """Parse the command line and serve until interrupted; exits 2 on a usage error and 1 when
    the server cannot start.

    Example::

        main(["--port", "0", "--seed", "1", "--env-file", ".emu.env"])
    """
    args = build_parser(prog, width).parse_args(argv)
    if not 0 <= args.port <= 65535:
        _fail(2, f"--port {args.port} is not a port (0-65535)", prog)
    if args.max_keys < 1 or args.token_ttl <= 0:
        _fail(2, "--max-keys must be at least 1 and --token-ttl positive", prog)
    if not is_loopback(args.host):
        print(
            f"warning: --host {args.host} is not a loopback address: anyone who can reach it "
            f"can use this emulator, a test double that prints its secret; never expose it",
            file=sys.stderr,
        )
    try:
        # uvicorn re-raises the SIGINT it handled once it has shut down: a clean stop
        with contextlib.suppress(KeyboardInterrupt):
            run_emulator_server(
                port=args.port,
                project_id=args.project,
                key_id=args.key_id,
                key_secret=args.key_secret,
                token_ttl=args.token_ttl,
                seed=args.seed,
                max_keys=args.max_keys,
                host=args.host,
                env_file=args.env_file,
            )
    except ImportError as exc:  # uvicorn is the emulator extra
        _fail(1, str(exc))
    except OSError as exc:
        where = f" ({exc.filename})" if exc.filename else ""
        _fail(1, f"cannot serve on {args.host}:{args.port}: {exc.strerror or exc}{where}")


def _fail(code: int, message: str, prog: str | None = None) -> NoReturn:
    print(f"error: {message}", file=sys.stderr)
    if prog is not None:
        print(f"Try '{prog} --help' for help.", file=sys.stderr)
    raise SystemExit(code)
