"""The ``sinch-keys`` console script's entry point (``sinch_keys._console``): the command line
when the ``[cli]`` extra is installed, one line and exit status 2 when it is not, and a real
traceback for a bug in the package itself. (tests/test_packaging.py runs the installed script
in a venv without the extra.)"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sinch_keys import __version__
from sinch_keys._console import MISSING_EXTRA, main


@pytest.fixture
def cli_not_imported(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in list(sys.modules):  # the alias and the package it imports from
        if name == "sinch_keys._cli" or name.startswith("sinch_keys.cli"):
            monkeypatch.delitem(sys.modules, name)
    return monkeypatch


@pytest.mark.parametrize("missing", ["typer", "rich.console"])
def test_a_missing_extra_prints_one_line_and_exits_2(
    cli_not_imported: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], missing: str
) -> None:
    cli_not_imported.setitem(sys.modules, missing, None)  # `import missing` raises ImportError
    with pytest.raises(SystemExit) as exited:
        main()
    assert exited.value.code == 2
    assert capsys.readouterr() == ("", MISSING_EXTRA + "\n")


def test_an_import_error_inside_the_package_is_not_blamed_on_the_extra(
    cli_not_imported: pytest.MonkeyPatch,
) -> None:
    cli_not_imported.setitem(sys.modules, "sinch_keys._cli", None)
    with pytest.raises(ImportError) as raised:
        main()
    assert raised.value.name == "sinch_keys._cli"


def test_the_installed_script_runs_the_command_line_when_the_extra_is_there() -> None:
    script = Path(sys.executable).with_name("sinch-keys")
    done = subprocess.run(
        [str(script), "--version"], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert __version__ in done.stdout
