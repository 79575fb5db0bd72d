"""The command line's shape on top of typer: help that teaches, and the one error contract.

* :class:`Command` and :class:`Group` render help from the docstring: paragraphs are
  re-wrapped, and a ``Title:`` line followed by indented lines (``Examples:``, ``Environment:``)
  is kept verbatim. Options show as ``--page-size N``: no type tags, no truncated summaries.
* :meth:`Group.main` runs the command and turns every usage error into one ``error: ...`` line
  on stderr plus one ``Try 'sinch-keys CMD --help' for help.`` line, exit code 2.
* The global options (``--profile``, ``--project``...) are accepted after the command too:
  ``sinch-keys list --profile work`` means ``sinch-keys --profile work list``.
"""

from __future__ import annotations

import copy
import re
import sys
import textwrap
from collections.abc import Sequence
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup

from sinch_keys.cli._config import Flags
from sinch_keys.cli._errors import EXIT_BROKEN_PIPE, EXIT_FAILURE, EXIT_USAGE, silence_stdout
from sinch_keys.cli._output import safe

GLOBAL_OPTIONS = (
    "profile",
    "project",
    "key_id",
    "key_secret_file",
    "key_secret_stdin",
    "base_url",
    "token_url",
    "auth",
    "allow_insecure_http",
    "debug",
)
"""The names of the options that configure a connection, accepted before or after a command."""

_SECTION = re.compile(r"^([A-Z][A-Za-z ]*):$")


def split_doc(text: str) -> tuple[str, list[tuple[str, list[str]]]]:
    """A docstring as its description and its verbatim sections (``Title:`` + indented lines).

    Example::

        >>> split_doc("Show one key.\\n\\nExamples:\\n  sinch-keys get ID")
        ('Show one key.', [('Examples', ['sinch-keys get ID'])])
    """
    description: list[str] = []
    sections: list[tuple[str, list[str]]] = []
    lines = text.partition("\f")[0].splitlines()
    for number, line in enumerate(lines):
        heading = _SECTION.match(line)
        following = lines[number + 1] if number + 1 < len(lines) else ""
        if heading and following.startswith(" "):
            sections.append((heading.group(1), []))
        elif sections and (line.startswith(" ") or not line.strip()):
            sections[-1][1].append(line)
        elif sections:
            raise ValueError(f"text after the {sections[-1][0]!r} section: {line!r}")
        else:
            description.append(line)
    cleaned = []
    for title, body in sections:
        while body and not body[-1].strip():
            body.pop()
        indent = min(len(line) - len(line.lstrip()) for line in body if line.strip())
        cleaned.append((title, [line[indent:] for line in body]))
    return "\n".join(description).strip(), cleaned


def _option_row(param: Any) -> tuple[str, str]:
    names = sorted(param.opts, key=lambda name: not (len(name) == 2 and name[0] == "-"))
    text = ", ".join(names + list(param.secondary_opts))
    if not getattr(param, "is_flag", False) and not getattr(param, "count", False):
        text += f" {param.metavar or param.type.name.upper()}"
    return text, param.help or ""


def _argument_usage(param: Any) -> str:
    name = param.metavar or param.name.upper()
    if param.nargs != 1:
        name += "..."
    return name if param.required else f"[{name}]"


def _is_argument(param: Any) -> bool:
    return bool(param.param_type_name == "argument")


def _parse_with_context(command: Any, parse: Any, ctx: Any, args: list[str]) -> list[str]:
    """Parse, attaching ``ctx`` to a usage error raised without it (the option parser's own,
    such as a missing option value), so the error can point at the right ``--help``."""
    try:
        result: list[str] = parse(ctx, args)
    except typer.TyperException as exc:
        if getattr(exc, "ctx", False) is None:
            exc.ctx = ctx  # type: ignore[attr-defined]
        raise
    return result


def _fill(text: str, width: int, indent: int) -> list[str]:
    # never break inside "--key-secret-stdin" or a URL: options must stay copyable
    return textwrap.wrap(
        text, max(width - indent, 20), break_on_hyphens=False, break_long_words=False
    ) or [""]


def _write_text(formatter: Any, text: str) -> None:
    """Paragraphs of ``text``, re-wrapped to the formatter's width, indented one level."""
    formatter.write_paragraph()
    indent = formatter.current_indent + formatter.indent_increment
    for number, paragraph in enumerate(p for p in text.split("\n\n") if p.strip()):
        if number:
            formatter.write("\n")
        for line in _fill(" ".join(paragraph.split()), formatter.width, indent):
            formatter.write(f"{' ' * indent}{line}\n")


def _write_dl(formatter: Any, rows: Sequence[tuple[str, str]]) -> None:
    """A definition list (options, commands): the terms aligned, the text wrapped after."""
    indent = formatter.current_indent
    column = min(max(len(term) for term, _ in rows), 30) + 2
    for term, text in rows:
        lines = _fill(" ".join(text.split()), formatter.width, indent + column)
        if len(term) + 2 > column:  # a long term gets its own line
            formatter.write(f"{' ' * indent}{term}\n")
            first, rest = lines[0], lines[1:]
            formatter.write(f"{' ' * (indent + column)}{first}\n")
        else:
            first, rest = lines[0], lines[1:]
            formatter.write(f"{' ' * indent}{term.ljust(column)}{first}".rstrip() + "\n")
        for line in rest:
            formatter.write(f"{' ' * (indent + column)}{line}\n")


