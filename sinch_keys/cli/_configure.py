"""``sinch-keys configure``: write a named profile, its secret kept in the OS keyring.

The secret is read with a hidden prompt (or ``--key-secret-stdin`` / ``--key-secret-file``),
never from a command-line argument, and stored in the OS keyring through ``keyring``. Where
no keyring backend exists (a headless server), the command refuses before asking anything,
unless ``--secret-file PATH`` chooses a 0600 file instead.
"""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from sinch_keys import SecretStr
from sinch_keys.cli import _output
from sinch_keys.cli._config import (
    AUTH_MODES,
    DEFAULT_PROFILE,
    ENV_PROFILE,
    KEYRING_SERVICE,
    Profile,
    check_profile_name,
    check_setting,
    check_url,
    config_path,
    keyring_backend,
    load_profiles,
)
from sinch_keys.cli._config import save_profile as _save_profile
from sinch_keys.cli._errors import CommandError, reporting
from sinch_keys.cli._output import echo, safe
from sinch_keys.cli._secret_file import (
    SecretFileLostError,
    read_secret_file,
    read_secret_stdin,
    secret_file_for,
)
from sinch_keys.cli._session import flags_of

NO_KEYRING = (
    "no OS keyring is available to store the secret (the keyring library found no "
    "backend, as on most servers and containers); pass --secret-file PATH to keep it in a "
    "file only you can read, or skip configure and set SINCH_KEY_SECRET in the environment"
)


def configure(
    ctx: typer.Context,
    secret_file: Annotated[
        str | None,
        typer.Option(
            "--secret-file",
            metavar="PATH",
            help="Keep the secret in this NEW file (mode 0600) instead of the OS keyring.",
        ),
    ] = None,
) -> None:
    """Save a named profile: project id, key id, and the key's secret.

    Values come from --project, --key-id, --base-url, --token-url and --auth when
    given, else from a prompt (the profile's current value is the default), never
    from SINCH_* variables (a shell pointed at an emulator must not leak into a
    profile). The
    secret comes from --key-secret-stdin or --key-secret-file, else a hidden prompt;
    it goes to the OS keyring (service sinch-keys), or to --secret-file. The profile
    is named by --profile, else SINCH_KEYS_PROFILE, else "default"; commands use it
    by the same means.

    Examples:
      sinch-keys configure
      sinch-keys configure --profile staging --base-url https://account.api.sinch.com
      pass show ci | sinch-keys configure --profile ci --project p-1 --key-id K --key-secret-stdin
      sinch-keys configure --secret-file ~/.config/sinch-keys/default.secret
      sinch-keys --profile staging list
    """
    flags = flags_of(ctx)
    with reporting(debug=flags.debug):
        name = check_profile_name(flags.profile or os.environ.get(ENV_PROFILE) or DEFAULT_PROFILE)
        path = config_path()
        current = load_profiles(path).get(name, Profile(name))
        interactive = _output.is_terminal(sys.stdin)
        project_id = flags.project or _ask(
            "Project id", current.project_id, "--project", interactive
        )
        key_id = flags.key_id or _ask("Access key id", current.key_id, "--key-id", interactive)
        check_setting("project_id", project_id, "--project")
        check_setting("key_id", key_id, "--key-id")
        base_url = flags.base_url or current.base_url
        token_url = flags.token_url or current.token_url
        for what, url in (("--base-url", base_url), ("--token-url", token_url)):
            if url is not None:
                check_url(what, url, flags.allow_insecure_http)
        auth = flags.auth or current.auth
        if auth is not None and auth not in AUTH_MODES:
            raise CommandError(f"auth {safe(auth)!r} must be oauth2 or basic")
        backend = keyring_backend() if secret_file is None else None
        if secret_file is None and backend is None:
            raise CommandError(NO_KEYRING)  # before anything is asked for
        # a secret file is created (or refused) before the secret is asked for, too
        with secret_file_for(secret_file) as destination:
            secret = _secret(flags.key_secret_stdin, flags.key_secret_file, interactive)
            if destination is not None:
                try:
                    destination.write(secret)
                except SecretFileLostError as exc:
                    raise CommandError(f"{exc.reason}; the profile was not saved") from None
                where = f"the file {os.path.abspath(destination.path)}"
            elif backend is not None:
                try:
                    backend.set_password(KEYRING_SERVICE, key_id, secret.get_secret_value())
                except Exception as exc:  # every backend raises its own (locked, denied...)
                    raise CommandError(
                        f"the OS keyring refused to store the secret: {exc}"
                    ) from None
                where = f"the OS keyring ({type(backend).__name__})"
        _save_profile(
            path,
            Profile(
                name,
                project_id=project_id,
                key_id=key_id,
                base_url=base_url,
                token_url=token_url,
                auth=auth,
                key_secret_file=os.path.abspath(secret_file) if secret_file else None,
            ),
        )
    echo(f"Saved profile {safe(name)!r} to {safe(str(path))}; its secret is in {safe(where)}.")
    hint = "" if name == DEFAULT_PROFILE else f"--profile {name} "
    echo(f"Try it: sinch-keys {safe(hint)}list")


def _ask(label: str, default: str | None, flag: str, interactive: bool) -> str:
    if not interactive:
        if default is not None:
            return default
        raise CommandError(f"missing {label.lower()}: pass {flag} (stdin is not a terminal)")
    value: str = typer.prompt(label, default=default)
    return value.strip()


def _secret(stdin: bool, file: str | None, interactive: bool) -> SecretStr:
    if stdin and file is not None:
        raise CommandError("pass --key-secret-file or --key-secret-stdin, not both")
    if stdin:
        return read_secret_stdin()
    if file is not None:
        return read_secret_file(file, "--key-secret-file")
    if not interactive:
        raise CommandError(
            "no secret given: pass --key-secret-stdin or --key-secret-file PATH (stdin is "
            "not a terminal, so it cannot be asked for)"
        )
    return SecretStr(typer.prompt("Access key secret (hidden)", hide_input=True))
