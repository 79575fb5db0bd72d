"""Where each setting comes from: flags, then environment, then the profile; checked up front.

Profiles live in ``config.toml`` in the platform's config directory (``platformdirs``:
``~/.config/sinch-keys/`` on Linux, ``~/Library/Application Support/sinch-keys/`` on macOS,
``%LOCALAPPDATA%\\sinch-keys\\`` on Windows; ``SINCH_KEYS_CONFIG`` names another file). A
profile holds the project id, the key id, optional URLs and auth mode, and where its secret
is: the OS keyring (service ``sinch-keys``, user name the key id) or a ``key_secret_file``.
The config file itself never holds a secret.

Every value is checked here, before any request: ids, URL schemes and hosts (plain http only
to a loopback host unless ``--allow-insecure-http``), the auth mode. A problem is a
:class:`CommandError` with exit code 2.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from sinch_keys import SecretStr
from sinch_keys._errors import InvalidArgumentError
from sinch_keys._validation import check_id
from sinch_keys._validation import check_url as library_check_url
from sinch_keys.cli._errors import EXIT_USAGE, CommandError
from sinch_keys.cli._output import safe
from sinch_keys.cli._secret_file import read_secret_file, read_secret_stdin

ENV_PROFILE = "SINCH_KEYS_PROFILE"
ENV_CONFIG = "SINCH_KEYS_CONFIG"
DEFAULT_PROFILE = "default"
KEYRING_SERVICE = "sinch-keys"
AUTH_MODES = ("oauth2", "basic")
_PROFILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
_UNWRITABLE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


@dataclass
class Flags:
    """What the command line said (None / False: not given). The global options set it;
    the same options after a command override it.

    Example::

        resolve(Flags(profile="staging", auth="basic"))
    """

    profile: str | None = None
    project: str | None = None
    key_id: str | None = None
    key_secret_file: str | None = None
    key_secret_stdin: bool = False
    base_url: str | None = None
    token_url: str | None = None
    auth: str | None = None
    allow_insecure_http: bool = False
    debug: bool = False


@dataclass(frozen=True)
class Profile:
    """One named profile of the config file (secrets are never in it).

    Example::

        Profile("work", project_id="p-1", key_id="k-1")
    """

    name: str
    project_id: str | None = None
    key_id: str | None = None
    base_url: str | None = None
    token_url: str | None = None
    auth: str | None = None
    key_secret_file: str | None = None


_PROFILE_KEYS = tuple(f.name for f in fields(Profile) if f.name != "name")


@dataclass(frozen=True)
class Settings:
    """The settings a command runs with, each resolved from flags, environment or profile.

    ``sources`` says where each setting came from (``"--key-id"``, ``"SINCH_KEY_ID"``,
    ``"profile 'ci'"``), for messages that must tell the user what to fix.

    Example::

        settings = resolve(Flags())
        settings.sources["project_id"]   # e.g. 'SINCH_PROJECT_ID'
    """

    project_id: str | None
    key_id: str | None
    key_secret: SecretStr | None = field(repr=False)
    base_url: str | None
    token_url: str | None
    auth: str
    allow_insecure_http: bool
    profile: Profile | None
    sources: dict[str, str]

    def credentials_hint(self) -> str:
        """How to fix refused credentials, naming where they came from.

        Example::

            >>> settings.credentials_hint()
            'check the key id (SINCH_KEY_ID) and secret (SINCH_KEY_SECRET)'
        """
        key = self.sources.get("key_id", "SINCH_KEY_ID")
        secret = self.sources.get("credential", "SINCH_KEY_SECRET")
        if self.profile is not None and key.startswith("profile ") and key == secret:
            return (
                f"check the key id and secret of profile {self.profile.name!r} "
                f"(sinch-keys configure --profile {self.profile.name})"
            )
        return f"check the key id ({key}) and secret ({secret})"


# -- the config file --------------------------------------------------------------------------


def config_path() -> Path:
    """The config file: ``SINCH_KEYS_CONFIG``, or ``config.toml`` in the platform's config dir.

    Example::

        >>> config_path().name
        'config.toml'
    """
    override = os.environ.get(ENV_CONFIG)
    if override:
        return Path(override)
    import platformdirs  # only commands that read settings pay for it

    return platformdirs.user_config_path("sinch-keys", appauthor=False) / "config.toml"


def load_profiles(path: Path) -> dict[str, Profile]:
    """Every profile in the config file (none if it does not exist).

    Example::

        profiles = load_profiles(config_path())
    """
    try:
        with open(path, "rb") as file:
            document = tomllib.load(file)
    except FileNotFoundError:
        return {}
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise CommandError(f"cannot read config file {path}: {exc}") from None
    profiles = {}
    for name, table in document.items():
        if not isinstance(table, dict):
            raise CommandError(f"config file {path}: {name!r} is not a [profile] table")
        values = {key: table.get(key) for key in _PROFILE_KEYS}
        for key, value in values.items():
            if value is not None and not isinstance(value, str):
                raise CommandError(f"config file {path}: [{name}] {key} must be a string")
        profiles[name] = Profile(name, **values)
    return profiles


def save_profile(path: Path, profile: Profile) -> None:
    """Add or replace ``profile`` in the config file, written whole and atomically, mode 0600.

    Example::

        save_profile(config_path(), Profile("work", project_id="p-1", key_id="k-1"))
    """
    profiles = load_profiles(path)
    profiles[profile.name] = profile
    lines = ["# sinch-keys profiles, written by `sinch-keys configure`. No secret is kept here."]
    for item in profiles.values():
        lines += ["", f"[{check_profile_name(item.name)}]"]
        for key in _PROFILE_KEYS:
            value = getattr(item, key)
            if value is not None:
                if _UNWRITABLE.search(value):
                    raise CommandError(f"{key} {safe(value)!r} contains a control character")
                # a JSON string of printable text is also a TOML basic string
                lines.append(f"{key} = {json.dumps(value, ensure_ascii=False)}")
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=".config-", suffix=".toml", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write("\n".join(lines) + "\n")
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def check_profile_name(name: str) -> str:
    """Return a usable profile name (letters, digits, ``-`` and ``_``); raise otherwise.

    Example::

        >>> check_profile_name("work-eu")
        'work-eu'
    """
    if not _PROFILE_NAME.match(name):
        raise CommandError(
            f"profile name {safe(name)!r} must be letters, digits, '-' or '_' (at most 64)"
        )
    return name


# -- the OS keyring ---------------------------------------------------------------------------


def keyring_backend() -> Any | None:
    """The OS keyring backend, or None when ``keyring`` found none that works.

    Example::

        backend = keyring_backend()
        if backend is None: ...   # use --secret-file
    """
    try:
        import keyring  # imported only when a secret is stored or looked up
    except ImportError:  # pragma: no cover - keyring is a dependency of the command line
        return None
    backend = keyring.get_keyring()
    # the fail and null backends have priority <= 0: "no keyring here"
    return backend if backend.priority > 0 else None


def keyring_get(key_id: str) -> SecretStr | None:
    """The secret the OS keyring holds for ``key_id``, or None.

    Example::

        secret = keyring_get("8c3f0b5e-...")
    """
    backend = keyring_backend()
    if backend is None:
        return None
    try:
        value = backend.get_password(KEYRING_SERVICE, key_id)
    except Exception as exc:  # every backend raises its own (locked, denied, D-Bus...)
        raise CommandError(f"the OS keyring refused to give the secret: {exc}") from None
    return SecretStr(value) if value else None


# -- resolution ---------------------------------------------------------------------------


def _env(name: str) -> str | None:
    return os.environ.get(name) or None  # an empty variable counts as unset


def resolve(flags: Flags) -> Settings:
    """The settings of one command: flags over environment over profile, all checked, the
    secret read. Raises :class:`CommandError` (exit 2) before any request on a problem.

    Example::

        settings = resolve(Flags(project="p-1"))
    """
    profile = selected_profile(flags)
    sources: dict[str, str] = {}

    def pick(setting: str, flag_value: str | None, flag: str, env: str | None) -> str | None:
        if flag_value is not None:
            sources[setting] = flag
            return flag_value
        if env is not None and _env(env) is not None:
            sources[setting] = env
            return _env(env)
        value = getattr(profile, setting, None) if profile is not None else None
        if value is not None and profile is not None:
            sources[setting] = f"profile {profile.name!r}"
        return value

    project_id = pick("project_id", flags.project, "--project", "SINCH_PROJECT_ID")
    key_id = pick("key_id", flags.key_id, "--key-id", "SINCH_KEY_ID")
    base_url = pick("base_url", flags.base_url, "--base-url", "SINCH_KEYS_BASE_URL")
    token_url = pick("token_url", flags.token_url, "--token-url", "SINCH_KEYS_TOKEN_URL")
    auth = pick("auth", flags.auth, "--auth", None) or "oauth2"
    if auth not in AUTH_MODES:
        where = sources.get("auth", "--auth")
        raise CommandError(f"auth {safe(auth)!r} (from {where}) must be oauth2 or basic")
    for setting, value in (("project_id", project_id), ("key_id", key_id)):
        if value is not None:
            check_setting(setting, value, sources[setting])
    for setting, url in (("base_url", base_url), ("token_url", token_url)):
        if url is not None:
            check_url(f"{setting} (from {sources[setting]})", url, flags.allow_insecure_http)
    key_secret = _secret(flags, key_id, profile, sources)
    return Settings(
        project_id=project_id,
        key_id=key_id,
        key_secret=key_secret,
        base_url=base_url,
        token_url=token_url,
        auth=auth,
        allow_insecure_http=flags.allow_insecure_http,
        profile=profile,
        sources=sources,
    )


def selected_profile(flags: Flags) -> Profile | None:
    """The profile in use: ``--profile``, else ``SINCH_KEYS_PROFILE``, else ``default`` if
    the config file has one. Naming a profile that does not exist is an error.

    Example::

        profile = selected_profile(Flags(profile="work"))
    """
    name = flags.profile or _env(ENV_PROFILE)
    path = config_path()
    profiles = load_profiles(path)
    if name is None:
        return profiles.get(DEFAULT_PROFILE)
    check_profile_name(name)
    if name not in profiles:
        raise CommandError(
            f"no profile {name!r} in {path}: create it with sinch-keys configure --profile {name}"
        )
    return profiles[name]


def _secret(
    flags: Flags, key_id: str | None, profile: Profile | None, sources: dict[str, str]
) -> SecretStr | None:
    if flags.key_secret_stdin and flags.key_secret_file is not None:
        raise CommandError("pass --key-secret-file or --key-secret-stdin, not both")
    if flags.key_secret_stdin:
        sources["credential"] = "--key-secret-stdin"
        return read_secret_stdin()
    if flags.key_secret_file is not None:
        sources["credential"] = "--key-secret-file"
        return read_secret_file(flags.key_secret_file, "--key-secret-file")
    if _env("SINCH_KEY_SECRET") is not None:
        sources["credential"] = "SINCH_KEY_SECRET"
        return SecretStr(os.environ["SINCH_KEY_SECRET"])
    # a profile's secret belongs to the profile's key, never to a key id given otherwise
    if profile is None or key_id is None or key_id != profile.key_id:
        return None
    sources["credential"] = f"profile {profile.name!r}"
    if profile.key_secret_file is not None:
        return read_secret_file(profile.key_secret_file, f"profile {profile.name!r} secret file")
    return keyring_get(key_id)


def missing_message(setting: str, settings: Settings) -> str:
    """What to do about a setting no source provided.

    Example::

        >>> missing_message("key_id", settings)
        'missing key id: set SINCH_KEY_ID, pass --key-id, or run sinch-keys configure'
    """
    if setting == "project_id":
        return (
            "missing project id: set SINCH_PROJECT_ID, pass --project, or run sinch-keys configure"
        )
    if setting == "key_id":
        return "missing key id: set SINCH_KEY_ID, pass --key-id, or run sinch-keys configure"
    profile = settings.profile
    if profile is not None and settings.key_id == profile.key_id:
        where = "the OS keyring" if keyring_backend() is not None else "no OS keyring (none found)"
        return (
            f"missing key secret: profile {profile.name!r} has none in {where} for key "
            f"{settings.key_id}; set SINCH_KEY_SECRET, pass --key-secret-file PATH or "
            f"--key-secret-stdin, or run sinch-keys configure --profile {profile.name}"
        )
    return (
        "missing key secret: set SINCH_KEY_SECRET, pass --key-secret-file PATH or "
        "--key-secret-stdin, or run sinch-keys configure"
    )


def check_setting(setting: str, value: str, source: str) -> None:
    """Raise :class:`CommandError` (exit 2) unless ``value`` is a usable id; ``source``
    names where it came from.

    Example::

        check_setting("project_id", "..", "--project")   # raises: a dot-segment
    """
    try:
        check_id(setting, value)
    except (TypeError, ValueError) as exc:
        raise CommandError(f"{exc} (from {source})", EXIT_USAGE) from None


def check_url(what: str, url: str, allow_insecure_http: bool) -> str:
    """Return ``url`` if the CLI may send credentials to it; raise :class:`CommandError`.

    The library's rule (``sinch_keys._validation.check_url``): an ``https://`` URL with a
    host, or ``http://`` to a loopback host (the emulator); plain http to any other host only
    with ``--allow-insecure-http``. Checked here so the CLI can name the flag or variable.

    Example::

        >>> check_url("base_url", "http://127.0.0.1:8080", allow_insecure_http=False)
        'http://127.0.0.1:8080'
    """
    try:
        return library_check_url(what, url, allow_insecure_http)
    except InvalidArgumentError as exc:
        text = str(exc).replace("allow_insecure_http=True", "--allow-insecure-http")
        raise CommandError(safe(text)) from None
