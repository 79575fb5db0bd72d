"""Help that teaches: plain option rendering, an Examples block in every command's help,
docs/cli.md generated from that help, shell completion, ``python -m sinch_keys``."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.main import get_command

import sinch_keys
from sinch_keys.cli import app
from tests.cli.cli_support import CLI
from tools import cli_docs

COMMANDS = list(get_command(app).commands)  # type: ignore[attr-defined]


def test_the_command_table_is_what_the_docs_list() -> None:
    assert COMMANDS == [
        "list", "get", "create", "update", "delete", "rotate", "configure", "emulator",
        "demo", "completion",
    ]  # fmt: skip


@pytest.mark.parametrize("command", [[], *([c] for c in COMMANDS)], ids=["root", *COMMANDS])
def test_every_help_has_an_examples_block_of_runnable_lines(cli: CLI, command: list[str]) -> None:
    result = cli(*command, "--help")
    assert result.exit_code == 0
    assert result.stderr == ""
    _, examples_heading, examples = result.stdout.partition("\nExamples:\n")
    assert examples_heading, result.stdout
    lines = [line for line in examples.splitlines() if line.strip()]
    assert lines
    assert all(line.startswith("  ") for line in lines)  # the block runs to the end
    assert any(f"sinch-keys {' '.join(command)}".strip() in line for line in lines)


@pytest.mark.parametrize("command", [[], *([c] for c in COMMANDS)], ids=["root", *COMMANDS])
def test_help_renders_options_plainly(cli: CLI, command: list[str]) -> None:
    text = cli(*command, "-h").stdout
    for noise in ("<bool>", "<str>", "<int>", "{ID}", "{NAME}", "[required]", "╭", "│", "TEXT"):
        assert noise not in text, noise
    assert text.startswith(f"Usage: sinch-keys {' '.join(command)}".rstrip())
    assert "-h, --help" in text


def test_usage_lines_name_arguments_plainly(cli: CLI) -> None:
    assert cli("get", "-h").stdout.splitlines()[0] == "Usage: sinch-keys get [OPTIONS] ID"
    assert cli("update", "-h").stdout.splitlines()[0] == (
        "Usage: sinch-keys update [OPTIONS] ID NAME"
    )
    assert cli("list", "-h").stdout.splitlines()[0] == "Usage: sinch-keys list [OPTIONS]"


def test_options_show_their_value_names(cli: CLI) -> None:
    text = cli("rotate", "--help").stdout
    for row in ("--name NAME", "--secret-file PATH", "--allow-self-rotation  ", "--json  "):
        assert row in text, row
    root = cli("--help").stdout
    for row in ("--profile NAME", "--key-secret-file PATH", "--auth oauth2|basic", "--debug  "):
        assert row in root, row


def test_command_summaries_are_whole_sentences(cli: CLI) -> None:
    text = cli("--help").stdout
    table = text.split("\nCommands:\n")[1].split("\n\n")[0]
    summaries = {line.split()[0]: line for line in table.splitlines() if line[2] != " "}
    assert list(summaries) == COMMANDS
    for line in table.splitlines():
        assert "..." not in line
    # a summary that wraps continues on an indented line, never cut
    assert " ".join(table.split()).count(".") >= len(COMMANDS)


def test_help_wraps_to_the_terminal_and_never_splits_an_option(cli: CLI) -> None:
    result = cli.runner.invoke(app, ["list", "--help"], terminal_width=60)
    lines = result.stdout.splitlines()
    prose = [line for line in lines if not line.startswith("  sinch-keys")]
    assert max(len(line) for line in prose) <= 60
    assert "--key-secret-stdin," in result.stdout  # not "--key-secret-" / "stdin"


def test_the_help_of_the_reference_matches_docs_cli_md() -> None:
    """docs/cli.md's reference is the help itself: regenerate with python -m tools.cli_docs."""
    page = cli_docs.DOC.read_text(encoding="utf-8")
    assert cli_docs.render(page) == page, "docs/cli.md is stale: run python -m tools.cli_docs"


def test_the_reference_holds_every_command() -> None:
    page = cli_docs.DOC.read_text(encoding="utf-8")
    for command in COMMANDS:
        assert f"### `sinch-keys {command} --help`" in page
        assert f"Usage: sinch-keys {command}" in page


# -- python -m sinch_keys -------------------------------------------------------------------------


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SINCH_", "_SINCH"))}
    return subprocess.run(
        list(args),
        capture_output=True,
        text=True,
        timeout=60,
        env={**clean, **(env or {})},
        check=False,
    )


def test_python_m_sinch_keys_version() -> None:
    completed = run(sys.executable, "-m", "sinch_keys", "--version")
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout == f"sinch-keys {sinch_keys.__version__}\n"
    assert completed.stderr == ""


def test_python_m_sinch_keys_is_the_console_script() -> None:
    module = run(sys.executable, "-m", "sinch_keys", "lst")
    assert module.returncode == 2
    assert module.stderr.splitlines() == [
        "error: no such command 'lst'. Did you mean 'list'?",
        "Try 'sinch-keys --help' for help.",
    ]
    script = Path(sys.executable).with_name("sinch-keys")
    if script.exists():
        assert run(str(script), "lst").stderr == module.stderr


