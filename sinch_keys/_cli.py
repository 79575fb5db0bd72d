"""The ``sinch-keys`` command line: the access keys of a project, from a terminal or a script.

Built on the public facade (:class:`sinch_keys.SinchKeys`), configured by the same
environment variables (``SINCH_PROJECT_ID``, ``SINCH_KEY_ID``, ``SINCH_KEY_SECRET``,
``SINCH_KEYS_BASE_URL``, ``SINCH_KEYS_TOKEN_URL``) and a few global flags. Exit codes: 0
success, 1 the operation failed (API error, refused self-delete, failed rotation), 2 a usage
or configuration problem (missing credential, bad argument, unsafe secret file, no ``--yes``
without a terminal). ``docs/cli.md`` documents every command.

This module is imported only by the console script, never by ``import sinch_keys``, so typer
and rich cost the library nothing.

Example::

    $ sinch-keys list --page-size 50
    $ sinch-keys create "ci deploy" --secret-file ./ci.secret
    $ sinch-keys demo
"""

from __future__ import annotations

import contextlib
import datetime
import enum
import json
import logging
import os
import sys
import traceback
from collections.abc import Callable, Iterator
from typing import Annotated, Any, NoReturn, TextIO

import httpx
import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from sinch_keys import (
    AccessKey,
    APIConnectionError,
    APIError,
    CreatedAccessKey,
    CreateOutcomeUnknownError,
    ListAccessKeysResponse,
    MissingCredentialsError,
    RotationError,
    SelfDeleteError,
    SinchKeys,
    SinchKeysError,
    __version__,
)

__all__ = ["DEFAULT_EMULATOR_PORT", "EXIT_FAILURE", "EXIT_OK", "EXIT_USAGE", "app", "main"]

EXIT_OK = 0
"""The command did what was asked."""
EXIT_FAILURE = 1
"""The operation failed: an API error, a refused self-delete, a failed rotation."""
EXIT_USAGE = 2
"""A usage or configuration problem, found before anything was changed."""

DEFAULT_EMULATOR_PORT = 8080
"""The port ``sinch-keys emulator`` listens on without ``--port``."""

ONCE_WARNING = "This secret cannot be shown again: store it now."
# The flag that can replace each environment variable (the secret has none on purpose: a
# command line argument is visible to every user of the machine in the process list).
_FLAG_FOR_VARIABLE = {
    "SINCH_PROJECT_ID": "--project",
    "SINCH_KEY_ID": "--key-id",
    "SINCH_KEYS_BASE_URL": "--base-url",
    "SINCH_KEYS_TOKEN_URL": "--token-url",  # nosec B105 - a flag name, not a password
}

