"""``delete``: confirmation on a terminal, --yes, and the self-delete guard."""

from __future__ import annotations

from tests.cli.cli_support import CLI, KEY_ID, create


def test_terminal_answer_no_aborts(cli: CLI, terminal: None) -> None:
    key = create(cli, "keep me")
    result = cli("delete", key["accessKeyId"], input="n\n")
    assert "Delete access key" in result.stdout
    assert "keep me" in result.stdout  # the prompt names the key
    assert result.exit_code == 1
    assert "nothing was deleted" in result.stderr
    assert key["accessKeyId"] in cli.key_ids()
    assert cli.recorder.api_calls("DELETE") == []


def test_terminal_default_is_no(cli: CLI, terminal: None) -> None:
    key = create(cli, "keep me")
    result = cli("delete", key["accessKeyId"], input="\n")
    assert result.exit_code == 1
    assert key["accessKeyId"] in cli.key_ids()


def test_terminal_answer_yes_deletes(cli: CLI, terminal: None) -> None:
    key = create(cli, "delete me")
    result = cli("delete", key["accessKeyId"], input="y\n")
    assert result.exit_code == 0, result.output
    assert key["accessKeyId"] not in cli.key_ids()
    assert f"Deleted access key {key['accessKeyId']}" in result.stdout


def test_terminal_with_yes_does_not_ask(cli: CLI, terminal: None) -> None:
    key = create(cli, "delete me")
    result = cli("delete", key["accessKeyId"], "--yes")
    assert result.exit_code == 0
    assert "Delete access key" not in result.stdout
    assert key["accessKeyId"] not in cli.key_ids()


def test_terminal_missing_key_fails_before_asking(cli: CLI, terminal: None) -> None:
    result = cli("delete", "no-such-key", input="y\n")
    assert result.exit_code == 1
    assert "Delete access key" not in result.stdout
    assert result.stderr.startswith("error: 404 NOT_FOUND")


def test_without_a_terminal_yes_is_required(cli: CLI) -> None:
    key = create(cli, "keep me")
    result = cli("delete", key["accessKeyId"], input="y\n")
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "--yes" in lines[0]
    assert key["accessKeyId"] in cli.key_ids()


def test_short_yes_flag(cli: CLI) -> None:
    key = create(cli, "delete me")
    assert cli("delete", key["accessKeyId"], "-y").exit_code == 0
    assert key["accessKeyId"] not in cli.key_ids()


def test_own_key_is_refused(cli: CLI) -> None:
    result = cli("delete", KEY_ID, "--yes")
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: refusing to delete access key")
    assert "--allow-self-delete" in lines[0]
    assert KEY_ID in cli.key_ids()
    assert cli.recorder.sent == []


def test_own_key_is_refused_before_asking(cli: CLI, terminal: None) -> None:
    result = cli("delete", KEY_ID, input="y\n")
    assert result.exit_code == 1
    assert "Delete access key" not in result.stdout
    assert KEY_ID in cli.key_ids()


def test_own_key_with_allow_self_delete(cli: CLI) -> None:
    result = cli("delete", KEY_ID, "--yes", "--allow-self-delete")
    assert result.exit_code == 0, result.output
    assert KEY_ID not in cli.key_ids()


def test_own_key_given_by_key_id_flag_is_refused(cli: CLI) -> None:
    result = cli("--key-id", KEY_ID, "delete", KEY_ID, "--yes")
    assert result.exit_code == 1
    assert KEY_ID in cli.key_ids()
