"""Profiles, ``configure``, the OS keyring, secret files and stdin, and the precedence of
flags over environment over profile (docs/cli.md, "Where settings come from")."""

from __future__ import annotations

import base64
import os
import stat
import tomllib
from pathlib import Path

import httpx
import keyring
import keyring.backends.fail
import pytest

from sinch_keys.cli import _app, _config
from tests.cli.cli_support import CLI, KEY_ID, KEY_SECRET, PROJECT, MemoryKeyring


def config_file() -> Path:
    return Path(os.environ["XDG_CONFIG_HOME"]) / "sinch-keys" / "config.toml"


def profiles() -> dict[str, dict[str, str]]:
    return tomllib.loads(config_file().read_text())


def write_profiles(text: str) -> None:
    config_file().parent.mkdir(parents=True, exist_ok=True)
    config_file().write_text(text)


def basic_credentials(cli: CLI) -> tuple[str, str]:
    """The key id and secret of the first request's HTTP Basic Authorization header."""
    header = cli.recorder.sent[0].authorization
    assert header.startswith("Basic ")
    key_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
    return key_id, secret


@pytest.fixture
def no_env(cli: CLI, monkeypatch: pytest.MonkeyPatch) -> CLI:
    """The CLI on the emulator with no SINCH_* variable: settings come from profiles."""
    for name in ("SINCH_PROJECT_ID", "SINCH_KEY_ID", "SINCH_KEY_SECRET"):
        monkeypatch.delenv(name)
    return cli


# -- configure ----------------------------------------------------------------------------------


def test_configure_asks_hides_the_secret_and_keeps_it_in_the_keyring(
    no_env: CLI, terminal: None, isolated_settings: MemoryKeyring
) -> None:
    result = no_env("configure", input=f"{PROJECT}\n{KEY_ID}\n{KEY_SECRET}\n")
    assert result.exit_code == 0, result.output
    assert "Project id:" in result.stdout
    assert "Access key secret (hidden):" in result.stdout
    assert isolated_settings.passwords == {("sinch-keys", KEY_ID): KEY_SECRET}
    assert profiles() == {"default": {"project_id": PROJECT, "key_id": KEY_ID}}
    assert KEY_SECRET not in config_file().read_text()
    assert stat.S_IMODE(config_file().stat().st_mode) == 0o600
    assert "Saved profile 'default'" in result.stdout
    # and the profile works: a command with no flag and no variable
    listed = no_env("--auth", "basic", "list")
    assert listed.exit_code == 0, listed.output
    assert basic_credentials(no_env) == (KEY_ID, KEY_SECRET)


def test_the_config_file_is_in_the_platform_config_dir() -> None:
    import platformdirs

    assert _config.config_path() == config_file()
    assert config_file().parent == platformdirs.user_config_path("sinch-keys", appauthor=False)


