"""Regenerate the low-level client ``generated/sinch_keys_api`` from ``openapi.yaml``.

One function serves ``nox -s generate``, the staleness check and the spec-update pipeline, so
all three produce the same bytes. The generator and ruff are pinned in pyproject.toml.

``tools/spec/templates/`` overrides one generator template, ``model.py.jinja``: its
``from_dict`` reads fields in place and calls the constructor positionally (the generator's
copies the dict, pops each field and passes keywords: twice the time per object, the largest
cost of listing keys). The rest of that file is the pinned generator's own template, which
``tests/spec/test_model_templates.py`` checks.

Besides the generator's output, it writes ``_spec_defaults.py`` into the package: the spec's
first server URL and the OAuth2 token URL, which openapi-python-client does not carry. The
facade takes its default base URL and token URL from there, so a new host in the vendor's spec
reaches users through regeneration alone.

Example::

    python -m tools.spec.generate             # writes generated/sinch_keys_api
    python -m tools.spec.generate --check     # fails if generated/ is stale
"""

from __future__ import annotations

import argparse
import filecmp
import os
import shutil
import subprocess  # nosec B404 - runs the pinned generator, with no shell and fixed arguments
import sys
import tempfile
from pathlib import Path
from typing import Any

from tools.spec.overlay import load_yaml

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "openapi.yaml"
CONFIG = ROOT / "generator-config.yml"
TEMPLATES = ROOT / "tools" / "spec" / "templates"
PACKAGE = "sinch_keys_api"
OUTPUT = ROOT / "generated" / PACKAGE

DEFAULTS_TEMPLATE = '''\
"""Defaults read from the OpenAPI description at generation time (tools/spec/generate.py)."""

BASE_URL = {base_url!r}
TOKEN_URL = {token_url!r}
'''


class GenerationError(Exception):
    """The generator failed or warned (it runs with --fail-on-warning)."""


def spec_defaults(spec: dict[str, Any]) -> tuple[str, str]:
    """Return (base URL, OAuth2 token URL) as the spec declares them."""
    servers = spec.get("servers") or []
    if not servers or not servers[0].get("url"):
        raise GenerationError("the spec declares no server URL")
    schemes = (spec.get("components") or {}).get("securitySchemes") or {}
    token_url = ""
    for scheme in schemes.values():
        flow = (scheme.get("flows") or {}).get("clientCredentials") or {}
        token_url = token_url or flow.get("tokenUrl", "")
    if not token_url:
        raise GenerationError("the spec declares no OAuth2 client-credentials tokenUrl")
    return str(servers[0]["url"]).rstrip("/"), str(token_url)


def generate(spec: Path = SPEC, output: Path = OUTPUT, templates: Path | None = TEMPLATES) -> None:
    """Generate the client package for ``spec`` into ``output`` (replacing it); with
    ``templates=None``, with the generator's own templates only (the tests compare the two)."""
    if output.exists():
        shutil.rmtree(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable, "-m", "openapi_python_client", "generate",
        "--path", str(spec), "--config", str(CONFIG), "--meta", "none",
        "--output-path", str(output), "--fail-on-warning",
    ]  # fmt: skip
    if templates is not None:
        command += ["--custom-template-path", str(templates)]
    # the post hooks call `ruff` by name: make it the pinned one installed beside this Python
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    done = subprocess.run(command, capture_output=True, text=True, check=False, env=env)  # nosec B603
    if done.returncode != 0:
        raise GenerationError(f"openapi-python-client failed:\n{done.stdout}\n{done.stderr}")
    base_url, token_url = spec_defaults(load_yaml(spec))
    (output / "_spec_defaults.py").write_text(
        DEFAULTS_TEMPLATE.format(base_url=base_url, token_url=token_url), encoding="utf-8"
    )


def stale_files(spec: Path = SPEC, committed: Path = OUTPUT) -> list[str]:
    """Regenerate into a temporary folder; return the paths that differ from ``committed``."""
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / PACKAGE
        generate(spec, fresh)
        return _diff_trees(fresh, committed)


def _diff_trees(left: Path, right: Path) -> list[str]:
    def files(root: Path) -> set[str]:
        return {
            str(p.relative_to(root))
            for p in root.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts
        }

    left_files, right_files = files(left), files(right) if right.exists() else set()
    differing = sorted(left_files ^ right_files)
    differing += sorted(
        name
        for name in left_files & right_files
        if not filecmp.cmp(left / name, right / name, shallow=False)
    )
    return differing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Regenerate generated/sinch_keys_api.")
    parser.add_argument("--check", action="store_true", help="fail if generated/ is stale")
    args = parser.parse_args(argv)
    try:
        if args.check:
            stale = stale_files()
            if stale:
                print(
                    "error: generated/ is stale; run `nox -s generate`. Differs:", file=sys.stderr
                )
                print("\n".join(f"  {name}" for name in stale), file=sys.stderr)
                return 1
            print("generated/ is up to date")
            return 0
        generate()
    except GenerationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {OUTPUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
