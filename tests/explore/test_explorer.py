"""The explorer's fast subset, run with every test run; the full depth is ``nox -s explore``.

Depth 1 (every fault kind on every exchange) for every operation, sync and async, cold and
warm client; depth 2 for the operations that write. And proof that its checks can fail: with
a rule of ``_outcomes`` broken on purpose, the same exploration finds violations.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sinch_keys import _operations, _outcomes
from sinch_keys._outcomes import AfterFailedDelete, CreateState
from tests.explore.explorer import OPERATIONS, Cell, Harness, explore

CELLS = [
    Cell(op, flavour, warm)
    for op in OPERATIONS
    for flavour in ("sync", "async")
    for warm in (True, False)
]
WRITES = ["create", "delete", "rotate", "self_rotate"]


@pytest.fixture(scope="module")
def harness() -> Iterator[Harness]:
    h = Harness()
    yield h
    h.close()


@pytest.mark.parametrize("cell", CELLS, ids=lambda c: f"{c.op}-{c.flavour}-{c.start}")
def test_every_fault_on_every_exchange(harness: Harness, cell: Cell) -> None:
    tally = explore(harness, cell, depth=1)
    assert tally.runs > 10  # the fault-free run and one run per (exchange, kind)
    assert tally.violations == 0, tally.examples


@pytest.mark.parametrize("op", WRITES)
@pytest.mark.parametrize("flavour", ["sync", "async"])
def test_every_pair_of_faults_on_the_writes(harness: Harness, op: str, flavour: str) -> None:
    tally = explore(harness, Cell(op, flavour, True), depth=2)
    assert tally.violations == 0, tally.examples


# -- the checks can fail ---------------------------------------------------------------------


def test_a_create_rule_that_trusts_absence_is_caught(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    def optimistic(sent: _outcomes.Sent, readable: bool) -> CreateState:
        if sent.error is None and readable:
            return CreateState.CREATED
        return CreateState.NOT_CREATED  # "it failed, so nothing happened"

    monkeypatch.setattr(_operations, "create_state", optimistic)
    tally = explore(harness, Cell("create", "sync", True), depth=1)
    assert tally.by_invariant.get("raised APIConnectionError", 0) > 0, tally.by_invariant


def test_a_rotation_that_rolls_back_on_hope_is_caught(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        _operations, "after_failed_delete", lambda removed, seen: AfterFailedDelete.ROLL_BACK
    )
    tally = explore(harness, Cell("rotate", "sync", True), depth=1)
    assert tally.by_invariant.get("locked out", 0) > 0, tally.by_invariant


def test_a_delete_that_forgets_its_first_attempt_is_caught(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_operations, "delete_already_done", lambda sent: False)
    tally = explore(harness, Cell("delete", "sync", True), depth=1)
    assert tally.by_invariant.get("the call deleted the key, then reported it was not found")