# -- shell completion -------------------------------------------------------------------------


SCRIPT_SHAPES = {
    "bash": [
        "_sinch_keys_completion() {",
        "_SINCH_KEYS_COMPLETE=complete_bash $1",
        "complete -o default -F _sinch_keys_completion sinch-keys",
    ],
    "zsh": [
        "#compdef sinch-keys",
        "_SINCH_KEYS_COMPLETE=complete_zsh sinch-keys",
        "compdef _sinch_keys_completion sinch-keys",
    ],
    "fish": [
        "complete --command sinch-keys --no-files",
        "_SINCH_KEYS_COMPLETE=complete_fish",  # pragma: allowlist secret
    ],
}


@pytest.mark.parametrize("shell", SCRIPT_SHAPES)
def test_the_completion_script_of_each_shell(cli: CLI, shell: str) -> None:
    result = cli("completion", shell)
    assert result.exit_code == 0
    for piece in SCRIPT_SHAPES[shell]:
        assert piece in result.stdout, piece


# What the script asks sinch-keys (the completion protocol), and what must come back.
ANSWERS = {
    "bash": (
        {"_SINCH_KEYS_COMPLETE": "complete_bash", "COMP_WORDS": "sinch-keys li", "COMP_CWORD": "1"},
        ["list"],
    ),
    "zsh": (
        {"_SINCH_KEYS_COMPLETE": "complete_zsh", "_TYPER_COMPLETE_ARGS": "sinch-keys de"},
        ['"delete":', '"demo":'],
    ),
    "fish": (
        {
            "_SINCH_KEYS_COMPLETE": "complete_fish",
            "_TYPER_COMPLETE_FISH_ACTION": "get-args",
            "_TYPER_COMPLETE_ARGS": "sinch-keys list --pa",
        },
        ["--page-size"],
    ),
}


@pytest.mark.parametrize("shell", ANSWERS)
def test_sinch_keys_answers_each_shells_completion_request(cli: CLI, shell: str) -> None:
    env, expected = ANSWERS[shell]
    result = cli.runner.invoke(app, [], env=env, prog_name="sinch-keys")
    assert result.exit_code == 0, result.output
    for answer in expected:
        assert answer in result.stdout, result.stdout
    assert cli.recorder.sent == []  # completing never contacts the API


def sinch_keys_command() -> str:
    script = Path(sys.executable).with_name("sinch-keys")
    if not script.exists():
        pytest.skip("the sinch-keys console script is not installed next to this python")
    return str(script)


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_completion_in_a_real_bash() -> None:
    command = sinch_keys_command()
    script = f"""
        PATH={Path(command).parent}:$PATH
        eval "$(sinch-keys completion bash)"
        complete_words() {{ COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); \
            _sinch_keys_completion sinch-keys; echo "${{COMPREPLY[*]}}"; }}
        complete_words sinch-keys ro
        complete_words sinch-keys list --page
        complete_words sinch-keys --au
        complete_words sinch-keys delete --allow
        complete_words sinch-keys completion z
    """
    completed = run("bash", "-c", script)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.splitlines() == [
        "rotate",
        "--page-size",
        "--auth",
        "--allow-self-delete --allow-insecure-http",
        "zsh",
    ]


@pytest.mark.skipif(shutil.which("zsh") is None, reason="zsh is not installed")
def test_completion_script_loads_in_a_real_zsh() -> None:
    command = sinch_keys_command()
    script = f"""
        PATH={Path(command).parent}:$PATH
        autoload -Uz compinit && compinit -u
        eval "$(sinch-keys completion zsh)"
        print -r -- ${{_comps[sinch-keys]}}
    """
    completed = run("zsh", "-f", "-c", script)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "_sinch_keys_completion"


@pytest.mark.skipif(shutil.which("fish") is None, reason="fish is not installed")
def test_completion_in_a_real_fish() -> None:
    command = sinch_keys_command()
    script = f"""
        set -x PATH {Path(command).parent} $PATH
        sinch-keys completion fish | source
        complete --do-complete 'sinch-keys rot'
    """
    completed = run("fish", "--no-config", "-c", script)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.startswith("rotate")


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_show_and_install_completion_for_the_shell_in_use(tmp_path: Path) -> None:
    """typer's --show-completion / --install-completion detect the calling shell (bash here);
    the install goes to the home directory given (a temporary one)."""
    command = sinch_keys_command()
    shown = run("bash", "-c", f"{command} --show-completion")
    assert shown.returncode == 0, shown.stderr
    assert "complete -o default -F _sinch_keys_completion sinch-keys" in shown.stdout
    installed = run("bash", "-c", f"{command} --install-completion", env={"HOME": str(tmp_path)})
    assert installed.returncode == 0, installed.stderr
    script = tmp_path / ".bash_completions" / "sinch-keys.sh"
    assert "_SINCH_KEYS_COMPLETE=complete_bash" in script.read_text()  # pragma: allowlist secret
    assert f"source '{script}'" in (tmp_path / ".bashrc").read_text()
