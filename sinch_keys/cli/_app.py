"""The ``sinch-keys`` typer application: the global options and the table of commands."""

from __future__ import annotations

import enum
from typing import Annotated

import typer

from sinch_keys import __version__
from sinch_keys.cli import _completion, _configure, _keys, _local
from sinch_keys.cli._config import Flags
from sinch_keys.cli._help import ApiCommand, Command, Group

app = typer.Typer(
    name="sinch-keys",
    cls=Group,
    rich_markup_mode=None,  # help is plain text from the docstrings (see _help)
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
"""The typer application behind ``sinch-keys`` (``main()`` runs it)."""


class AuthMode(enum.StrEnum):
    """How the CLI authenticates: an OAuth2 bearer token, or the key on every request."""

    oauth2 = "oauth2"
    basic = "basic"


def _version(value: bool) -> None:
    if value:
        typer.echo(f"sinch-keys {__version__}")
        raise typer.Exit()


@app.callback()
def global_options(
    ctx: typer.Context,
    profile: Annotated[
        str | None,
        typer.Option(
            "--profile",
            metavar="NAME",
            help="Use this profile of the config file (default: SINCH_KEYS_PROFILE, else "
            "'default' if it exists).",
        ),
    ] = None,
    project: Annotated[
        str | None,
        typer.Option("--project", metavar="ID", help="Project id (SINCH_PROJECT_ID)."),
    ] = None,
    key_id: Annotated[
        str | None,
        typer.Option("--key-id", metavar="ID", help="Access key id to act as (SINCH_KEY_ID)."),
    ] = None,
    key_secret_file: Annotated[
        str | None,
        typer.Option(
            "--key-secret-file",
            metavar="PATH",
            help="Read the key's secret from this file (SINCH_KEY_SECRET otherwise).",
        ),
    ] = None,
    key_secret_stdin: Annotated[
        bool,
        typer.Option("--key-secret-stdin", help="Read the key's secret from stdin's first line."),
    ] = False,
    base_url: Annotated[
        str | None,
        typer.Option("--base-url", metavar="URL", help="API base URL (SINCH_KEYS_BASE_URL)."),
    ] = None,
    token_url: Annotated[
        str | None,
        typer.Option("--token-url", metavar="URL", help="OAuth2 token URL (SINCH_KEYS_TOKEN_URL)."),
    ] = None,
    auth: Annotated[
        AuthMode | None,
        typer.Option(
            "--auth",
            metavar="oauth2|basic",
            case_sensitive=False,
            help="oauth2 (default): a cached bearer token; basic: the key on every request "
            "(heavily rate limited).",
        ),
    ] = None,
    allow_insecure_http: Annotated[
        bool,
        typer.Option(
            "--allow-insecure-http",
            help="Allow plain http:// to a host other than this machine (sends the secret "
            "unencrypted).",
        ),
    ] = False,
    debug: Annotated[
        bool,
        typer.Option("--debug", help="Log each request to stderr; a traceback on errors."),
    ] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Manage the access keys of a Sinch project (Access Keys Management API v1).

    Each setting comes from its flag, else its environment variable, else the
    profile (sinch-keys configure). A secret is never a command-line argument. Try
    it offline first: sinch-keys demo. Every command, with exit codes and the
    precedence table: docs/cli.md.

    Environment:
      SINCH_PROJECT_ID      the project (--project)
      SINCH_KEY_ID          the access key to act as (--key-id)
      SINCH_KEY_SECRET      its secret (--key-secret-file, --key-secret-stdin)
      SINCH_KEYS_BASE_URL   the API (--base-url)
      SINCH_KEYS_TOKEN_URL  the OAuth2 token endpoint (--token-url)
      SINCH_KEYS_PROFILE    the profile to use (--profile)
      SINCH_KEYS_CONFIG     the config file (default: config.toml in the user config dir)
      SINCH_KEYS_LOG        debug or info: the library's log on stderr

    Exit codes:
      0    success
      1    the operation failed (API error, connection failure, refused or failed change)
      2    usage or configuration problem, found before any request
      130  interrupted

    Examples:
      sinch-keys demo
      sinch-keys configure
      sinch-keys list
      sinch-keys --profile staging create "ci deploy" --secret-file ./ci.secret
      sinch-keys completion bash
    """
    ctx.obj = Flags(
        profile=profile,
        project=project,
        key_id=key_id,
        key_secret_file=key_secret_file,
        key_secret_stdin=key_secret_stdin,
        base_url=base_url,
        token_url=token_url,
        auth=auth.value if auth is not None else None,
        allow_insecure_http=allow_insecure_http,
        debug=debug,
    )


app.command("list", cls=ApiCommand)(_keys.list_keys)
app.command("get", cls=ApiCommand)(_keys.get_key)
app.command("create", cls=ApiCommand)(_keys.create_key)
app.command("update", cls=ApiCommand)(_keys.update_key)
app.command("delete", cls=ApiCommand)(_keys.delete_key)
app.command("rotate", cls=ApiCommand)(_keys.rotate_key)
app.command("configure", cls=ApiCommand)(_configure.configure)
app.command(
    "emulator",
    cls=Command,
    add_help_option=False,  # --help goes to the emulator's own parser
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
)(_local.emulator)
app.command("demo", cls=Command)(_local.demo)
app.command("completion", cls=Command)(_completion.completion)


def main() -> None:
    """The ``sinch-keys`` console script (and ``python -m sinch_keys``).

    Example::

        $ sinch-keys --help
    """
    app(prog_name="sinch-keys")
