"""Serving an emulator over real HTTP with uvicorn (the ``emulator`` extra).

The emulator is a test double, for tests and local development only: never serve it as a
production service.

uvicorn is imported inside the functions, so ``sinch_keys.testing`` imports with httpx only.
We bind the listening socket ourselves: the port is known (port 0 = a free one) and the
socket already accepts connections before anyone is told the URL.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shlex
import signal
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TextIO

from sinch_keys.testing._asgi import EmulatorApp
from sinch_keys.testing._emulator import TOKEN_PATH, Emulator

if TYPE_CHECKING:
    import uvicorn

_DROP_NOISE = "ASGI callable returned without completing response."


class _HideInjectedDrops(logging.Filter):
    """uvicorn logs an error for every response the app abandons; for a drop fault that is the
    point, not a bug, so keep it out of test and benchmark output."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != _DROP_NOISE


def _import_uvicorn() -> Any:
    try:
        import uvicorn  # optional dependency, needed only for HTTP mode
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "serving the emulator over HTTP needs uvicorn: pip install 'sinch-keys[emulator]'"
        ) from exc
    logger = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _HideInjectedDrops) for f in logger.filters):
        logger.addFilter(_HideInjectedDrops())
    return uvicorn


def _listen(host: str, port: int) -> socket.socket:
    # proto=IPPROTO_TCP matters: asyncio only sets TCP_NODELAY on accepted sockets whose proto
    # says TCP, and without it every keep-alive response (headers and body are two writes)
    # waits ~40 ms for a delayed ACK (Nagle).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(1024)  # connections queue from now on, before uvicorn accepts them
    except OSError:
        sock.close()
        raise
    return sock


def _server(emulator: Emulator, quiet_logging: bool) -> uvicorn.Server:
    uv = _import_uvicorn()
    kwargs: dict[str, Any] = {}
    if quiet_logging:
        # In-process use: leave the host application's logging configuration alone.
        kwargs["log_config"] = None
    config = uv.Config(
        EmulatorApp(emulator),
        http="auto",  # httptools when installed, else h11
        ws="none",
        lifespan="off",
        log_level="warning",
        access_log=False,
        server_header=False,
        timeout_graceful_shutdown=2,  # held (timeout/latency) responses must not block exit
        **kwargs,
    )
    server: uvicorn.Server = uv.Server(config)
    return server


@contextmanager
def serve_emulator(
    emulator: Emulator | None = None, host: str = "127.0.0.1", port: int = 0
) -> Iterator[str]:
    """Serve ``emulator`` over HTTP in a background thread; yields the base URL.

    The token endpoint is ``base_url + "/oauth2/token"``. Port 0 picks a free port. The server
    stops (and the thread ends) when the block exits.

    Example::

        emu = Emulator()
        with serve_emulator(emu) as base_url:
            httpx.get(base_url + "/v1/projects/proj-1/accessKeys",
                      auth=(emu.key_id, emu.key_secret))
    """
    emu = emulator if emulator is not None else Emulator()
    server = _server(emu, quiet_logging=True)
    sock = _listen(host, port)
    bound_port = sock.getsockname()[1]
    thread = threading.Thread(
        target=server.run,
        kwargs={"sockets": [sock]},
        name=f"sinch-keys-emulator:{bound_port}",
        daemon=True,
    )
    thread.start()
    try:
        deadline = time.monotonic() + 10.0
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the emulator's HTTP server did not start")
            time.sleep(0.005)
        yield f"http://{host}:{bound_port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15.0)
        sock.close()