app = typer.Typer(
    name="sinch-keys",
    help=(
        "Manage the access keys of a Sinch project (Access Keys Management API v1).\n\n"
        "Credentials come from SINCH_KEY_ID and SINCH_KEY_SECRET, the project from "
        "SINCH_PROJECT_ID (or --project). Try it offline, without credentials: "
        "sinch-keys demo"
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
"""The typer application behind ``sinch-keys`` (``main()`` runs it)."""


class AuthMode(enum.StrEnum):
    """How the CLI authenticates: an OAuth2 bearer token, or the key on every request."""

    oauth2 = "oauth2"
    basic = "basic"


class Settings:
    """The global options, shared by every command through ``ctx.obj``."""

    def __init__(
        self,
        *,
        project: str | None = None,
        key_id: str | None = None,
        base_url: str | None = None,
        token_url: str | None = None,
        auth: AuthMode = AuthMode.oauth2,
        debug: bool = False,
    ) -> None:
        self.project = project
        self.key_id = key_id
        self.base_url = base_url
        self.token_url = token_url
        self.auth = auth
        self.debug = debug


# -- hooks (module level so tests can replace them; not part of the command line) ----------


def _make_http_client() -> httpx.Client | None:
    """The ``httpx.Client`` the CLI's :class:`SinchKeys` sends with; None: the client's own.

    An internal hook: tests replace it to route the CLI to the in-process emulator.
    """
    return None


def _is_terminal(stream: TextIO) -> bool:
    """Whether ``stream`` is an interactive terminal (tests replace this)."""
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty()) if isatty is not None else False
    except ValueError:  # a closed stream
        return False


# -- output helpers ------------------------------------------------------------------------


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _fail(message: str, code: int) -> NoReturn:
    """Print ``error: message`` as one line on stderr and exit with ``code``."""
    typer.echo(f"error: {_one_line(message)}", err=True)
    raise typer.Exit(code)


def _echo_json(document: Any) -> None:
    typer.echo(json.dumps(document, indent=2, ensure_ascii=False))


def _key_fields(key: AccessKey) -> dict[str, Any]:
    """A key as the API spells it: accessKeyId, displayName, projectId, createTime..."""
    return key.to_dict()


def _print_key(key: AccessKey, heading: str = "Access key") -> None:
    typer.echo(f"{heading} {key.access_key_id}")
    typer.echo(f"  name     {key.display_name}")
    typer.echo(f"  project  {key.project_id}")
    typer.echo(f"  created  {key.create_time.isoformat()}")
    typer.echo(f"  updated  {key.update_time.isoformat()}")


def _stdout_console() -> Console:
    return Console(file=sys.stdout, force_terminal=_is_terminal(sys.stdout) or None)


def _stderr_console() -> Console:
    return Console(file=sys.stderr, force_terminal=_is_terminal(sys.stderr) or None)


# -- error reporting -----------------------------------------------------------------------


def _missing_text(exc: MissingCredentialsError) -> str:
    flag = _FLAG_FOR_VARIABLE.get(exc.variable)
    text = f"missing {exc.argument}: set {exc.variable}"
    return f"{text} or pass {flag}" if flag else text


def _api_error_text(exc: APIError) -> str:
    text = f"{exc.status_code} {exc.status}" if exc.status else f"{exc.status_code}"
    text += f": {exc.message}"
    if exc.request_id:
        text += f" (request id {exc.request_id})"
    return text


@contextlib.contextmanager
def _reporting(settings: Settings) -> Iterator[None]:
    """Turn every failure into one ``error:`` line and an exit code (a traceback only with
    ``--debug``). No message printed here holds a secret: the facade's errors never do."""
    try:
        yield
    except (typer.Exit, typer.Abort):
        raise
    except KeyboardInterrupt:
        typer.echo("\naborted", err=True)
        raise typer.Exit(130) from None
    except Exception as exc:
        if settings.debug:
            traceback.print_exc(file=sys.stderr)
        code, message = _describe(exc)
        _fail(message, code)


def _describe(exc: Exception) -> tuple[int, str]:
    if isinstance(exc, MissingCredentialsError):
        return EXIT_USAGE, _missing_text(exc)
    if isinstance(exc, SelfDeleteError):
        return EXIT_FAILURE, str(exc)
    if isinstance(exc, APIError):
        return EXIT_FAILURE, _api_error_text(exc)
    if isinstance(exc, RotationError):
        return EXIT_FAILURE, str(exc)
    if isinstance(exc, APIConnectionError):
        return EXIT_FAILURE, exc.message
    if isinstance(exc, CreateOutcomeUnknownError | SinchKeysError):
        return EXIT_FAILURE, str(exc)
    if isinstance(exc, ValueError):  # the facade's input checks: nothing was sent
        return EXIT_USAGE, str(exc)
    return EXIT_FAILURE, (
        f"unexpected {type(exc).__name__}: {exc} (run with --debug for the traceback)"
    )


# -- the client ----------------------------------------------------------------------------


@contextlib.contextmanager
def _client(settings: Settings) -> Iterator[SinchKeys]:
    """A :class:`SinchKeys` from the global options and the environment.

    Every setting is checked here, before any request, so a missing credential is reported
    before anything (such as a secret file) has been created.
    """
    http = _make_http_client()
    try:
        client = SinchKeys(
            project_id=settings.project,
            key_id=settings.key_id,
            auth=settings.auth.value,
            base_url=settings.base_url,
            token_url=settings.token_url,
            http_client=http,
        )
        if client.project_id is None:
            raise MissingCredentialsError("SINCH_PROJECT_ID", "project_id")
        with client:
            yield client
    finally:
        if http is not None:
            http.close()


@contextlib.contextmanager
def _session(ctx: typer.Context) -> Iterator[SinchKeys]:
    """Error reporting around a ready client: the body of every API command."""
    settings: Settings = ctx.obj
    with _reporting(settings), _client(settings) as client:
        yield client


# -- secrets ---------------------------------------------------------------------------------


class _SecretFile:
    """``--secret-file``: a NEW file, created mode 0600 before the API is called."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._fd: int | None = None

    def create(self) -> None:
        """Create the file exclusively (never follows or replaces an existing path)."""
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
        flags |= getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
        try:
            self._fd = os.open(self.path, flags, 0o600)
        except FileExistsError:
            _fail(
                f"refusing to overwrite {self.path}: --secret-file must name a file that "
                f"does not exist yet (nothing was changed)",
                EXIT_USAGE,
            )
        except OSError as exc:
            _fail(
                f"cannot create secret file {self.path}: {exc.strerror or exc} "
                f"(nothing was changed)",
                EXIT_USAGE,
            )
        if hasattr(os, "fchmod"):
            os.fchmod(self._fd, 0o600)  # whatever the umask

    def write(self, secret: str) -> None:
        """Write the secret (exactly, no newline) and close the file."""
        if self._fd is None:
            raise RuntimeError("the secret file was already written")
        fd, self._fd = self._fd, None
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(secret)
            file.flush()
            os.fsync(file.fileno())

    def discard(self) -> None:
        """Remove the (still empty) file after the API call failed."""
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        os.close(fd)
        with contextlib.suppress(OSError):
            os.unlink(self.path)


@contextlib.contextmanager
def _secret_destination(path: str | None) -> Iterator[_SecretFile | None]:
    """Create ``--secret-file`` up front; remove it again if the command fails before
    writing it, so a failed command leaves nothing behind."""
    if path is None:
        yield None
        return
    secret_file = _SecretFile(path)
    secret_file.create()
    try:
        yield secret_file
    finally:
        secret_file.discard()


def _deliver(
    created: CreatedAccessKey, secret_file: _SecretFile | None, as_json: bool, verb: str
) -> None:
    """Show a new key and hand over its secret: once on stdout, or only into the file."""
    secret = created.secret.get_secret_value()
    key = created.access_key
    if secret_file is not None:
        try:
            secret_file.write(secret)
        except OSError as exc:
            # the key exists and this is the only copy of its secret: do not lose it
            typer.echo(
                f"error: could not write {secret_file.path} ({exc.strerror or exc}); "
                f"printing the secret instead. {ONCE_WARNING}",
                err=True,
            )
            typer.echo(secret)
            raise typer.Exit(EXIT_FAILURE) from None
    if as_json:
        document = _key_fields(key)
        if secret_file is None:
            document["secret"] = secret
        else:
            document["secretFile"] = secret_file.path
        _echo_json(document)
        if secret_file is None:
            typer.echo(f"warning: {ONCE_WARNING}", err=True)
        return
    _print_key(key, f"{verb} access key")
    if secret_file is not None:
        typer.echo(f"Secret written to {secret_file.path} (mode 0600).")
        return
    typer.echo(f"warning: {ONCE_WARNING}", err=True)
    typer.echo(f"  secret   {secret}")


# -- global options -------------------------------------------------------------------------


def _version(value: bool) -> None:
    if value:
        typer.echo(f"sinch-keys {__version__}")
        raise typer.Exit()


@app.callback()
def _global_options(
    ctx: typer.Context,
    project: Annotated[
        str | None,
        typer.Option("--project", help="Project id (default: env SINCH_PROJECT_ID).", metavar="ID"),
    ] = None,
    key_id: Annotated[
        str | None,
        typer.Option(
            "--key-id",
            help="Access key id to authenticate with (default: env SINCH_KEY_ID). The secret "
            "is read only from env SINCH_KEY_SECRET.",
            metavar="ID",
        ),
    ] = None,
    base_url: Annotated[
        str | None,
        typer.Option(
            "--base-url", help="API base URL (default: env SINCH_KEYS_BASE_URL).", metavar="URL"
        ),
    ] = None,
    token_url: Annotated[
        str | None,
        typer.Option(
            "--token-url",
            help="OAuth2 token URL (default: env SINCH_KEYS_TOKEN_URL).",
            metavar="URL",
        ),
    ] = None,
    auth: Annotated[
        AuthMode,
        typer.Option(
            "--auth",
            help="oauth2: a cached bearer token; basic: the key on every request "
            "(heavily rate limited).",
            case_sensitive=False,
        ),
    ] = AuthMode.oauth2,
    debug: Annotated[
        bool,
        typer.Option("--debug", help="Log each request to stderr; show tracebacks on errors."),
    ] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    """Manage the access keys of a Sinch project."""
    ctx.obj = Settings(
        project=project,
        key_id=key_id,
        base_url=base_url,
        token_url=token_url,
        auth=auth,
        debug=debug,
    )
    if debug:
        ctx.call_on_close(_log_to_stderr())


def _log_to_stderr() -> Callable[[], None]:
    """``--debug``: the facade's request log on stderr (it never holds a header or a
    credential), for this invocation only; returns the function that undoes it."""
    logger = logging.getLogger("sinch_keys")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("debug: %(message)s"))
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)

    def undo() -> None:
        logger.removeHandler(handler)
        logger.setLevel(level)

    return undo


# -- commands ---------------------------------------------------------------------------------

_JSON = Annotated[bool, typer.Option("--json", help="Print one JSON document (for scripts).")]
_SECRET_FILE = Annotated[
    str | None,
    typer.Option(
        "--secret-file",
        help="Write the secret to this NEW file (mode 0600; an existing file is refused) "
        "and print only its path.",
        metavar="PATH",
    ),
]


@app.command("list")
def list_keys(
    ctx: typer.Context,
    page_size: Annotated[
        int,
        typer.Option("--page-size", min=1, max=1000, help="Keys per request (1-1000)."),
    ] = 100,
    as_json: _JSON = False,
) -> None:
    """List the project's keys, printing each page as it arrives."""
    with _session(ctx) as client:
        pages = client.access_keys.list(page_size=page_size).pages()
        if as_json:
            _stream_json(pages)
        else:
            _stream_rows(pages)


