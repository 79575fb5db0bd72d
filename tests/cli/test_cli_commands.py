"""Each command's happy path, in human and --json form, and the global flags."""

from __future__ import annotations

import json

import pytest

from tests.cli.cli_support import CLI, KEY_ID, PROJECT, create

API_FIELDS = {"accessKeyId", "displayName", "projectId", "createTime", "updateTime"}


def test_create_prints_the_secret_once_with_a_warning(cli: CLI) -> None:
    result = cli("create", "ci deploy")
    assert result.exit_code == 0
    assert "ci deploy" in cli.names()
    new_id = next(k["accessKeyId"] for k in cli.stored() if k["displayName"] == "ci deploy")
    assert f"Created access key {new_id}" in result.stdout
    secret_lines = [line for line in result.stdout.splitlines() if "secret" in line]
    assert len(secret_lines) == 1
    secret = secret_lines[0].split()[-1]
    assert len(secret) >= 8
    assert "*" not in secret
    assert result.stdout.count(secret) == 1
    assert "cannot be shown again" in result.stderr


def test_create_json_is_one_document_with_api_field_names_and_the_secret(cli: CLI) -> None:
    result = cli("create", "ci deploy", "--json")
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    assert set(document) == API_FIELDS | {"secret"}
    assert document["displayName"] == "ci deploy"
    assert document["projectId"] == PROJECT
    assert document["accessKeyId"] in cli.key_ids()
    assert document["secret"]
    assert "cannot be shown again" in result.stderr


def test_get_human_and_json(cli: CLI) -> None:
    human = cli("get", KEY_ID)
    assert human.exit_code == 0
    assert KEY_ID in human.stdout
    assert PROJECT in human.stdout
    machine = cli("get", KEY_ID, "--json")
    assert machine.exit_code == 0
    document = json.loads(machine.stdout)
    assert set(document) >= API_FIELDS
    assert "secret" not in document
    assert document["accessKeyId"] == KEY_ID


def test_update_renames(cli: CLI) -> None:
    key = create(cli, "before")
    human = cli("update", key["accessKeyId"], "after")
    assert human.exit_code == 0
    assert "after" in human.stdout
    assert "after" in cli.names()
    assert "before" not in cli.names()
    machine = cli("update", key["accessKeyId"], "after again", "--json")
    assert json.loads(machine.stdout)["displayName"] == "after again"


def test_delete_with_yes(cli: CLI) -> None:
    key = create(cli, "doomed")
    result = cli("delete", key["accessKeyId"], "--yes")
    assert result.exit_code == 0
    assert f"Deleted access key {key['accessKeyId']}" in result.stdout
    assert key["accessKeyId"] not in cli.key_ids()


def test_rotate_replaces_the_key_and_prints_the_new_secret(cli: CLI) -> None:
    old = create(cli, "worker")
    result = cli("rotate", old["accessKeyId"])
    assert result.exit_code == 0
    assert old["accessKeyId"] not in cli.key_ids()
    assert len(cli.key_ids()) == 2  # the bootstrap key and the replacement
    new_id = next(i for i in cli.key_ids() if i != KEY_ID)
    assert f"New access key {new_id}" in result.stdout
    assert "cannot be shown again" in result.stderr
    [new_name] = [n for n in cli.names() if n.startswith("worker")]
    assert new_name.startswith("worker (rotated ")


def test_rotate_name_and_json(cli: CLI) -> None:
    old = create(cli, "worker")
    result = cli("rotate", old["accessKeyId"], "--name", "worker v2", "--json")
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    assert set(document) == API_FIELDS | {"secret"}
    assert document["displayName"] == "worker v2"
    assert cli.names() == [n for n in cli.names() if n != "worker"]
    assert document["accessKeyId"] in cli.key_ids()


