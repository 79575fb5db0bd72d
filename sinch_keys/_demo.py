"""``sinch-keys demo``: a whole key lifecycle against the in-process emulator.

No network, no credentials, no extra dependency: the emulator answers through an httpx
transport, and every step goes through the public API (:class:`sinch_keys.SinchKeys`), just
as a program of the reader's would.

Example::

    $ sinch-keys demo
"""

from __future__ import annotations

import textwrap

import httpx
from rich.console import Console
from rich.text import Text

from sinch_keys import AccessKey, CreatedAccessKey, SelfDeleteError, SinchKeys

__all__ = ["run_demo"]

DEMO_PROJECT = "demo-project"
PAGE_SIZE = 2


def run_demo(console: Console) -> None:
    """Run the lifecycle, printing each step; raises only if the SDK misbehaves.

    Example::

        from rich.console import Console
        run_demo(Console())
    """
    from sinch_keys.testing import Emulator  # the emulator is not part of `import sinch_keys`

    out = _Steps(console)
    emu = Emulator(project_id=DEMO_PROJECT)
    out.step("Start the emulator (in process: no network, no credentials)")
    out.detail(f"project {emu.project_id}, API {emu.base_url}")
    out.detail(f"the client signs in with the bootstrap key {emu.key_id}")

    with (
        httpx.Client(transport=emu.transport) as http,
        SinchKeys(
            project_id=emu.project_id,
            key_id=emu.key_id,
            key_secret=emu.key_secret,
            base_url=emu.base_url,
            token_url=emu.token_url,
            http_client=http,
        ) as client,
    ):
        keys = client.access_keys

        out.step("Create two keys")
        deploy = keys.create(display_name="demo: ci deploy")
        out.created(deploy)
        backup = keys.create(display_name="demo: nightly backup")
        out.created(backup)
        out.detail("(a secret is shown only once, at creation; the demo prints it masked)")

        out.step(f"List the keys, {PAGE_SIZE} per page (each page is a separate request)")
        for number, page in enumerate(keys.list(page_size=PAGE_SIZE).pages(), start=1):
            more = "more follow" if page.next_page_token else "last page"
            out.detail(f"page {number} ({more}):")
            for key in page.access_keys:
                out.key(key, indent=4)

        out.step("Rename a key")
        renamed = keys.update(
            deploy.access_key.access_key_id, display_name="demo: ci deploy (prod)"
        )
        out.key(renamed)

        out.step("Rotate a key: create its replacement, prove it works, delete the old one")
        rotated = keys.rotate(backup.access_key.access_key_id)
        out.detail(f"old key {backup.access_key.access_key_id} deleted; its replacement:")
        out.created(rotated)

        out.step("Try to delete the key this client authenticates with")
        try:
            keys.delete(emu.key_id)
        except SelfDeleteError as exc:
            out.detail("refused, as it should be (SelfDeleteError):", style="green")
            out.detail(str(exc), indent=4)
        else:  # pragma: no cover - the guard is the point of this step
            raise AssertionError("the self-delete guard did not refuse")

        out.step("Delete the keys the demo created")
        for key_id in (deploy.access_key.access_key_id, rotated.access_key.access_key_id):
            keys.delete(key_id)
            out.detail(f"deleted {key_id}")
        remaining = list(keys.list(page_size=PAGE_SIZE))
        out.detail(f"keys left: {', '.join(k.display_name for k in remaining) or 'none'}")

    console.print()
    console.print("[bold green]Demo complete.[/bold green] Every step used the public API.")
    console.print("Next: [bold]sinch-keys --help[/bold], or set SINCH_PROJECT_ID, SINCH_KEY_ID")
    console.print("and SINCH_KEY_SECRET and run [bold]sinch-keys list[/bold].")


class _Steps:
    """Numbered steps, with indented details under each (wrapped, never as rich markup)."""

    def __init__(self, console: Console) -> None:
        self._console = console
        self._number = 0

    def step(self, title: str) -> None:
        self._number += 1
        if self._number > 1:
            self._console.print()
        self._console.print(Text(f"{self._number}. {title}", style="bold"))

    def detail(self, text: str, indent: int = 2, style: str = "") -> None:
        width = max(40, self._console.width - indent)
        lines = textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False)
        for line in lines or [""]:
            self._print(Text(" " * indent + line, style=style))

    def key(self, key: AccessKey, indent: int = 2) -> None:
        self._print(
            Text.assemble(" " * indent, (key.access_key_id, "cyan"), "  ", key.display_name)
        )

    def created(self, created: CreatedAccessKey) -> None:
        self.key(created.access_key)
        self.detail(f"secret {created.secret} (masked)", indent=4)

    def _print(self, text: Text) -> None:
        self._console.print(text, soft_wrap=True, highlight=False)
