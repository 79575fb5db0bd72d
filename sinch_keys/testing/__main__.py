"""``python -m sinch_keys.testing``: serve the emulator over HTTP until interrupted.

Example::

    eval "$(python -m sinch_keys.testing --port 8080 &)"   # or read the export lines
    python -m sinch_keys.testing --port 0 --project proj-1 --key-id k1 --key-secret s1
"""

from __future__ import annotations

import argparse
import contextlib

from sinch_keys.testing._server import run_emulator_server


def main(argv: list[str] | None = None) -> None:
    """Parse the command line and serve.

    Example::

        main(["--port", "0", "--seed", "1"])
    """
    parser = argparse.ArgumentParser(
        prog="python -m sinch_keys.testing",
        description="Serve the Sinch Access Keys API emulator on 127.0.0.1 until interrupted.",
    )
    parser.add_argument("--port", type=int, default=8080, help="port (0 = a free one)")
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on")
    parser.add_argument("--project", default="proj-1", help="project id of the bootstrap key")
    parser.add_argument("--key-id", default=None, help="bootstrap key id (random if unset)")
    parser.add_argument("--key-secret", default=None, help="bootstrap key secret")
    parser.add_argument("--token-ttl", type=float, default=3599.0, help="token lifetime, s")
    parser.add_argument("--max-keys", type=int, default=10, help="keys allowed per project")
    parser.add_argument("--seed", type=int, default=None, help="reproducible ids and secrets")
    args = parser.parse_args(argv)
    # uvicorn re-raises the SIGINT it handled once it has shut down; that is a clean stop.
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
        )


if __name__ == "__main__":
    main()