def _write_sections(formatter: Any, sections: Sequence[tuple[str, list[str]]]) -> None:
    for title, body in sections:
        with formatter.section(title):
            for line in body:
                formatter.write(f"{' ' * formatter.current_indent}{line}".rstrip() + "\n")


class Command(TyperCommand):
    """A command whose help is rendered from its docstring, examples included.

    Example::

        app.command("get", cls=Command)(get_key)
    """

    takes_global_options = False

    def get_short_help_str(self, limit: int = 45) -> str:
        """The first paragraph of the description, whole (completion menus show it too)."""
        return " ".join(split_doc(self.help or "")[0].split("\n\n")[0].split())

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        return _parse_with_context(self, super().parse_args, ctx, args)

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        pieces += [_argument_usage(p) for p in self.get_params(ctx) if _is_argument(p)]
        return pieces

    def format_help(self, ctx: Any, formatter: Any) -> None:
        self.format_usage(ctx, formatter)
        description, sections = split_doc(self.help or "")
        if description:
            _write_text(formatter, description)
        params = [p for p in self.get_params(ctx) if not getattr(p, "hidden", False)]
        arguments = [
            (_argument_usage(p).strip("[]."), getattr(p, "help", None) or "")
            for p in params
            if _is_argument(p)
        ]
        options = [
            _option_row(p)
            for p in params
            if not _is_argument(p) and not getattr(p, "shared_global_option", False)
        ]
        if arguments:
            with formatter.section("Arguments"):
                _write_dl(formatter, arguments)
        if options:
            with formatter.section("Options"):
                _write_dl(formatter, options)
        if self.takes_global_options:
            _write_text(
                formatter,
                "The global options (--profile, --project, --key-id, --key-secret-file, "
                "--key-secret-stdin, --base-url, --token-url, --auth, "
                "--allow-insecure-http, --debug) work before or after the command: "
                "see sinch-keys --help.",
            )
        _write_sections(formatter, sections)


class ApiCommand(Command):
    """A command that talks to the API: it also accepts the global options after its name.

    Example::

        app.command("list", cls=ApiCommand)(list_keys)   # sinch-keys list --profile ci
    """

    takes_global_options = True


def _override_global(ctx: Any, param: Any, value: Any) -> Any:
    """Callback of a global option given after the command: it overrides the one before."""
    if ctx.resilient_parsing:
        return value
    source = ctx.get_parameter_source(param.name)
    flags = ctx.find_object(Flags)
    if flags is not None and source is not None and source.name != "DEFAULT":
        setattr(flags, param.name, value)
    return value


class Group(TyperGroup):
    """The ``sinch-keys`` command group: help from the docstring, the error contract, and
    the global options shared with every :class:`ApiCommand`.

    Example::

        app = typer.Typer(cls=Group, rich_markup_mode=None)
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        shared = [p for p in self.params if p.name in GLOBAL_OPTIONS]
        for command in self.commands.values():
            if getattr(command, "takes_global_options", False):
                for param in shared:
                    clone = copy.copy(param)
                    clone.expose_value = False
                    clone.callback = _override_global
                    clone.shared_global_option = True  # type: ignore[attr-defined]
                    command.params.append(clone)

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        return _parse_with_context(self, super().parse_args, ctx, args)

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        return ["[GLOBAL OPTIONS]", "COMMAND", "[ARGS]..."]

    def format_help(self, ctx: Any, formatter: Any) -> None:
        self.format_usage(ctx, formatter)
        description, sections = split_doc(self.help or "")
        if description:
            _write_text(formatter, description)
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str()))
        with formatter.section("Commands"):
            _write_dl(formatter, rows)
        params = [p for p in self.get_params(ctx) if not getattr(p, "hidden", False)]
        with formatter.section("Global options"):
            _write_dl(formatter, [_option_row(p) for p in params])
        _write_sections(formatter, sections)

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        """Run the command line; every failure becomes one ``error:`` line and an exit code."""
        try:
            result = super().main(
                args,
                prog_name,
                complete_var,
                standalone_mode=False,
                windows_expand_args=windows_expand_args,
                **extra,
            )
            code = result if isinstance(result, int) and not isinstance(result, bool) else 0
        except BrokenPipeError:
            silence_stdout()
            code = EXIT_BROKEN_PIPE
        except typer.TyperException as exc:  # typer's click errors: usage errors above all
            code = _report_usage_error(exc)
        except typer.Abort:  # end of input at a prompt
            typer.echo("error: aborted: no answer was given", err=True)
            code = EXIT_FAILURE
        except Exception as exc:  # the contract holds even for a bug in an option callback
            typer.echo(f"error: unexpected {type(exc).__name__}: {safe(str(exc))}", err=True)
            code = EXIT_FAILURE
        if standalone_mode:
            sys.exit(code)
        return code


def _report_usage_error(exc: typer.TyperException) -> int:
    ctx = getattr(exc, "ctx", None)
    if type(exc).__name__ == "NoArgsIsHelpError" and ctx is not None:
        typer.echo(ctx.get_help())  # `sinch-keys` alone: the help, as asked for
        return 0
    message = " ".join(exc.format_message().split())  # click's own layout is one line here
    if len(message) > 1 and message[1].islower():
        message = message[0].lower() + message[1:]
    typer.echo(f"error: {safe(message.removesuffix('.'))}", err=True)
    code: int = getattr(exc, "exit_code", EXIT_USAGE)
    if code == EXIT_USAGE and ctx is not None:
        typer.echo(f"Try '{safe(ctx.command_path)} --help' for help.", err=True)
    return code
