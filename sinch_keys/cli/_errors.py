"""The CLI's error contract: every failure is one ``error: ...`` line on stderr and an exit code.

Exit codes: 0 success; 1 the operation failed (an API error, a connection failure, a refused
self-delete, a failed rotation, an unexpected error); 2 a usage or configuration problem,
found before any request; 130 interrupted. The library's exceptions are turned into one line
here and nowhere else, so an API error reads the same from every command:
``<HTTP status> <API status>: <message> (request id <id>)``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import traceback
from collections.abc import Iterator
from typing import NoReturn

import typer

from sinch_keys import (
    APIConnectionError,
    APIError,
    AuthenticationError,
    CreateOutcomeUnknownError,
    MissingCredentialsError,
    RotationError,
    SelfDeleteError,
    SinchKeysError,
)
from sinch_keys.cli._output import safe

EXIT_OK = 0
"""The command did what was asked."""
EXIT_FAILURE = 1
"""The operation failed: an API error, a refused self-delete, a failed rotation."""
EXIT_USAGE = 2
"""A usage or configuration problem, found before anything was sent or changed."""
EXIT_INTERRUPTED = 130
"""Interrupted by Ctrl-C (128 + SIGINT, as shells report it)."""
EXIT_BROKEN_PIPE = 141
"""stdout was closed early (``sinch-keys list | head``): 128 + SIGPIPE, nothing printed."""


class CommandError(Exception):
    """A failure the CLI found itself: its one-line message and its exit code.

    Example::

        raise CommandError("refusing to overwrite ci.secret", EXIT_USAGE)
    """

    def __init__(self, message: str, code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def fail(message: str, code: int) -> NoReturn:
    """Print ``error: message`` as one terminal-safe line on stderr and exit with ``code``.

    Example::

        fail("declined: nothing was deleted", EXIT_FAILURE)
    """
    typer.echo(f"error: {safe(message)}", err=True)
    raise typer.Exit(code)


def api_error_text(exc: APIError) -> str:
    """An API error in the one format every command uses (no URL: the command says what
    was asked).

    Example::

        >>> api_error_text(NotFoundError("Access key not found", status_code=404,
        ...                              status="NOT_FOUND", request_id="r-1"))
        '404 NOT_FOUND: Access key not found (request id r-1)'
    """
    text = f"{exc.status_code} {exc.status}" if exc.status else f"{exc.status_code}"
    text += f": {exc.message}"
    if exc.request_id:
        text += f" (request id {exc.request_id})"
    return text


def _with_api_format(text: str, *inner: BaseException | None) -> str:
    """``text`` with each nested API error's own ``str()`` (which names the request URL)
    replaced by :func:`api_error_text`, so a rotation or create error reads like the rest."""
    for error in inner:
        if isinstance(error, APIError):
            text = text.replace(str(error), api_error_text(error))
    return text


def describe(exc: BaseException, credentials_hint: str) -> tuple[int, str]:
    """The exit code and the one-line message for a failure of a command.

    ``credentials_hint`` says where the key id and secret came from; it is added to a refused
    authentication, the one error whose fix is in the user's configuration.

    Example::

        >>> describe(CommandError("refusing to overwrite ci.secret"), "")
        (2, 'refusing to overwrite ci.secret')
    """
    if isinstance(exc, CommandError):
        return exc.code, exc.message
    if isinstance(exc, MissingCredentialsError):
        return EXIT_USAGE, f"missing {exc.argument}: set {exc.variable}"
    if isinstance(exc, SelfDeleteError):
        return EXIT_FAILURE, str(exc)
    if isinstance(exc, AuthenticationError):
        return EXIT_FAILURE, f"{api_error_text(exc)}; {credentials_hint}"
    if isinstance(exc, APIError):
        return EXIT_FAILURE, api_error_text(exc)
    if isinstance(exc, RotationError):
        return EXIT_FAILURE, _with_api_format(str(exc), exc.cause)
    if isinstance(exc, CreateOutcomeUnknownError):
        return EXIT_FAILURE, _with_api_format(str(exc), exc.cause, exc.lookup_error)
    if isinstance(exc, APIConnectionError):
        return EXIT_FAILURE, exc.message
    if isinstance(exc, SinchKeysError):
        return EXIT_FAILURE, str(exc)
    if isinstance(exc, ValueError):  # the library's argument checks: nothing was sent
        return EXIT_USAGE, str(exc)
    return EXIT_FAILURE, (
        f"unexpected {type(exc).__name__}: {exc} (run with --debug for the traceback)"
    )


_OUR_TRACEBACK_TEXT = ("Traceback (", "  File ", "  [", "\nDuring handling", "\nThe above")


def safe_traceback(exc: BaseException) -> list[str]:
    """The traceback of ``exc`` as terminal-safe lines.

    Frames and chain separators are Python's own text, split into their lines; each
    exception's ``Type: message`` stays ONE line with its escapes neutralised, so a
    server's message cannot start a forged line of output.

    Example::

        for line in safe_traceback(exc):
            print(line, file=sys.stderr)
    """
    lines: list[str] = []
    for chunk in traceback.format_exception(exc):
        body = chunk.removesuffix("\n")
        if chunk.startswith(_OUR_TRACEBACK_TEXT):
            lines += [safe(line) for line in body.split("\n")]
        else:  # "Type: message" of one exception of the chain, or a note
            lines.append(safe(body))
    return lines


def silence_stdout() -> None:
    """After a broken pipe, point stdout at /dev/null so the interpreter's final flush does
    not fail again (the recipe of the Python documentation for SIGPIPE).

    Example::

        except BrokenPipeError:
            silence_stdout()
    """
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # not a real file (a test's capture)
        pass


class Report:
    """What :func:`reporting` knows about the command by the time it fails.

    Example::

        report.credentials_hint = settings.credentials_hint()
    """

    def __init__(self) -> None:
        self.credentials_hint = ""


class _SafeFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return safe(super().format(record))


@contextlib.contextmanager
def _debug_log(enabled: bool) -> Iterator[None]:
    """``--debug``: the library's request log on stderr (it never holds a header or a
    credential), for this command only, each line made terminal-safe."""
    if not enabled:
        yield
        return
    logger = logging.getLogger("sinch_keys")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_SafeFormatter("debug: %(message)s"))
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


@contextlib.contextmanager
def reporting(*, debug: bool) -> Iterator[Report]:
    """Turn every failure inside the block into one ``error:`` line and its exit code.

    With ``debug`` the library's request log goes to stderr, and a failure's traceback comes
    before its error line (each line made terminal-safe). The block sets
    ``report.credentials_hint`` once it knows where the credentials came from, so a refused
    authentication can say what to fix. No message printed here holds a secret: the
    library's errors never do, and the CLI's own name settings and paths only.

    Example::

        with reporting(debug=False) as report:
            report.credentials_hint = "check SINCH_KEY_ID and SINCH_KEY_SECRET"
            ...
    """
    report = Report()
    try:
        with _debug_log(debug):
            yield report
    except (typer.Exit, typer.Abort):
        raise
    except BrokenPipeError:
        silence_stdout()
        raise typer.Exit(EXIT_BROKEN_PIPE) from None
    except KeyboardInterrupt:
        fail("interrupted", EXIT_INTERRUPTED)
    except Exception as exc:
        if debug and not isinstance(exc, CommandError):  # the CLI's own refusal: no stack
            for line in safe_traceback(exc):
                print(line, file=sys.stderr)
        code, message = describe(exc, report.credentials_hint)
        fail(message, code)
