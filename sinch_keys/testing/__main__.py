"""``python -m sinch_keys.testing``: serve the emulator, a test double, over HTTP.

The emulator is for tests and local development, never for production: keys live in memory
and its bootstrap secret is printed. It listens on 127.0.0.1; ``--host`` with another address
prints a warning. ``sinch-keys emulator`` is the same command (one parser, one
implementation: :mod:`sinch_keys.testing._command`).

Example::

    python -m sinch_keys.testing --port 8080 --env-file .emu.env &
    sleep 1; . ./.emu.env; sinch-keys list
    python -m sinch_keys.testing --port 0 --project proj-1 --key-id k1 --key-secret s1
"""

from __future__ import annotations

from sinch_keys.testing._command import main

__all__ = ["main"]

if __name__ == "__main__":
    main()