def test_sinch_keys_config_names_another_file(
    no_env: CLI, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    other = tmp_path / "elsewhere.toml"
    monkeypatch.setenv("SINCH_KEYS_CONFIG", str(other))
    result = no_env(
        "configure", "--project", PROJECT, "--key-id", KEY_ID, "--key-secret-stdin",
        input=KEY_SECRET + "\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert tomllib.loads(other.read_text())["default"]["key_id"] == KEY_ID
    assert not config_file().exists()


def test_configure_without_a_terminal_takes_flags_and_stdin(
    no_env: CLI, isolated_settings: MemoryKeyring
) -> None:
    result = no_env(
        "configure", "--profile", "ci", "--project", PROJECT, "--key-id", KEY_ID,
        "--auth", "basic", "--base-url", "https://api.example.test", "--key-secret-stdin",
        input=KEY_SECRET + "\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert profiles()["ci"] == {
        "project_id": PROJECT,
        "key_id": KEY_ID,
        "base_url": "https://api.example.test",
        "auth": "basic",
    }
    assert isolated_settings.passwords[("sinch-keys", KEY_ID)] == KEY_SECRET


def test_configure_without_a_terminal_or_a_secret_source_refuses(no_env: CLI) -> None:
    result = no_env("configure", "--project", PROJECT, "--key-id", KEY_ID)
    assert result.exit_code == 2
    assert result.stderr.startswith("error: no secret given: pass --key-secret-stdin")
    assert not config_file().exists()


def test_configure_keeps_other_profiles(no_env: CLI) -> None:
    for name in ("a", "b", "a"):
        result = no_env(
            "configure", "--profile", name, "--project", f"p-{name}", "--key-id", f"k-{name}",
            "--key-secret-stdin", input="s\n",
        )  # fmt: skip
        assert result.exit_code == 0, result.output
    assert set(profiles()) == {"a", "b"}


def test_without_a_keyring_configure_refuses_before_asking_anything(
    no_env: CLI, terminal: None
) -> None:
    keyring.set_keyring(keyring.backends.fail.Keyring())
    result = no_env("configure", input=f"{PROJECT}\n{KEY_ID}\n{KEY_SECRET}\n")
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: no OS keyring is available")
    assert "--secret-file PATH" in lines[0]
    assert "secret" not in result.stdout.lower()  # the secret was never asked for
    assert not config_file().exists()


def test_without_a_keyring_a_secret_file_can_be_chosen(
    no_env: CLI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    keyring.set_keyring(keyring.backends.fail.Keyring())
    monkeypatch.chdir(tmp_path)
    result = no_env(
        "configure", "--project", PROJECT, "--key-id", KEY_ID, "--key-secret-stdin",
        "--secret-file", "default.secret", input=KEY_SECRET + "\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    secret_file = tmp_path / "default.secret"
    assert secret_file.read_text() == KEY_SECRET
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    assert profiles()["default"]["key_secret_file"] == str(secret_file)
    listed = no_env("--auth", "basic", "list")
    assert listed.exit_code == 0, listed.output
    assert basic_credentials(no_env) == (KEY_ID, KEY_SECRET)


def test_configure_refuses_an_existing_secret_file(no_env: CLI, tmp_path: Path) -> None:
    existing = tmp_path / "s"
    existing.write_text("precious")
    result = no_env(
        "configure", "--project", PROJECT, "--key-id", KEY_ID, "--key-secret-stdin",
        "--secret-file", str(existing), input="new\n",
    )  # fmt: skip
    assert result.exit_code == 2
    assert existing.read_text() == "precious"
    assert not config_file().exists()


def test_configure_checks_what_it_saves(no_env: CLI) -> None:
    for args, says in (
        (["--profile", "bad name"], "profile name"),
        (["--base-url", "http://203.0.113.7"], "plain http"),
        (["--project", ".."], "not a valid id"),
    ):
        result = no_env(
            "configure", "--project", PROJECT, "--key-id", KEY_ID, *args, "--key-secret-stdin",
            input="s\n",
        )  # fmt: skip
        assert result.exit_code == 2, (args, result.output)
        assert says in result.stderr
    assert not config_file().exists()


# -- using profiles -----------------------------------------------------------------------------


@pytest.fixture
def two_profiles(no_env: CLI, isolated_settings: MemoryKeyring) -> CLI:
    other_id, other_secret = no_env.emu.add_project("proj-other")
    write_profiles(
        f'[default]\nproject_id = "{PROJECT}"\nkey_id = "{KEY_ID}"\n'
        f'[other]\nproject_id = "proj-other"\nkey_id = "{other_id}"\nauth = "basic"\n'
    )
    isolated_settings.set_password("sinch-keys", KEY_ID, KEY_SECRET)
    isolated_settings.set_password("sinch-keys", other_id, other_secret)
    return no_env


def test_the_default_profile_is_used_when_none_is_named(two_profiles: CLI) -> None:
    result = two_profiles("list")
    assert result.exit_code == 0, result.output
    assert all(f"/projects/{PROJECT}/" in s.path for s in two_profiles.recorder.api_calls())


@pytest.mark.parametrize("how", ["--profile before", "--profile after", "SINCH_KEYS_PROFILE"])
def test_a_named_profile_is_used(
    two_profiles: CLI, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    if how == "--profile before":
        result = two_profiles("--profile", "other", "list")
    elif how == "--profile after":
        result = two_profiles("list", "--profile", "other")
    else:
        monkeypatch.setenv("SINCH_KEYS_PROFILE", "other")
        result = two_profiles("list")
    assert result.exit_code == 0, result.output
    calls = two_profiles.recorder.api_calls()
    assert calls
    assert all("/projects/proj-other/" in s.path for s in calls)
    assert all(s.authorization.startswith("Basic ") for s in calls)  # the profile's auth


def test_an_unknown_profile_is_a_configuration_error(two_profiles: CLI) -> None:
    result = two_profiles("--profile", "nope", "list")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"error: no profile 'nope' in {config_file()}: create it with "
        f"sinch-keys configure --profile nope"
    ]
    assert two_profiles.recorder.sent == []


def test_a_profile_without_its_secret_says_how_to_store_it(
    two_profiles: CLI, isolated_settings: MemoryKeyring
) -> None:
    isolated_settings.passwords.clear()
    result = two_profiles("list")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: missing key secret: profile 'default' has none in")
    assert "sinch-keys configure --profile default" in result.stderr


def test_a_profile_secret_is_never_sent_for_another_key_id(two_profiles: CLI) -> None:
    result = two_profiles("--key-id", "someone-else", "list")
    assert result.exit_code == 2
    assert "missing key secret" in result.stderr
    assert two_profiles.recorder.sent == []


def test_a_profile_secret_file_is_never_sent_for_another_key_id(
    no_env: CLI, tmp_path: Path
) -> None:
    secret = tmp_path / "default.secret"
    secret.write_text(KEY_SECRET)
    secret.chmod(0o600)
    write_profiles(
        f'[default]\nproject_id = "{PROJECT}"\nkey_id = "{KEY_ID}"\nkey_secret_file = "{secret}"\n'
    )
    assert no_env("list").exit_code == 0
    no_env.recorder.sent.clear()
    result = no_env("--key-id", "someone-else", "list")
    assert result.exit_code == 2
    assert "missing key secret" in result.stderr
    assert no_env.recorder.sent == []


def test_a_malformed_config_file_is_a_configuration_error(no_env: CLI) -> None:
    write_profiles("[default\nproject_id = 1")
    result = no_env("list")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: cannot read config file {config_file()}")
    assert no_env.recorder.sent == []


def test_refused_profile_credentials_name_the_profile(
    two_profiles: CLI, isolated_settings: MemoryKeyring
) -> None:
    isolated_settings.set_password("sinch-keys", KEY_ID, "wrong")
    result = two_profiles("list")
    assert result.exit_code == 1
    assert result.stderr.rstrip().endswith(
        "check the key id and secret of profile 'default' (sinch-keys configure --profile default)"
    )


# -- precedence: flags over environment over profile ------------------------------------------


def observe(cli: CLI, setting: str) -> str:
    """Which value of ``setting`` the first request(s) used."""
    sent = cli.recorder.sent
    if setting == "project":
        return sent[-1].path.split("/")[3]
    if setting == "key id":
        return basic_credentials(cli)[0]
    if setting == "base url":
        return httpx.URL(cli.recorder.api_calls()[0].url).host
    if setting == "token url":
        return httpx.URL(sent[0].url).host
    assert setting == "auth"  # oauth2 fetches a token first; basic goes straight to the API
    return "oauth2" if sent[0].path == "/oauth2/token" else "basic"


# setting: (profile key, profile value, env variable or None, env value, flags, flag value)
PRECEDENCE = {
    "project": ("project_id", "p-profile", "SINCH_PROJECT_ID", "p-env", ["--project"], "p-flag"),
    "key id": ("key_id", "k-profile", "SINCH_KEY_ID", "k-env", ["--key-id"], "k-flag"),
    "base url": (
        "base_url", "http://127.0.0.2", "SINCH_KEYS_BASE_URL", "http://127.0.0.3",
        ["--base-url"], "http://127.0.0.4",
    ),
    "token url": (
        "token_url", "http://127.0.0.2/t", "SINCH_KEYS_TOKEN_URL", "http://127.0.0.3/t",
        ["--token-url"], "http://127.0.0.4/t",
    ),
    "auth": ("auth", "basic", None, None, ["--auth"], "oauth2"),
}  # fmt: skip
EXPECTED = {
    "project": ("p-profile", "p-env", "p-flag"),
    "key id": ("k-profile", "k-env", "k-flag"),
    "base url": ("127.0.0.2", "127.0.0.3", "127.0.0.4"),
    "token url": ("127.0.0.2", "127.0.0.3", "127.0.0.4"),
    "auth": ("basic", "basic", "oauth2"),
}


@pytest.mark.parametrize("setting", PRECEDENCE)
@pytest.mark.parametrize("flag_position", ["before", "after"])
def test_flags_beat_environment_beat_profile(
    cli: CLI, monkeypatch: pytest.MonkeyPatch, setting: str, flag_position: str
) -> None:
    key, profile_value, variable, env_value, flag, flag_value = PRECEDENCE[setting]
    for name in ("SINCH_PROJECT_ID", "SINCH_KEY_ID", "SINCH_KEYS_BASE_URL", "SINCH_KEYS_TOKEN_URL"):
        monkeypatch.delenv(name)
    auth = [] if setting == "auth" else ["--auth", "oauth2" if setting == "token url" else "basic"]
    profile = {"project_id": "p-profile", "key_id": "k-profile", key: profile_value}
    write_profiles("[default]\n" + "".join(f'{k} = "{v}"\n' for k, v in profile.items()))
    seen = []
    for layers in (1, 2, 3):
        if layers >= 2 and variable is not None:
            monkeypatch.setenv(variable, env_value)
        flags = [*flag, flag_value] if layers == 3 else []
        cli.recorder.sent.clear()
        args = [*auth, *flags, "list"] if flag_position == "before" else ["list", *auth, *flags]
        cli(*args)
        assert cli.recorder.sent, "nothing was sent"
        seen.append(observe(cli, setting))
    assert tuple(seen) == EXPECTED[setting]


def test_secret_precedence_flag_over_environment_over_profile(
    two_profiles: CLI, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    seen = []
    secret_file = tmp_path / "secret"
    secret_file.write_text("from-file\n")
    secret_file.chmod(0o600)
    for args, env in (
        ([], None),  # the profile's keyring entry
        ([], "from-env"),
        (["--key-secret-file", str(secret_file)], "from-env"),
        (["--key-secret-stdin"], "from-env"),
    ):
        if env is not None:
            monkeypatch.setenv("SINCH_KEY_SECRET", env)
        two_profiles.recorder.sent.clear()
        two_profiles("--auth", "basic", *args, "list", input="from-stdin\n")
        seen.append(basic_credentials(two_profiles)[1])
    assert seen == [KEY_SECRET, "from-env", "from-file", "from-stdin"]


# -- secrets from a file or stdin -----------------------------------------------------------------


def test_key_secret_file_works_and_warns_when_others_can_read_it(
    cli: CLI, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("SINCH_KEY_SECRET")
    path = tmp_path / "secret"
    path.write_text(KEY_SECRET + "\n")
    path.chmod(0o600)
    quiet = cli("--key-secret-file", str(path), "get", KEY_ID)
    assert quiet.exit_code == 0, quiet.output
    assert quiet.stderr == ""
    path.chmod(0o644)
    loud = cli("get", KEY_ID, "--key-secret-file", str(path))
    assert loud.exit_code == 0, loud.output
    assert loud.stderr.splitlines() == [
        f"warning: {path} can be read by other users (mode 0644); chmod 600 {path}"
    ]


@pytest.mark.parametrize(
    ("content", "says"),
    [("", "holds no secret"), ("a\nb\n", "more than one line"), (None, "cannot read")],
)
def test_a_bad_key_secret_file_is_a_configuration_error(
    cli: CLI, tmp_path: Path, content: str | None, says: str
) -> None:
    path = tmp_path / "secret"
    if content is not None:
        path.write_text(content)
        path.chmod(0o600)
    result = cli("--key-secret-file", str(path), "list")
    assert result.exit_code == 2
    assert says in result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert cli.recorder.sent == []


def test_key_secret_stdin(cli: CLI, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SINCH_KEY_SECRET")
    result = cli("--key-secret-stdin", "--auth", "basic", "list", input=KEY_SECRET + "\n")
    assert result.exit_code == 0, result.output
    assert basic_credentials(cli) == (KEY_ID, KEY_SECRET)
    empty = cli("--key-secret-stdin", "list", input="")
    assert empty.exit_code == 2
    assert "holds no secret" in empty.stderr


def test_both_secret_sources_at_once_are_refused(cli: CLI, tmp_path: Path) -> None:
    result = cli("--key-secret-stdin", "--key-secret-file", str(tmp_path / "s"), "list")
    assert result.exit_code == 2
    assert result.stderr == "error: pass --key-secret-file or --key-secret-stdin, not both\n"


def test_no_option_takes_a_secret_as_its_value() -> None:
    """A secret on the command line is visible to every user (ps) and kept in shell history:
    every option about a secret is a flag or takes a PATH. (The emulator's --key-secret is
    the test double's own test value, and its help says it is visible.)"""
    import typer.main

    group = typer.main.get_command(_app.app)
    checked = 0
    for command in [group, *group.commands.values()]:  # type: ignore[attr-defined]
        for param in command.params:
            if "secret" in (param.name or ""):
                checked += 1
                assert param.is_flag or param.metavar == "PATH", (command.name, param.name)
    assert checked >= 4
