"""The commands on access keys: list, get, create, update, delete, rotate.

Each is a thin layer over :class:`sinch_keys.SinchKeys`: the rules (retries, the create
outcome, the self-delete guard, the rotation order) are the library's; a command parses its
arguments, asks, and prints.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from sinch_keys import BadRequestError, CreatedAccessKey, RotationError
from sinch_keys._validation import check_display_name, check_id, check_page_size
from sinch_keys.cli import _output
from sinch_keys.cli._errors import EXIT_FAILURE, EXIT_USAGE, CommandError, api_error_text, fail
from sinch_keys.cli._output import (
    echo,
    echo_json,
    key_fields,
    print_key,
    safe,
    stream_json,
    stream_rows,
    warn,
)
from sinch_keys.cli._secret_file import SecretFile, SecretFileLostError, secret_file_for
from sinch_keys.cli._session import session

ONCE_WARNING = "This secret cannot be shown again: store it now."


def _key_id(value: str) -> str:
    try:
        return check_id("access key id", value)
    except (TypeError, ValueError) as exc:
        raise typer.BadParameter(str(exc)) from None


def _page_size(value: int) -> int:
    try:
        return check_page_size(value)
    except (TypeError, ValueError) as exc:
        raise typer.BadParameter(str(exc)) from None


def _display_name(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return check_display_name(value)
    except (TypeError, ValueError) as exc:
        raise typer.BadParameter(str(exc)) from None


_ID = Annotated[str, typer.Argument(metavar="ID", help="The key's id.", callback=_key_id)]
_JSON = Annotated[bool, typer.Option("--json", help="Print one JSON document (for scripts).")]
_SECRET_FILE = Annotated[
    str | None,
    typer.Option(
        "--secret-file",
        help="Write the secret to this NEW file (mode 0600; an existing file or a symlinked "
        "directory is refused, before anything is created) and print only its path.",
        metavar="PATH",
    ),
]


def list_keys(
    ctx: typer.Context,
    page_size: Annotated[
        int,
        typer.Option(
            "--page-size", metavar="N", help="Keys per request, 1-1000 (100).", callback=_page_size
        ),
    ] = 100,
    as_json: _JSON = False,
) -> None:
    """List the project's keys, printing each page as it arrives.

    On a terminal: a table per page and a count. Otherwise one line per key,
    tab-separated: id, display name, create time, update time (control characters
    in a name are shown escaped, so a line is always one key).

    Examples:
      sinch-keys list
      sinch-keys list --page-size 1000 | cut -f1
      sinch-keys list --json | jq -r '.[].displayName'
    """
    with session(ctx) as current:
        pages = current.client.access_keys.list(page_size=page_size).pages()
        if as_json:
            stream_json(pages)
        else:
            stream_rows(pages)


def get_key(ctx: typer.Context, access_key_id: _ID, as_json: _JSON = False) -> None:
    """Show one key.

    Examples:
      sinch-keys get 8c3f0b5e-5a0e-4a54-9c64-2b0c5b8b1f0e
      sinch-keys get 8c3f0b5e-5a0e-4a54-9c64-2b0c5b8b1f0e --json
    """
    with session(ctx) as current:
        key = current.client.access_keys.get(access_key_id)
    if as_json:
        echo_json(key_fields(key))
    else:
        print_key(key)


def create_key(
    ctx: typer.Context,
    name: Annotated[
        str,
        typer.Argument(
            metavar="NAME", help="Display name, unique in the project.", callback=_display_name
        ),
    ],
    secret_file: _SECRET_FILE = None,
    as_json: _JSON = False,
) -> None:
    """Create a key and hand over its secret, which is shown only once.

    The secret is printed once on stdout, or written only to --secret-file. At
    the project's key limit (10), the error says which command frees a place.

    Examples:
      sinch-keys create "ci deploy"
      sinch-keys create "ci deploy" --secret-file ./ci.secret
      sinch-keys create "ci deploy" --json > ci-key.json
    """
    with session(ctx) as current, secret_file_for(secret_file) as destination:
        try:
            created = current.client.access_keys.create(display_name=name)
        except BadRequestError as exc:
            if exc.status != "FAILED_PRECONDITION":
                raise
            raise CommandError(
                f"{api_error_text(exc)}: the project is at its access key limit; delete a "
                f"key you no longer use first (sinch-keys list, then sinch-keys delete ID)",
                EXIT_FAILURE,
            ) from exc
        deliver(created, destination, as_json, "Created")


def update_key(
    ctx: typer.Context,
    access_key_id: _ID,
    name: Annotated[
        str,
        typer.Argument(metavar="NAME", help="The new display name.", callback=_display_name),
    ],
    as_json: _JSON = False,
) -> None:
    """Rename a key.

    Examples:
      sinch-keys update 8c3f0b5e-5a0e-4a54-9c64-2b0c5b8b1f0e "ci deploy (old)"
    """
    with session(ctx) as current:
        key = current.client.access_keys.update(access_key_id, display_name=name)
    if as_json:
        echo_json(key_fields(key))
    else:
        print_key(key, "Renamed access key")


def delete_key(
    ctx: typer.Context,
    access_key_id: _ID,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    allow_self_delete: Annotated[
        bool,
        typer.Option(
            "--allow-self-delete",
            help="Allow deleting the key this command authenticates with (locks you out).",
        ),
    ] = False,
) -> None:
    """Delete a key, asking first on a terminal.

    Without a terminal (a script, CI) --yes is required. The key this command
    authenticates with is refused unless --allow-self-delete.

    Examples:
      sinch-keys delete 8c3f0b5e-5a0e-4a54-9c64-2b0c5b8b1f0e
      sinch-keys delete 8c3f0b5e-5a0e-4a54-9c64-2b0c5b8b1f0e --yes
    """
    with session(ctx) as current:
        client = current.client
        # the library's own rule, asked before any request or question, phrased with the flag
        if client._is_own_key(access_key_id) and not allow_self_delete:
            raise CommandError(
                f"refusing to delete access key {access_key_id}: it is the key this command "
                f"authenticates with, and deleting it locks you out; pass --allow-self-delete "
                f"to do it anyway",
                EXIT_FAILURE,
            )
        if not yes:
            if not _output.is_terminal(sys.stdin):
                raise CommandError(
                    f"refusing to delete access key {access_key_id} without confirmation: "
                    f"stdin is not a terminal; pass --yes",
                    EXIT_USAGE,
                )
            key = client.access_keys.get(access_key_id)  # a typo fails here, before asking
            question = f"Delete access key {safe(key.access_key_id)} ({safe(key.display_name)})?"
            if not typer.confirm(question, default=False):
                fail("declined: nothing was deleted", EXIT_FAILURE)
        client.access_keys.delete(access_key_id, allow_self_delete=allow_self_delete)
    echo(f"Deleted access key {safe(access_key_id)}.")


def rotate_key(
    ctx: typer.Context,
    access_key_id: Annotated[
        str, typer.Argument(metavar="ID", help="The key to replace.", callback=_key_id)
    ],
    name: Annotated[
        str | None,
        typer.Option(
            "--name",
            help="Display name of the new key (default: the old name with a rotation stamp).",
            metavar="NAME",
            callback=_display_name,
        ),
    ] = None,
    allow_self_rotation: Annotated[
        bool,
        typer.Option(
            "--allow-self-rotation",
            help="Allow rotating the key this command authenticates with (you must then "
            "switch to the new key).",
        ),
    ] = False,
    secret_file: _SECRET_FILE = None,
    as_json: _JSON = False,
) -> None:
    """Replace a key: create the new one, prove it works, then delete the old one.

    If a step fails you keep a key you hold the secret of: the old key (the new
    one is deleted again), or, when the old key may be gone, the new key, whose
    secret is then handed over before the error. The new secret is handed over
    as by create.

    Examples:
      sinch-keys rotate 8c3f0b5e-5a0e-4a54-9c64-2b0c5b8b1f0e --secret-file ./ci.secret
      sinch-keys rotate 8c3f0b5e-5a0e-4a54-9c64-2b0c5b8b1f0e --name "ci deploy 2025"
    """
    with session(ctx) as current:
        is_self = current.client._is_own_key(access_key_id)
        if is_self and not allow_self_rotation:
            raise CommandError(
                f"refusing to rotate access key {access_key_id}: it is the key this command "
                f"authenticates with; pass --allow-self-rotation to do it anyway (then switch "
                f"your configuration to the new key)",
                EXIT_FAILURE,
            )
        with secret_file_for(secret_file) as destination:
            try:
                created = current.client.access_keys.rotate(
                    access_key_id, display_name=name, allow_self_rotation=allow_self_rotation
                )
            except RotationError as exc:
                # the rotation stopped with a new key kept: its secret exists only here
                if exc.new_secret is not None and exc.new_access_key is not None:
                    kept = CreatedAccessKey(access_key=exc.new_access_key, secret=exc.new_secret)
                    deliver(kept, destination, as_json, "Kept new")
                raise
            if not as_json:
                echo(
                    f"Rotated access key {safe(access_key_id)}: the new key works; the old "
                    f"key is deleted."
                )
            deliver(created, destination, as_json, "New")
        source = current.settings.sources.get("key_id", "SINCH_KEY_ID")
    if is_self:
        if source.startswith("profile ") and current.settings.profile is not None:
            fix = f"run sinch-keys configure --profile {current.settings.profile.name}"
        else:
            fix = "set SINCH_KEY_ID and SINCH_KEY_SECRET (or your flags) to it"
        warn(f"the key this command authenticated with no longer exists: {fix} with the new key")


def deliver(
    created: CreatedAccessKey, destination: SecretFile | None, as_json: bool, heading: str
) -> None:
    """Show a new key and hand over its secret: once on stdout, or only into the file.

    If the file cannot be confirmed to hold the secret (a write error, or the file was
    swapped or removed meanwhile), the secret is printed on stdout instead and the command
    fails: the key exists, and this is the only moment its secret can be had. No local of
    this frame holds the secret as a plain ``str``: it is revealed inside the call that
    writes or prints it.

    Example::

        with secret_file_for("ci.secret") as destination:
            deliver(client.access_keys.create(display_name="ci"), destination, False, "Created")
    """
    lost = None
    if destination is not None:
        try:
            destination.write(created.secret)
        except SecretFileLostError as exc:
            lost = exc.reason
        except Exception as exc:  # even a bug here must not cost the only copy of the secret
            lost = f"could not write {destination.path}: {type(exc).__name__}: {exc}"
    in_file = destination is not None and lost is None
    key = created.access_key
    if as_json:
        if destination is not None and in_file:
            echo_json({**key_fields(key), "secretFile": destination.path})
        else:
            echo_json({**key_fields(key), "secret": created.secret.get_secret_value()})
    else:
        print_key(key, f"{heading} access key")
        if destination is not None and in_file:
            echo(f"Secret written to {safe(destination.path)} (mode 0600).")
        else:
            echo(f"  secret   {safe(created.secret.get_secret_value())}")
    if lost is not None:
        fail(f"{lost}; the secret is printed on stdout instead. {ONCE_WARNING}", EXIT_FAILURE)
    if not in_file:
        warn(ONCE_WARNING)
