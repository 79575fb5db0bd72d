"""The ``sinch-keys`` console script's entry point: runs the command line, or says how to get it.

The command line needs the ``[cli]`` extra (typer, rich, uvicorn), which a service that only
imports the library does not install. This module imports nothing beyond the standard
library, so the script can always start and turn a missing extra into one line and exit
status 2 (a usage problem), instead of a traceback.

Example::

    $ sinch-keys list            # without the extra:
    error: the sinch-keys command needs the [cli] extra: pip install 'sinch-keys[cli]'
"""

from __future__ import annotations

import sys

__all__ = ["MISSING_EXTRA", "main"]

MISSING_EXTRA = "error: the sinch-keys command needs the [cli] extra: pip install 'sinch-keys[cli]'"
"""The one line printed (to stderr) when the command line's dependencies are not installed."""

EXIT_USAGE = 2

# An ImportError from one of these is a bug in the package, never a missing extra.
_OWN_PACKAGES = frozenset({"sinch_keys", "sinch_keys_api"})


def main() -> None:
    """Run ``sinch-keys``; without the ``[cli]`` extra, print :data:`MISSING_EXTRA`, exit 2.

    Example::

        $ sinch-keys --version
    """
    if sys.argv[1:] == ["--version"]:  # answered before httpx, typer or rich load
        from sinch_keys._version import __version__

        print(f"sinch-keys {__version__}")
        return
    try:
        from sinch_keys._cli import main as cli_main
    except ImportError as exc:
        if exc.name is None or exc.name.partition(".")[0] in _OWN_PACKAGES:
            raise
        print(MISSING_EXTRA, file=sys.stderr)
        raise SystemExit(EXIT_USAGE) from None
    cli_main()