def export_lines(emulator: Emulator, base_url: str) -> list[str]:
    """The ``export NAME=value`` lines that point the SDK and the CLI at an emulator.

    Example::

        >>> emu = Emulator(project_id="p", key_id="k", key_secret="s")
        >>> export_lines(emu, "http://127.0.0.1:8080")[-1]
        'export SINCH_KEYS_TOKEN_URL=http://127.0.0.1:8080/oauth2/token'
    """
    values = {
        "SINCH_PROJECT_ID": emulator.project_id,
        "SINCH_KEY_ID": emulator.key_id,
        "SINCH_KEY_SECRET": emulator.key_secret,
        "SINCH_KEYS_BASE_URL": base_url,
        "SINCH_KEYS_TOKEN_URL": base_url + TOKEN_PATH,
    }
    return [f"export {name}={shlex.quote(value)}" for name, value in values.items()]


def write_env_file(path: str, lines: list[str]) -> tuple[int, int]:
    """Write ``lines`` to ``path`` with mode 0600, replacing it atomically (a reader sees the
    old file or the whole new one, never half); returns the file's (device, inode).

    Example::

        write_env_file(".emu.env", export_lines(emu, base_url))
    """
    directory = os.path.dirname(os.path.abspath(path))
    fd, temporary = tempfile.mkstemp(prefix=".sinch-keys-env-", dir=directory)  # mode 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write("".join(line + "\n" for line in lines))
            file.flush()
            os.fsync(file.fileno())
            info = os.fstat(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    return (info.st_dev, info.st_ino)


def _remove_if_same(path: str, identity: tuple[int, int]) -> None:
    """Remove the env file on exit (its credentials die with the emulator), unless another
    file has replaced it meanwhile."""
    with contextlib.suppress(OSError):
        info = os.stat(path, follow_symlinks=False)
        if (info.st_dev, info.st_ino) == identity:
            os.unlink(path)


def run_emulator_server(
    port: int = 8080,
    project_id: str = "proj-1",
    key_id: str | None = None,
    key_secret: str | None = None,
    token_ttl: float = 3599.0,
    seed: int | None = None,
    max_keys: int = 10,
    host: str = "127.0.0.1",
    emulator: Emulator | None = None,
    out: TextIO | None = None,
    env_file: str | None = None,
) -> None:
    """Serve an emulator in the foreground until interrupted (Ctrl-C / SIGTERM).

    On start, once the port accepts connections, it prints (flushed at once) the ``export``
    lines (:func:`export_lines`) to ``out`` (default stdout), and writes them to
    ``env_file`` if given (mode 0600, see :func:`write_env_file`; removed again on exit).
    Port 0 picks a free port. Used by ``python -m sinch_keys.testing`` and ``sinch-keys
    emulator``. A test double: never a production service.

    Example::

        run_emulator_server(8080, project_id="proj-1", key_id="k1", key_secret="s1")
    """
    emu = emulator or Emulator(
        project_id=project_id,
        key_id=key_id,
        key_secret=key_secret,
        token_ttl=token_ttl,
        max_keys=max_keys,
        seed=seed,
    )
    server = _server(emu, quiet_logging=False)
    sock = _listen(host, port)
    written: tuple[int, int] | None = None
    try:
        base_url = f"http://{host}:{sock.getsockname()[1]}"
        lines = export_lines(emu, base_url)
        if env_file is not None:
            written = write_env_file(env_file, lines)
        stream = out if out is not None else sys.stdout
        stream.write("".join(line + "\n" for line in lines))
        stream.flush()
        print(
            f"sinch-keys emulator (a test double) serving {base_url} (Ctrl-C to stop)",
            file=sys.stderr,
        )
        with _sigterm_exits_cleanly():
            server.run(sockets=[sock])
    finally:
        sock.close()
        if env_file is not None and written is not None:
            _remove_if_same(env_file, written)


@contextmanager
def _sigterm_exits_cleanly() -> Iterator[None]:
    """uvicorn shuts down on SIGTERM and then re-raises it to the previous handler; make that
    handler a clean exit (status 0) instead of death by signal, for the foreground server."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def exit_cleanly(signum: int, frame: object) -> None:
        raise SystemExit(0)

    previous = signal.signal(signal.SIGTERM, exit_cleanly)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
