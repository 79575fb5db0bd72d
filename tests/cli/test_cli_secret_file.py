"""``--secret-file``: a new file, mode 0600, checked before the API is called, created in a
directory that is not a symlink, and confirmed to hold the secret after the write (issue 12)."""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

import pytest

from sinch_keys.testing import Fault
from tests.cli.cli_support import CLI, _stdout_so_far, create


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


# -- a file that is surely ours (issue 12) ---------------------------------------------------


def test_a_symlinked_directory_is_refused_before_any_request(cli: CLI, tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    link = tmp_path / "link"
    link.symlink_to(real, target_is_directory=True)
    result = cli("create", "ci", "--secret-file", str(link / "ci.secret"))
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert "is a symbolic link" in lines[0]
    assert list(real.iterdir()) == []
    assert "ci" not in cli.names()
    assert cli.recorder.sent == []


def test_a_directory_path_is_refused(cli: CLI, tmp_path: Path) -> None:
    result = cli("create", "ci", "--secret-file", str(tmp_path) + "/")
    assert result.exit_code == 2
    assert "must name a file" in result.stderr
    assert cli.recorder.sent == []


class Swap:
    """At the first fsync (after the secret was written, before the CLI checks its file),
    do to the file what another user of a world-writable directory could."""

    def __init__(self, path: Path, action: str) -> None:
        self.path = path
        self.action = action
        self.real_fsync = os.fsync
        self.done = False

    def __call__(self, fd: int) -> None:
        if not self.done:
            self.done = True
            if self.action == "swap":  # ours renamed away, theirs put in its place
                self.path.rename(self.path.with_name("moved-away"))
                self.path.write_text("attacker's file")
            elif self.action == "unlink":
                self.path.unlink()
            elif self.action == "rename directory":
                parent = self.path.parent
                parent.rename(parent.with_name("elsewhere"))
                parent.mkdir()
                self.path.write_text("attacker's file")
        self.real_fsync(fd)


def secret_authenticates(
    cli: CLI, key_id: str, secret: str, monkeypatch: pytest.MonkeyPatch
) -> bool:
    monkeypatch.setenv("SINCH_KEY_ID", key_id)
    monkeypatch.setenv("SINCH_KEY_SECRET", secret)
    return cli("get", key_id).exit_code == 0


@pytest.mark.parametrize("action", ["swap", "unlink", "rename directory"])
def test_a_swapped_secret_file_is_reported_and_the_secret_printed_instead(
    cli: CLI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, action: str
) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    path = shared / "ci.secret"
    swap = Swap(path, action)
    monkeypatch.setattr(os, "fsync", swap)
    result = cli("create", "ci", "--secret-file", str(path))
    monkeypatch.setattr(os, "fsync", swap.real_fsync)
    assert result.exit_code == 1
    assert "Secret written" not in result.stdout
    error = result.stderr.splitlines()
    assert len(error) == 1
    assert "was replaced or removed by another process" in error[0]
    assert "printed on stdout instead" in error[0]
    secret = result.stdout.split("secret   ")[1].strip()
    if path.exists():
        assert path.read_text() == "attacker's file"  # left alone, never claimed
    new_id = next(k["accessKeyId"] for k in cli.stored() if k["displayName"] == "ci")
    cli.recorder.sent.clear()
    assert secret_authenticates(cli, new_id, secret, monkeypatch)  # nothing was lost


def test_a_swapped_secret_file_with_json_puts_the_secret_in_the_document(
    cli: CLI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "ci.secret"
    monkeypatch.setattr(os, "fsync", Swap(path, "swap"))
    result = cli("create", "ci", "--secret-file", str(path), "--json")
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert document["secret"]
    assert "secretFile" not in document


def test_a_failed_write_prints_the_secret_instead(
    cli: CLI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    def disk_full(fd: int, data: object) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    path = tmp_path / "ci.secret"
    old = create(cli, "worker")
    monkeypatch.setattr(os, "write", disk_full)
    result = cli("rotate", old["accessKeyId"], "--secret-file", str(path))
    assert result.exit_code == 1
    assert "could not write" in result.stderr
    assert "No space left on device" in result.stderr
    assert "secret   " in result.stdout


def plain_copies(secret: str) -> list[str]:
    """Every local, in every frame of the calling stack, that is or holds (in a dict, list or
    tuple) the secret as a plain str."""

    def holds(value: object, depth: int = 0) -> bool:
        if isinstance(value, str):
            return secret in value
        if depth < 3 and isinstance(value, dict):
            return any(holds(v, depth + 1) for v in value.values())
        if depth < 3 and isinstance(value, list | tuple):
            return any(holds(v, depth + 1) for v in value)
        return False

    found = []
    frame = sys._getframe(2)
    while frame is not None:
        found += [f"{frame.f_code.co_name}:{n}" for n, v in frame.f_locals.items() if holds(v)]
        frame = frame.f_back
    return found


def test_no_frame_holds_the_new_secret_as_a_str_while_the_file_is_synced(
    cli: CLI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[list[str]] = []
    real_fsync = os.fsync
    path = tmp_path / "ci.secret"

    def inspecting_fsync(fd: int) -> None:
        if not seen:
            secret = path.read_text()
            assert len(secret) >= 8
            seen.append(plain_copies(secret))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", inspecting_fsync)
    result = cli("create", "ci", "--secret-file", str(path))
    assert result.exit_code == 0, result.output
    assert seen == [[]]


def test_no_frame_holds_the_new_secret_as_a_str_after_it_was_printed(
    cli: CLI, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sinch_keys.cli import _keys

    seen: list[list[str]] = []
    real_warn = _keys.warn

    def inspecting_warn(text: str) -> None:
        secret = _stdout_so_far().split("secret   ")[1].strip()
        seen.append(plain_copies(secret))
        real_warn(text)

    monkeypatch.setattr(_keys, "warn", inspecting_warn)
    result = cli("create", "ci")
    assert result.exit_code == 0, result.output
    assert seen == [[]]


def test_even_an_unexpected_failure_of_the_write_prints_the_secret(
    cli: CLI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sinch_keys.cli import _secret_file

    def broken(self: object, secret: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(_secret_file.SecretFile, "write", broken)
    result = cli("create", "ci", "--secret-file", str(tmp_path / "ci.secret"))
    assert result.exit_code == 1
    assert "RuntimeError: a bug" in result.stderr
    assert len(result.stdout.split("secret   ")[1].strip()) >= 8


@pytest.mark.parametrize("to_file", [True, False], ids=["secret-file", "stdout"])
def test_a_rotation_that_keeps_the_new_key_hands_its_secret_over(
    cli: CLI, tmp_path: Path, to_file: bool
) -> None:
    """Deleting the old key failed and nobody can tell whether it still exists: the SDK
    keeps the new key and returns its secret in the error; the CLI must not drop it."""
    old = create(cli, "worker")
    cli.emu.faults.script("delete", *[Fault(status=500)] * 3)
    # preflight and verify pass; the GET that checks the old key fails for good
    cli.emu.faults.script("get", Fault(passthrough=True), Fault(passthrough=True))
    cli.emu.faults.script("get", *[Fault(status=500)] * 3)
    path = tmp_path / "kept.secret"
    args = ["rotate", old["accessKeyId"]] + (["--secret-file", str(path)] if to_file else [])
    result = cli(*args)
    assert result.exit_code == 1
    assert "rotation failed at step 'confirm_old'" in result.stderr
    [new_id] = [k for k in cli.key_ids() if k not in (old["accessKeyId"], cli.emu.key_id)]
    if to_file:
        secret = path.read_text()
        assert secret not in result.output
    else:
        [line] = [line for line in result.stdout.splitlines() if line.strip().startswith("secret")]
        secret = line.split()[-1]
    assert cli.emu.credentials_work(new_id, secret)