def _stream_json(pages: Iterator[ListAccessKeysResponse]) -> None:
    """One JSON list, written element by element as pages arrive."""
    first = True
    typer.echo("[", nl=False)
    for page in pages:
        for key in page.access_keys:
            item = json.dumps(_key_fields(key), ensure_ascii=False)
            typer.echo(("\n  " if first else ",\n  ") + item, nl=False)
            first = False
    typer.echo("]" if first else "\n]")


def _stream_rows(pages: Iterator[ListAccessKeysResponse]) -> None:
    """Rows page by page: a rich table per page on a terminal, tab-separated lines
    (id, name, createTime, updateTime) otherwise; a spinner while later pages load."""
    terminal = _is_terminal(sys.stdout)
    out = _stdout_console()
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
                typer.echo(
                    "\t".join(
                        (
                            key.access_key_id,
                            _one_line(key.display_name),  # tabs and newlines stay field-safe
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
            Text(key.access_key_id),
            Text(key.display_name),  # Text: a name is never read as rich markup
            Text(_utc(key.create_time)),
        ]
        if wide:
            cells.append(Text(_utc(key.update_time)))
        table.add_row(*cells)
    return table


def _utc(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M")


@app.command("get")
def get_key(
    ctx: typer.Context,
    access_key_id: Annotated[str, typer.Argument(metavar="ID", help="The key's id.")],
    as_json: _JSON = False,
) -> None:
    """Show one key."""
    with _session(ctx) as client:
        key = client.access_keys.get(access_key_id)
    if as_json:
        _echo_json(_key_fields(key))
    else:
        _print_key(key)


@app.command("create")
def create_key(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(metavar="NAME", help="Display name (unique).")],
    secret_file: _SECRET_FILE = None,
    as_json: _JSON = False,
) -> None:
    """Create a key and hand over its secret, which the API never shows again."""
    with _session(ctx) as client, _secret_destination(secret_file) as destination:
        created = client.access_keys.create(display_name=name)
        _deliver(created, destination, as_json, "Created")


@app.command("update")
def update_key(
    ctx: typer.Context,
    access_key_id: Annotated[str, typer.Argument(metavar="ID", help="The key's id.")],
    name: Annotated[str, typer.Argument(metavar="NAME", help="The new display name.")],
    as_json: _JSON = False,
) -> None:
    """Rename a key."""
    with _session(ctx) as client:
        key = client.access_keys.update(access_key_id, display_name=name)
    if as_json:
        _echo_json(_key_fields(key))
    else:
        _print_key(key, "Renamed access key")


@app.command("delete")
def delete_key(
    ctx: typer.Context,
    access_key_id: Annotated[str, typer.Argument(metavar="ID", help="The key's id.")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    allow_self_delete: Annotated[
        bool,
        typer.Option(
            "--allow-self-delete",
            help="Allow deleting the key this command authenticates with (locks you out).",
        ),
    ] = False,
) -> None:
    """Delete a key (asks first on a terminal, unless --yes)."""
    with _session(ctx) as client:
        if access_key_id == client.key_id and not allow_self_delete:
            raise SelfDeleteError(
                f"refusing to delete access key {access_key_id}: it is the key this command "
                f"authenticates with, and deleting it locks you out; pass --allow-self-delete "
                f"to do it anyway"
            )
        if not yes:
            if not _is_terminal(sys.stdin):
                _fail(
                    f"refusing to delete access key {access_key_id} without confirmation: "
                    f"stdin is not a terminal; pass --yes",
                    EXIT_USAGE,
                )
            key = client.access_keys.get(access_key_id)  # a typo fails here, before asking
            if not typer.confirm(
                f"Delete access key {key.access_key_id} ({key.display_name})?", default=False
            ):
                typer.echo("Aborted: nothing was deleted.", err=True)
                raise typer.Exit(EXIT_FAILURE)
        client.access_keys.delete(access_key_id, allow_self_delete=allow_self_delete)
    typer.echo(f"Deleted access key {access_key_id}.")


@app.command("rotate")
def rotate_key(
    ctx: typer.Context,
    access_key_id: Annotated[str, typer.Argument(metavar="ID", help="The key to replace.")],
    name: Annotated[
        str | None,
        typer.Option(
            "--name",
            help="Display name of the new key (default: the old name with a rotation stamp).",
            metavar="NAME",
        ),
    ] = None,
    allow_self_rotation: Annotated[
        bool,
        typer.Option(
            "--allow-self-rotation",
            help="Allow rotating the key this command authenticates with (you must then "
            "update SINCH_KEY_ID and SINCH_KEY_SECRET).",
        ),
    ] = False,
    secret_file: _SECRET_FILE = None,
    as_json: _JSON = False,
) -> None:
    """Replace a key: create the new one, prove it works, then delete the old one."""
    with _session(ctx) as client:
        is_self = access_key_id == client.key_id
        if is_self and not allow_self_rotation:
            _fail(
                f"refusing to rotate access key {access_key_id}: it is the key this command "
                f"authenticates with; pass --allow-self-rotation to do it anyway (then update "
                f"SINCH_KEY_ID and SINCH_KEY_SECRET)",
                EXIT_FAILURE,
            )
        with _secret_destination(secret_file) as destination:
            created = client.access_keys.rotate(
                access_key_id, display_name=name, allow_self_rotation=allow_self_rotation
            )
            if not as_json:
                typer.echo(
                    f"Rotated access key {access_key_id}: the new key works; the old key is "
                    f"deleted."
                )
            _deliver(created, destination, as_json, "New")
    if is_self:
        typer.echo(
            "note: the key in SINCH_KEY_ID no longer exists: set SINCH_KEY_ID and "
            "SINCH_KEY_SECRET to the new key.",
            err=True,
        )


@app.command("emulator")
def emulator(
    ctx: typer.Context,
    port: Annotated[
        int, typer.Option("--port", min=0, max=65535, help="TCP port on 127.0.0.1 (0: any free).")
    ] = DEFAULT_EMULATOR_PORT,
) -> None:
    """Serve the emulator over HTTP on 127.0.0.1 (needs the emulator extra: uvicorn).

    Prints the export lines that point the SDK and this CLI at it; Ctrl-C stops it. The
    global --project names its project.
    """
    settings: Settings = ctx.obj
    with _reporting(settings):
        from sinch_keys.testing import run_emulator_server

        try:
            if settings.project is None:
                run_emulator_server(port)
            else:
                run_emulator_server(port, project_id=settings.project)
        except ImportError as exc:  # uvicorn is an optional extra
            _fail(str(exc), EXIT_FAILURE)
        except OSError as exc:
            _fail(f"cannot serve on 127.0.0.1:{port}: {exc.strerror or exc}", EXIT_FAILURE)


@app.command("demo")
def demo(ctx: typer.Context) -> None:
    """Run a full key lifecycle against the in-process emulator (no network, no credentials)."""
    from sinch_keys._demo import run_demo

    settings: Settings = ctx.obj
    with _reporting(settings):
        run_demo(_stdout_console())


def main() -> None:
    """The ``sinch-keys`` console script.

    Example::

        $ sinch-keys --help
    """
    app(prog_name="sinch-keys")


if __name__ == "__main__":
    main()
