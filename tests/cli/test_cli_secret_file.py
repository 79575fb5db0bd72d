"""``--secret-file``: a new file, mode 0600, checked before the API is called."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from tests.cli.cli_support import CLI, create


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def loose_umask() -> object:
    """A permissive umask, so a 0600 result is the CLI's doing, not the environment's."""
    old = os.umask(0o000)
    yield
    os.umask(old)


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_create_writes_the_secret_to_a_new_0600_file_and_prints_only_the_path(
    cli: CLI, tmp_path: Path
) -> None:
    path = tmp_path / "ci.secret"
    result = cli("create", "ci", "--secret-file", str(path))
    assert result.exit_code == 0, result.output
    assert mode(path) == 0o600
    secret = path.read_text()
    assert len(secret) >= 8
    assert not secret.endswith("\n")
    assert secret not in result.output
    assert str(path) in result.stdout
    assert "cannot be shown again" not in result.output
    assert "ci" in cli.names()


def test_the_file_holds_a_working_secret(
    cli: CLI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "ci.secret"
    assert cli("create", "ci", "--secret-file", str(path)).exit_code == 0
    new_id = next(k["accessKeyId"] for k in cli.stored() if k["displayName"] == "ci")
    monkeypatch.setenv("SINCH_KEY_ID", new_id)  # the file's secret authenticates the new key
    monkeypatch.setenv("SINCH_KEY_SECRET", path.read_text())
    assert cli("get", new_id).exit_code == 0


def test_create_json_with_secret_file_has_no_secret(cli: CLI, tmp_path: Path) -> None:
    path = tmp_path / "ci.secret"
    result = cli("create", "ci", "--secret-file", str(path), "--json")
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    assert "secret" not in document
    assert document["secretFile"] == str(path)
    assert path.read_text() not in result.output


@pytest.mark.parametrize("command", [["create", "ci"], ["rotate", "OLD"]])
def test_an_existing_file_is_refused_before_any_request(
    cli: CLI, tmp_path: Path, command: list[str]
) -> None:
    old = create(cli, "old")
    args = [old["accessKeyId"] if a == "OLD" else a for a in command]
    path = tmp_path / "existing"
    path.write_text("precious")
    keys_before = cli.key_ids()
    cli.recorder.sent.clear()
    result = cli(*args, "--secret-file", str(path))
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: refusing to overwrite")
    assert path.read_text() == "precious"
    assert cli.key_ids() == keys_before
    assert cli.recorder.sent == []


def test_a_symlink_is_refused(cli: CLI, tmp_path: Path) -> None:
    target = tmp_path / "target"
    link = tmp_path / "link"
    link.symlink_to(target)  # dangling: O_EXCL must still refuse it
    result = cli("create", "ci", "--secret-file", str(link))
    assert result.exit_code == 2
    assert not target.exists()
    assert "ci" not in cli.names()


def test_a_missing_directory_is_refused_before_any_request(cli: CLI, tmp_path: Path) -> None:
    result = cli("create", "ci", "--secret-file", str(tmp_path / "nope" / "file"))
    assert result.exit_code == 2
    assert result.stderr.startswith("error: cannot create secret file")
    assert len(result.stderr.strip().splitlines()) == 1
    assert "ci" not in cli.names()
    assert cli.recorder.sent == []


def test_a_failed_create_leaves_no_file(cli: CLI, tmp_path: Path) -> None:
    create(cli, "taken")
    path = tmp_path / "s"
    result = cli("create", "taken", "--secret-file", str(path))
    assert result.exit_code == 1
    assert not path.exists()


def test_a_missing_credential_leaves_no_file(
    cli: CLI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SINCH_KEY_SECRET")
    path = tmp_path / "s"
    result = cli("create", "ci", "--secret-file", str(path))
    assert result.exit_code == 2
    assert not path.exists()


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_rotate_writes_the_new_secret_to_a_0600_file(cli: CLI, tmp_path: Path) -> None:
    old = create(cli, "worker")
    path = tmp_path / "rotated.secret"
    result = cli("rotate", old["accessKeyId"], "--secret-file", str(path))
    assert result.exit_code == 0, result.output
    assert mode(path) == 0o600
    assert path.read_text() not in result.output
    assert str(path) in result.stdout
    assert old["accessKeyId"] not in cli.key_ids()


def test_rotate_json_with_secret_file(cli: CLI, tmp_path: Path) -> None:
    old = create(cli, "worker")
    path = tmp_path / "rotated.secret"
    result = cli("rotate", old["accessKeyId"], "--secret-file", str(path), "--json")
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    assert "secret" not in document
    assert document["accessKeyId"] in cli.key_ids()


def test_a_failed_rotation_leaves_no_file(cli: CLI, tmp_path: Path) -> None:
    path = tmp_path / "s"
    result = cli("rotate", "no-such-key", "--secret-file", str(path))
    assert result.exit_code == 1
    assert not path.exists()