def test_rotate_own_key_is_refused_without_the_flag(cli: CLI) -> None:
    result = cli("rotate", KEY_ID)
    assert result.exit_code == 1
    assert "--allow-self-rotation" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert cli.key_ids() == [KEY_ID]
    assert cli.recorder.sent == []  # refused before any request


def test_rotate_own_key_with_the_flag(cli: CLI) -> None:
    result = cli("rotate", KEY_ID, "--allow-self-rotation", "--name", "bootstrap v2")
    assert result.exit_code == 0
    assert KEY_ID not in cli.key_ids()
    assert cli.names() == ["bootstrap v2"]
    assert "SINCH_KEY_ID" in result.stderr  # told to update the environment


def test_rotate_at_the_key_limit_fails_before_changing_anything(cli: CLI) -> None:
    for number in range(9):
        create(cli, f"key {number}")
    before = sorted(cli.key_ids())
    assert len(before) == 10
    result = cli("rotate", cli.key_ids()[1])
    assert result.exit_code == 1
    assert "preflight" in result.stderr
    assert "limit" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert sorted(cli.key_ids()) == before


def test_project_flag_overrides_the_environment(cli: CLI, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SINCH_PROJECT_ID", "some-other-project")
    result = cli("--project", PROJECT, "get", KEY_ID, "--json")
    assert result.exit_code == 0, result.output
    assert all(f"/projects/{PROJECT}/" in s.path for s in cli.recorder.api_calls())


def test_key_id_flag_overrides_the_environment(cli: CLI, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SINCH_KEY_ID", "not-a-key")
    result = cli("--key-id", KEY_ID, "get", KEY_ID)
    assert result.exit_code == 0, result.output


def test_url_flags_override_the_environment(cli: CLI, monkeypatch: pytest.MonkeyPatch) -> None:
    emu = cli.emu
    monkeypatch.setenv("SINCH_KEYS_BASE_URL", "http://wrong.invalid")
    monkeypatch.setenv("SINCH_KEYS_TOKEN_URL", "http://wrong.invalid/token")
    result = cli("--base-url", emu.base_url, "--token-url", emu.token_url, "get", KEY_ID)
    assert result.exit_code == 0, result.output
    # the emulator's transport refuses any host but its own, so a request that went to the
    # environment's URL would have failed the command; and none was even tried
    assert cli.recorder.sent
    assert all(s.url.startswith(emu.base_url + "/") for s in cli.recorder.sent)


def test_auth_oauth2_fetches_a_token_and_sends_a_bearer(cli: CLI) -> None:
    result = cli("--auth", "oauth2", "get", KEY_ID)
    assert result.exit_code == 0
    assert [s for s in cli.recorder.sent if "/accessKeys" not in s.path]  # the token call
    assert cli.recorder.api_calls()[0].authorization.startswith("Bearer ")


def test_auth_basic_sends_the_key_and_fetches_no_token(cli: CLI) -> None:
    result = cli("--auth", "basic", "get", KEY_ID)
    assert result.exit_code == 0, result.output
    assert all("/accessKeys" in s.path for s in cli.recorder.sent)
    assert cli.recorder.api_calls()[0].authorization.startswith("Basic ")


def test_auth_rejects_other_values(cli: CLI) -> None:
    result = cli("--auth", "token", "get", KEY_ID)
    assert result.exit_code == 2
    assert cli.recorder.sent == []


def test_version(cli: CLI) -> None:
    import sinch_keys

    result = cli("--version")
    assert result.exit_code == 0
    assert sinch_keys.__version__ in result.stdout


def test_help_lists_every_command_and_no_internal_hook(cli: CLI) -> None:
    result = cli("--help")
    assert result.exit_code == 0
    for command in ("list", "get", "create", "update", "delete", "rotate", "emulator", "demo"):
        assert command in result.stdout
    for flag in ("--project", "--key-id", "--base-url", "--token-url", "--auth", "--debug"):
        assert flag in result.stdout
    assert "transport" not in result.stdout.lower()
    assert "http-client" not in result.stdout.lower()
