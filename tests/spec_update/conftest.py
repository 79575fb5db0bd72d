"""Fixtures for the spec-update pipeline tests: a throw-away copy of the repository's spec
files, and variants of the vendor's description made from the real one (never edited)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.spec_update.spec_update_support import copy_repo, write_variant
from tools.spec.update import Paths


@pytest.fixture
def repo(tmp_path: Path) -> Paths:
    """A copy of the files the pipeline reads and writes, in tmp_path."""
    return copy_repo(tmp_path / "repo")


@pytest.fixture
def variant(tmp_path: Path) -> Callable[[Callable[[dict[str, Any]], None]], str]:
    """``variant(edit)``: the real upstream changed by ``edit``, as a JSON file; its path."""
    counter = iter(range(1000))

    def make(edit: Callable[[dict[str, Any]], None]) -> str:
        return write_variant(tmp_path / f"upstream-variant-{next(counter)}.json", edit)

    return make
