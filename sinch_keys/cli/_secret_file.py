"""Secret files: writing a new key's secret to a file that is surely ours, and reading one.

A secret file is created **before** the API is called (a bad path costs nothing), as a new
file (``O_CREAT|O_EXCL|O_NOFOLLOW``, mode 0600 whatever the umask) relative to its parent
directory, which is opened first with ``O_DIRECTORY|O_NOFOLLOW``: a symlinked directory is
refused, and later renames of the directory path cannot redirect the file. After the write
and ``fsync`` the file must still be linked at its path with the same inode; if another
process swapped or unlinked it in between (a world-writable directory without the sticky
bit), the write is reported as lost, so the caller prints the secret instead of claiming
success.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import sys
from collections.abc import Iterator

from sinch_keys import SecretStr
from sinch_keys.cli._errors import EXIT_USAGE, CommandError
from sinch_keys.cli._output import warn

_O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_O_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
# Where the OS cannot open a file relative to a directory fd (Windows), the path is used.
_RELATIVE = bool(_O_DIRECTORY) and os.open in os.supports_dir_fd
MAX_SECRET_FILE_BYTES = 64 * 1024
"""A secret file larger than this is refused (a secret is short; /dev/zero is not)."""


class SecretFileLostError(Exception):
    """The secret could not be confirmed in its file: the caller must hand it over another way.

    Example::

        except SecretFileLostError as exc:
            print(exc.reason)
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class SecretFile:
    """A new file for one secret, created before the API call and written after it.

    Example::

        with secret_file_for("ci.secret") as destination:   # refused here if unusable
            created = client.access_keys.create(display_name="ci")
            destination.write(created.secret)                 # raises SecretFileLostError
    """

    def __init__(self, path: str) -> None:
        self.path = path
        parent, name = os.path.split(path)
        self._parent = parent or "."
        self._name = name
        self._dir_fd: int | None = None
        self._fd: int | None = None
        self._identity: tuple[int, int] | None = None
        self.written = False

    # -- before the API call ----------------------------------------------------------------

    def create(self) -> None:
        """Create the file exclusively, or raise :class:`CommandError` (exit 2)."""
        if self._name in ("", ".", ".."):
            raise CommandError(f"--secret-file {self.path} must name a file, not a directory")
        if _RELATIVE:
            self._dir_fd = self._open_parent()
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_NOFOLLOW | _O_CLOEXEC
        try:
            self._fd = os.open(self._target(), flags, 0o600, dir_fd=self._dir_fd)
        except FileExistsError:
            self.close()
            raise CommandError(
                f"refusing to overwrite {self.path}: --secret-file must name a file that does "
                f"not exist yet (nothing was changed)"
            ) from None
        except OSError as exc:
            self.close()
            raise CommandError(
                f"cannot create secret file {self.path}: {exc.strerror or exc} "
                f"(nothing was changed)"
            ) from None
        if hasattr(os, "fchmod"):
            os.fchmod(self._fd, 0o600)  # whatever the umask
        info = os.fstat(self._fd)
        self._identity = (info.st_dev, info.st_ino)

    def _open_parent(self) -> int:
        flags = os.O_RDONLY | _O_DIRECTORY | _O_NOFOLLOW | _O_CLOEXEC
        try:
            return os.open(self._parent, flags)
        except OSError as exc:
            if exc.errno in (errno.ELOOP, errno.ENOTDIR) and os.path.islink(self._parent):
                raise CommandError(
                    f"refusing to write {self.path}: its directory {self._parent} is a "
                    f"symbolic link; name the real directory (nothing was changed)"
                ) from None
            raise CommandError(
                f"cannot create secret file {self.path}: {self._parent}: "
                f"{exc.strerror or exc} (nothing was changed)"
            ) from None

    def _target(self) -> str:
        return self._name if self._dir_fd is not None else self.path

    # -- after the API call -------------------------------------------------------------------

    def write(self, secret: SecretStr) -> None:
        """Write the secret (exactly, no newline), ``fsync``, close, and check that the file
        at the path is still the one written; raise :class:`SecretFileLostError` otherwise."""
        if self._fd is None or self._identity is None:
            raise RuntimeError("the secret file was not created, or already written")
        fd, self._fd = self._fd, None
        try:
            _write_all(fd, secret.get_secret_value().encode("utf-8"))
            os.fsync(fd)
            links = os.fstat(fd).st_nlink
        except OSError as exc:
            reason = f"could not write {self.path}: {exc.strerror or exc}"
            raise SecretFileLostError(reason) from None
        finally:
            os.close(fd)
        # Linked, and what the user's path names now: neither the file nor a directory of
        # its path was swapped, removed or renamed since the file was created.
        if links == 0 or _identity(self.path, None) != self._identity:
            raise SecretFileLostError(
                f"{self.path} was replaced or removed by another process while the secret was "
                f"being written, so the file there does not hold it"
            )
        if self._dir_fd is not None:
            with contextlib.suppress(OSError):  # not every file system syncs a directory
                os.fsync(self._dir_fd)
        self.written = True

    def discard(self) -> None:
        """Remove the (still empty) file after the command failed before writing it; a file
        that another process put at the path is left alone."""
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        os.close(fd)
        if _identity(self._target(), self._dir_fd) == self._identity:
            with contextlib.suppress(OSError):
                os.unlink(self._target(), dir_fd=self._dir_fd)

    def close(self) -> None:
        """Release the directory handle (the file itself is closed by write/discard)."""
        if self._dir_fd is not None:
            dir_fd, self._dir_fd = self._dir_fd, None
            os.close(dir_fd)


