"""One command's session: its settings resolved and checked, a client, and error reporting.

Everything that can be refused without the network (a missing or malformed setting, an
unsafe URL, an unreadable secret) is refused here, before the client sends anything.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import typer

from sinch_keys import SinchKeys
from sinch_keys.cli._config import Flags, Settings, missing_message, resolve
from sinch_keys.cli._errors import CommandError, reporting


def make_http_client() -> httpx.Client | None:
    """The ``httpx.Client`` the CLI's :class:`SinchKeys` sends with; None: the client's own.

    An internal hook: tests replace it to route the CLI to the in-process emulator.

    Example::

        monkeypatch.setattr(_session, "make_http_client", lambda: httpx.Client(transport=t))
    """
    return None


@dataclass
class Session:
    """A ready client and the settings it was built from.

    Example::

        with session(ctx) as current:
            current.client.access_keys.list()
    """

    client: SinchKeys
    settings: Settings


def flags_of(ctx: typer.Context) -> Flags:
    """The command line's flags, shared by the group and its commands through ``ctx.obj``.

    Example::

        debug = flags_of(ctx).debug
    """
    flags = ctx.find_object(Flags)
    return flags if flags is not None else Flags()


@contextlib.contextmanager
def session(ctx: typer.Context) -> Iterator[Session]:
    """The body of every API command: settings resolved and checked, a client, and errors
    reported on one line.

    Example::

        with session(ctx) as current:
            current.client.access_keys.get(key_id)
    """
    flags = flags_of(ctx)
    with reporting(debug=flags.debug) as report:
        settings = resolve(flags)
        report.credentials_hint = settings.credentials_hint()
        for setting in ("project_id", "key_id", "key_secret"):
            if getattr(settings, setting) is None:
                raise CommandError(missing_message(setting, settings))
        with open_client(settings) as client:
            yield Session(client, settings)


@contextlib.contextmanager
def open_client(settings: Settings) -> Iterator[SinchKeys]:
    """A :class:`SinchKeys` built from ``settings`` alone (the environment was read already).

    Example::

        with open_client(resolve(Flags())) as client: ...
    """
    secret = settings.key_secret
    kwargs: dict[str, Any] = {
        "project_id": settings.project_id,
        "key_id": settings.key_id,
        "key_secret": secret.get_secret_value() if secret is not None else None,
        "auth": settings.auth,
        "base_url": settings.base_url,
        "token_url": settings.token_url,
        # the library refuses plain http to a remote host too; the CLI checked it first only
        # to name the flag in its message
        "allow_insecure_http": settings.allow_insecure_http,
    }
    http = make_http_client()
    try:
        with SinchKeys(**kwargs, http_client=http) as client:
            yield client
    finally:
        if http is not None:
            http.close()
