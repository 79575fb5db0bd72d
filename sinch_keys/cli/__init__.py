"""The ``sinch-keys`` command line: the access keys of a project, from a terminal or a script.

Built on the public library (:class:`sinch_keys.SinchKeys`), it adds only what a command
line needs, one module per concern:

* ``_app``: the typer application, its global options and its table of commands;
* ``_help``: help rendered from docstrings (with examples) and the usage-error contract;
* ``_errors``: exit codes and the one ``error: ...`` line every failure becomes;
* ``_config``: profiles, the OS keyring, and the flags > environment > profile precedence;
* ``_session``: a checked configuration and a client, for each command;
* ``_output``: terminal-safe printing of everything a server controls;
* ``_secret_file``: new secret files that are surely ours, and reading secret files;
* ``_keys``, ``_configure``, ``_local``, ``_completion``: the commands.

The rules (retries, the create outcome, the self-delete guard, rotation) stay in the
library. ``import sinch_keys`` never imports this package, so typer and rich cost the
library nothing. ``docs/cli.md`` documents every command.

Example::

    $ sinch-keys configure
    $ sinch-keys list --page-size 50
    $ sinch-keys create "ci deploy" --secret-file ./ci.secret
"""

from __future__ import annotations

from sinch_keys.cli._app import app, main
from sinch_keys.cli._errors import EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE

__all__ = ["EXIT_FAILURE", "EXIT_INTERRUPTED", "EXIT_OK", "EXIT_USAGE", "app", "main"]
