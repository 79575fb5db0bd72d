"""``sinch-keys completion SHELL``: the tab-completion script for bash, zsh or fish.

The script calls ``sinch-keys`` back with ``_SINCH_KEYS_COMPLETE`` set; typer's completion
classes answer (commands, options, profile-independent: no request is ever sent).
"""

from __future__ import annotations

import enum
from typing import Annotated

import typer

from sinch_keys.cli._output import echo

PROG_NAME = "sinch-keys"
COMPLETE_VAR = "_SINCH_KEYS_COMPLETE"


class Shell(enum.StrEnum):
    """The shells ``sinch-keys completion`` writes a script for."""

    bash = "bash"
    zsh = "zsh"
    fish = "fish"


def completion(
    shell: Annotated[Shell, typer.Argument(metavar="SHELL", help="bash, zsh or fish.")],
) -> None:
    """Print the shell completion script for bash, zsh or fish.

    Load it in your shell's startup file (below), or let sinch-keys
    --install-completion add it for the shell you are in.

    Examples:
      eval "$(sinch-keys completion bash)"      # in ~/.bashrc
      sinch-keys completion zsh > "${fpath[1]}/_sinch-keys"
      sinch-keys completion fish > ~/.config/fish/completions/sinch-keys.fish
    """
    # typer.completion is typer's public completion module; it re-exports these without
    # declaring them in __all__
    from typer.completion import (  # type: ignore[attr-defined]
        completion_init,
        get_completion_script,
    )

    completion_init()  # typer's completion classes answer the script's calls
    script_for = {"prog_name": PROG_NAME, "complete_var": COMPLETE_VAR, "shell": shell.value}
    echo(get_completion_script(**script_for))