def _identity(path: str, dir_fd: int | None) -> tuple[int, int] | None:
    try:
        info = os.stat(path, dir_fd=dir_fd, follow_symlinks=False)
    except OSError:
        return None
    return (info.st_dev, info.st_ino)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


@contextlib.contextmanager
def secret_file_for(path: str | None) -> Iterator[SecretFile | None]:
    """Create ``--secret-file`` up front (None: no file asked for); remove it again if the
    command fails before writing it, so a failed command leaves nothing behind.

    Example::

        with secret_file_for(args.secret_file) as destination: ...
    """
    if path is None:
        yield None
        return
    secret_file = SecretFile(path)
    secret_file.create()
    try:
        yield secret_file
    finally:
        secret_file.discard()
        secret_file.close()


def read_secret_file(path: str, what: str) -> SecretStr:
    """The secret in file ``path`` (one trailing line ending dropped); ``what`` names where
    the path came from in messages. Warns when other users may read the file.

    Example::

        secret = read_secret_file("ci.secret", "--key-secret-file")
    """
    try:
        with open(path, "rb") as file:
            info = os.fstat(file.fileno())
            data = file.read(MAX_SECRET_FILE_BYTES + 1)
    except OSError as exc:
        raise CommandError(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    if len(data) > MAX_SECRET_FILE_BYTES:
        raise CommandError(f"{what} {path} is not a secret file: over 64 KiB")
    if os.name == "posix" and stat.S_ISREG(info.st_mode) and info.st_mode & 0o077:
        warn(
            f"{path} can be read by other users (mode {stat.S_IMODE(info.st_mode):04o}); "
            f"chmod 600 {path}"
        )
    try:
        return _secret_from(data.decode("utf-8"), f"{what} {path}")
    except UnicodeDecodeError:
        raise CommandError(f"{what} {path} is not UTF-8 text") from None


def read_secret_stdin() -> SecretStr:
    """The secret on the first line of stdin (``--key-secret-stdin``).

    Example::

        $ pass show sinch/ci | sinch-keys --key-secret-stdin list
    """
    return _secret_from(sys.stdin.readline(), "--key-secret-stdin: stdin")


def _secret_from(text: str, source: str) -> SecretStr:
    value = text.removesuffix("\n").removesuffix("\r")
    if not value:
        raise CommandError(f"{source} holds no secret (it is empty)", EXIT_USAGE)
    if "\n" in value or "\r" in value:
        raise CommandError(f"{source} holds more than one line; put only the secret in it")
    return SecretStr(value)
