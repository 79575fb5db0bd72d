"""``sinch_keys.testing``: an in-memory emulator of the Access Keys API and its token endpoint.

The emulator is a test double, for tests and local development: not for production. Keys
live in memory, its bootstrap secret is printed, and it trusts its callers.

Use it in process, as an httpx transport (no sockets, httpx only)::

    from sinch_keys.testing import Emulator, Fault

    emu = Emulator(project_id="proj-1", seed=1)
    http = httpx.Client(transport=emu.transport, base_url=emu.base_url)
    emu.faults.script("create", Fault(status=503), Fault(drop=True, passthrough=True))

or over real HTTP on loopback (needs the ``emulator`` extra, uvicorn)::

    with serve_emulator(emu) as base_url:
        httpx.get(base_url + "/v1/projects/proj-1/accessKeys", auth=(emu.key_id, emu.key_secret))

or, for code that builds its own clients, route every client built inside a block to an
emulator, with no change to that code (also a decorator, and pytest fixtures: see
``sinch_keys.pytest_plugin``)::

    with emulated(project_id="proj-1") as emu:
        run_the_code_under_test()          # its SinchKeys() talks to emu, in process

``python -m sinch_keys.testing --port 8080`` (or ``sinch-keys emulator``, the same command)
serves one from the shell and prints the ``export`` lines that point the SDK and the CLI at
it; ``--env-file PATH`` also writes them to a 0600 file to source.
"""

from __future__ import annotations

from sinch_keys.testing._asgi import EmulatorApp
from sinch_keys.testing._emulated import Emulation, current_emulator, emulated
from sinch_keys.testing._emulator import Emulator, Outcome, RecordedRequest
from sinch_keys.testing._faults import ROUTES, Fault, FaultController
from sinch_keys.testing._server import export_lines, run_emulator_server, serve_emulator
from sinch_keys.testing._store import AppliedWrite

__all__ = [
    "ROUTES",
    "AppliedWrite",
    "Emulation",
    "Emulator",
    "EmulatorApp",
    "Fault",
    "FaultController",
    "Outcome",
    "RecordedRequest",
    "current_emulator",
    "emulated",
    "export_lines",
    "run_emulator_server",
    "serve_emulator",
]
