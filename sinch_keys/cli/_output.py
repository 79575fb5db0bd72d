"""What the CLI prints: terminal-safe text, keys as lines, tables, tab-separated rows and JSON.

Every string a server controls (display names, ids, project ids, error messages, request ids,
even a new key's secret) can carry terminal escape sequences: OSC 52 writes the clipboard,
OSC 0 the window title, CSI moves the cursor or hides text, bidi overrides reorder what the
reader sees. So nothing reaches stdout or stderr without :func:`safe` (text) or
:func:`safe_json` (JSON, still exact JSON). Secrets themselves never pass through here
without ``get_secret_value()`` being called at the print, never earlier.
"""

from __future__ import annotations

import datetime
import json
import re
import sys
from collections.abc import Iterator
from typing import Any, TextIO

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from sinch_keys import AccessKey, ListAccessKeysResponse

# C0 controls (ESC, BEL, NUL, CR, LF, TAB...), DEL, C1 controls (a lone 0x9b is a CSI and
# 0x9d an OSC on many terminals), the bidirectional formatting characters (Trojan Source),
# the Unicode line and paragraph separators, and lone surrogates (unprintable, and an
# encoding error on a UTF-8 stream).
_NOT_C0 = "\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff"
_UNSAFE = re.compile(f"[\x00-\x1f{_NOT_C0}]")
# json.dumps escapes the C0 controls itself; the rest can only occur inside JSON strings
_UNSAFE_IN_JSON = re.compile(f"[{_NOT_C0}]")
_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    return _NAMED.get(char) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def safe(text: str) -> str:
    """``text`` with every control, escape and bidi character shown as a visible escape.

    One line in, one line out: a newline becomes ``\\n``, so a server cannot forge a line of
    output. Printable text, non-ASCII letters and emoji included, is left alone.

    Example::

        >>> safe("prod\\x1b]52;c;ZXZpbA==\\x07 key\\u202e")
        'prod\\\\x1b]52;c;ZXZpbA==\\\\x07 key\\\\u202e'
    """
    return _UNSAFE.sub(_escape, text)


def safe_json(document: Any, *, indent: int | None = 2) -> str:
    """``document`` as exact JSON that is also safe on a terminal.

    ``json.dumps`` escapes C0 controls but leaves C1 controls, DEL, bidi overrides and
    lone surrogates raw when non-ASCII is kept readable; those can only occur inside JSON
    strings, where a ``\\uXXXX`` escape decodes to the same value.

    Example::

        >>> safe_json({"displayName": "a\\x9b31mb"}, indent=None)
        '{"displayName": "a\\\\u009b31mb"}'
    """
    text = json.dumps(document, indent=indent, ensure_ascii=False)
    return _UNSAFE_IN_JSON.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


def is_terminal(stream: TextIO) -> bool:
    """Whether ``stream`` is an interactive terminal (tests replace this).

    Example::

        >>> is_terminal(io.StringIO())
        False
    """
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty()) if isatty is not None else False
    except ValueError:  # a closed stream
        return False


def echo(text: str = "", *, err: bool = False, nl: bool = True) -> None:
    """Print text the CLI itself composed; any server-controlled part must already be safe.

    Example::

        echo(f"Deleted access key {safe(key_id)}.")
    """
    typer.echo(text, err=err, nl=nl)


def warn(text: str) -> None:
    """One ``warning: ...`` line on stderr (a warning is not a failure).

    Example::

        warn("This secret cannot be shown again: store it now.")
    """
    typer.echo(f"warning: {safe(text)}", err=True)


def echo_json(document: Any) -> None:
    """One JSON document on stdout, terminal-safe (see :func:`safe_json`).

    Example::

        echo_json(key_fields(key))
    """
    typer.echo(safe_json(document))


def key_fields(key: AccessKey) -> dict[str, Any]:
    """A key as the API spells it: accessKeyId, displayName, projectId, createTime...

    Example::

        key_fields(key)["displayName"]
    """
    return key.to_dict()


def print_key(key: AccessKey, heading: str = "Access key") -> None:
    """A key as five aligned lines, every server-controlled value made safe.

    Example::

        print_key(client.access_keys.get(key_id), "Renamed access key")
    """
    echo(f"{heading} {safe(key.access_key_id)}")
    echo(f"  name     {safe(key.display_name)}")
    echo(f"  project  {safe(key.project_id)}")
    echo(f"  created  {key.create_time.isoformat()}")
    echo(f"  updated  {key.update_time.isoformat()}")


def stdout_console() -> Console:
    """A rich console on stdout that uses colour only on a terminal.

    Example::

        run_demo(stdout_console())
    """
    return Console(file=sys.stdout, force_terminal=is_terminal(sys.stdout) or None)


def _stderr_console() -> Console:
    return Console(file=sys.stderr, force_terminal=is_terminal(sys.stderr) or None)


def stream_json(pages: Iterator[ListAccessKeysResponse]) -> None:
    """One JSON list, written element by element as pages arrive.

    Example::

        stream_json(client.access_keys.list(page_size=100).pages())
    """
    first = True
    echo("[", nl=False)
    for page in pages:
        for key in page.access_keys:
            item = safe_json(key_fields(key), indent=None)
            echo(("\n  " if first else ",\n  ") + item, nl=False)
            first = False
    echo("]" if first else "\n]")


def stream_rows(pages: Iterator[ListAccessKeysResponse]) -> None:
    """Rows page by page: a rich table per page on a terminal, tab-separated lines
    (id, name, createTime, updateTime) otherwise; a spinner while later pages load.

    Example::

        stream_rows(client.access_keys.list(page_size=100).pages())
    """
    terminal = is_terminal(sys.stdout)
    out = stdout_console()
    err = _stderr_console()
    count, number, more = 0, 0, False
    while True:
        number += 1
        status = None
        if terminal and more:  # the previous page said more follow
            status = err.status(f"Fetching page {number}…")
            status.start()
        try:
            page = next(pages, None)
        finally:
            if status is not None:
                status.stop()
        if page is None:
            break
        more = bool(page.next_page_token)
        keys = list(page.access_keys)
        count += len(keys)
        if terminal:
            if keys:
                out.print(_table(keys, header=count == len(keys), width=out.width))
        else:
            for key in keys:
                # safe(): a tab or newline in a name is escaped, so each key stays one row
                echo(
                    "\t".join(
                        (
                            safe(key.access_key_id),
                            safe(key.display_name),
                            key.create_time.isoformat(),
                            key.update_time.isoformat(),
                        )
                    )
                )
    if terminal:
        out.print(Text(f"{count} access key{'s' if count != 1 else ''}", style="dim"))


def _table(keys: list[AccessKey], *, header: bool, width: int) -> Table:
    """One page as a table; the update time only where the terminal is wide enough."""
    wide = width >= 110
    table = Table(show_header=header, box=None, pad_edge=False)
    table.add_column("ID", style="cyan", no_wrap=True)
    table.add_column("NAME", ratio=1, overflow="fold")
    table.add_column("CREATED (UTC)", no_wrap=True)
    if wide:
        table.add_column("UPDATED (UTC)", no_wrap=True)
    for key in keys:
        cells = [
            Text(safe(key.access_key_id)),
            Text(safe(key.display_name)),  # Text: a name is never read as rich markup
            Text(_utc(key.create_time)),
        ]
        if wide:
            cells.append(Text(_utc(key.update_time)))
        table.add_row(*cells)
    return table


def _utc(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M")
