"""The explorer: every fault, on every exchange, checked against the emulator's ground truth.

A deterministic simulation in the manner of FoundationDB's simulator and Jepsen's checkers,
small enough to read. For each operation of the SDK (sync and async, cold and warm client):

1. run it once without faults and count the HTTP exchanges it makes (token ones included);
2. place one fault of every kind on every exchange of that run; for each run that used all
   its faults, place one more on every *later* exchange that run made, up to ``depth``;
3. check every run's outcome against what the emulator really applied (its write log, its
   final key set after late writes landed, which credentials work), never against what the
   SDK reported.

Nothing waits on a wall clock: one fake clock drives the emulator and the client, and the
client's sleep moves it. Jitter is off, so every run is reproducible from its schedule.

``python -m tests.explore.explorer --depth 3`` (``nox -s explore``) prints a table of runs
and violations per operation; ``tests/explore/test_explorer.py`` runs depth 1 (and depth 2
for the operations that write) on every test run.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import re
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx

from sinch_keys import (
    AsyncSinchKeys,
    CreatedAccessKey,
    CreateOutcomeUnknownError,
    NotFoundError,
    RetryPolicy,
    RotationError,
    SinchKeys,
    SinchKeysError,
)
from sinch_keys.testing import Emulator, Fault

PROJECT = "proj-explore"
BOOT_ID = "explore-bootstrap"
BOOT_SECRET = "explore-bootstrap-secret-0123456789"  # pragma: allowlist secret
NEW_NAME = "explored key"
RENAMED = "explored key (renamed)"

#: Every kind of fault the explorer places. Keys name what the *server* did.
KINDS: dict[str, Fault] = {
    "refused": Fault(refuse=True),  # never reached the server
    "lost": Fault(drop=True),  # reached it, not applied, connection dropped
    "applied_lost": Fault(drop=True, passthrough=True),  # applied, answer lost
    "applied_late": Fault(late=0.3),  # client times out; applied 0.3 s later
    "applied_very_late": Fault(late=600.0),  # applied long after anyone looks
    "429": Fault(status=429, retry_after="1"),
    "500": Fault(status=500),
    "503": Fault(status=503),
    "malformed_2xx": Fault(malformed=True, passthrough=True),  # applied, body not JSON
    "undecodable": Fault(undecodable=True, passthrough=True),  # applied, body not decodable
    "401": Fault(status=401),  # a cached token refused (or, on the token endpoint, the key)
}

#: The words the SDK must never say after an outcome it could not know.
CLAIMS_NOTHING_CREATED = re.compile(
    r"none was created|nothing was created|no key was created|was not created", re.I
)

Schedule = tuple[tuple[int, str], ...]

# One re-check after an unknown create (the default policy makes three): the rule "look again
# after a wait" is the same with one or three, and each one more multiplies the tree to explore.
RECHECK_WAITS = (1.0,)


class FakeClock:
    """One clock for the emulator and the client; sleeping moves it."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += max(0.0, seconds)

    async def asleep(self, seconds: float) -> None:
        self.now += max(0.0, seconds)


@dataclass
class World:
    """One run's emulator, client and the facts the checks need."""

    emu: Emulator
    clock: FakeClock
    client: Any
    flavour: str
    run: Callable[[Callable[[Any], Any]], Any]
    target_id: str = ""
    target_secret: str = ""
    mark_requests: int = 0
    mark_writes: int = 0
    notes: dict[str, Any] = field(default_factory=dict)

    # -- ground truth -----------------------------------------------------------------------

    def key_ids(self) -> set[str]:
        return {k["accessKeyId"] for k in self.emu.keys()}

    def writes(self, route: str) -> list[Any]:
        return [w for w in self.emu.writes[self.mark_writes :] if w.route == route]

    def requests(self) -> list[Any]:
        return self.emu.requests[self.mark_requests :]

    def reached(self, route: str) -> list[Any]:
        """Requests on ``route`` that reached the server (a refused one did not)."""
        return [r for r in self.requests() if r.route == route and r.fault != "refuse"]


# -- operations ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Operation:
    """An operation under test: how to set the world up, call it, and judge the outcome."""

    name: str
    call: Callable[[World], Callable[[Any], Any]]
    check: Callable[[World, Any], Iterator[str]]
    setup: Callable[[World], None] = lambda world: None
    self_key: bool = False  # the client authenticates with the target key


def _add_target(world: World, name: str = "target key") -> None:
    key, secret = world.emu.create_key(name)
    world.target_id, world.target_secret = key["accessKeyId"], secret


def _add_pages(world: World) -> None:
    for n in range(3):
        world.emu.create_key(f"page filler {n}")


def check_typed(outcome: Any) -> Iterator[str]:
    if isinstance(outcome, BaseException) and not isinstance(outcome, SinchKeysError):
        yield f"untyped escape: {type(outcome).__name__}: {outcome}"


def check_create(world: World, outcome: Any) -> Iterator[str]:
    yield from check_typed(outcome)
    created = world.writes("create")
    if len(created) > 1:
        yield f"one create call made {len(created)} keys"
    if isinstance(outcome, CreatedAccessKey):
        if len(created) != 1 or created[0].key_id != outcome.access_key.access_key_id:
            yield "returned a key the server did not create for this call"
        elif not world.emu.credentials_work(
            outcome.access_key.access_key_id, outcome.secret.get_secret_value()
        ):
            yield "returned a secret that does not work"
        return
    if not isinstance(outcome, SinchKeysError):
        return
    sent = world.reached("create")
    if isinstance(outcome, CreateOutcomeUnknownError):
        if not sent:
            yield "no create request reached the server, yet the outcome is called unknown"
        if CLAIMS_NOTHING_CREATED.search(str(outcome)):
            yield f"an unknown outcome claims nothing was created: {outcome}"
        # lookups that answered in full: a faulted one could not have shown the key
        lookups = [
            i
            for i, r in enumerate(world.requests())
            if r.route == "list" and r.fault is None and r.status == 200
        ]
        seen = [
            w
            for w in created
            if lookups
            and w.request_index is not None
            and w.request_index - world.mark_requests <= lookups[-1]
        ]
        if seen and outcome.access_key is None:
            yield "the lookup could see the created key but the error does not name it"
        if outcome.access_key is not None and (
            not created or outcome.access_key.access_key_id != created[0].key_id
        ):
            yield "the error names a key this call did not create"
        return
    if created:
        yield (
            f"raised {type(outcome).__name__} (a definite failure) but the key "
            f"{created[0].key_id} was created: {outcome}"
        )


def check_delete(world: World, outcome: Any) -> Iterator[str]:
    yield from check_typed(outcome)
    deleted = world.writes("delete")
    if outcome is None and world.target_id in world.key_ids():
        yield "delete returned but the key still exists"
    if isinstance(outcome, NotFoundError) and deleted:
        yield "the call deleted the key, then reported it was not found"


def check_update(world: World, outcome: Any) -> Iterator[str]:
    yield from check_typed(outcome)
    if isinstance(outcome, BaseException):
        return
    names = {k["accessKeyId"]: k["displayName"] for k in world.emu.keys()}
    if names.get(world.target_id) != RENAMED or outcome.display_name != RENAMED:
        yield "update returned but the key does not carry the new name"


def check_get(world: World, outcome: Any) -> Iterator[str]:
    yield from check_typed(outcome)
    if not isinstance(outcome, BaseException) and outcome.access_key_id != BOOT_ID:
        yield "get returned another key"


def check_list(world: World, outcome: Any) -> Iterator[str]:
    yield from check_typed(outcome)
    if len(world.requests()) > 60:
        yield f"a list of 4 keys took {len(world.requests())} requests"
    if isinstance(outcome, list) and sorted(outcome) != sorted(world.key_ids()):
        yield "list returned keys other than the project's"


def check_rotate(world: World, outcome: Any) -> Iterator[str]:
    yield from check_typed(outcome)
    created = world.writes("create")
    if len(created) > 1:
        yield f"one rotation made {len(created)} keys"
    keys = world.key_ids()
    old_alive = world.target_id in keys and world.emu.credentials_work(
        world.target_id, world.target_secret
    )
    new_id = created[0].key_id if created else None
    if isinstance(outcome, CreatedAccessKey):
        if new_id != outcome.access_key.access_key_id:
            yield "returned a key this rotation did not create"
        elif not world.emu.credentials_work(new_id, outcome.secret.get_secret_value()):
            yield "returned a secret that does not work"
        if world.target_id in keys:
            yield "rotation returned but the old key still exists"
    elif isinstance(outcome, RotationError):
        secret = getattr(outcome, "new_secret", None)
        new_alive = (
            new_id is not None
            and secret is not None
            and world.emu.credentials_work(new_id, secret.get_secret_value())
        )
        if not old_alive and not new_alive:
            yield (
                f"locked out: the old key is gone and no working new secret was handed back "
                f"(step {outcome.step}): {outcome}"
            )
        applied_during_call = (
            bool(created)
            and created[0].request_index is not None
            and (created[0].request_index < world.mark_requests + len(world.requests()))
        )
        unnamed = (
            new_id is not None
            and new_id not in str(outcome)
            and not (
                # the lookup could not find it: then the display name is all anyone can know
                isinstance(outcome.cause, CreateOutcomeUnknownError)
                and outcome.cause.access_key is None
                and f"named {NEW_NAME!r}" in str(outcome)
            )
        )
        if new_id in keys and applied_during_call and unnamed:
            yield f"the new key {new_id} survives but the error does not name it: {outcome}"
        if not old_alive and "old key is untouched" in str(outcome):
            yield f"the error says the old key is untouched, but it is gone: {outcome}"
    if world.notes.get("self"):
        yield from _check_client_still_authenticates(world)


def _check_client_still_authenticates(world: World) -> Iterator[str]:
    client = world.client
    secret = client._key_secret.get_secret_value() if client._key_secret else ""
    if not world.emu.credentials_work(client.key_id, secret):
        yield f"self-rotation left the client on credentials that do not work ({client.key_id})"


OPERATIONS: dict[str, Operation] = {
    op.name: op
    for op in [
        Operation("create", lambda w: lambda k: k.create(display_name=NEW_NAME), check_create),
        Operation("delete", lambda w: lambda k: k.delete(w.target_id), check_delete, _add_target),
        Operation(
            "update",
            lambda w: lambda k: k.update(w.target_id, display_name=RENAMED),
            check_update,
            _add_target,
        ),
        Operation("get", lambda w: lambda k: k.get(BOOT_ID), check_get),
        Operation("list", lambda w: "list", check_list, _add_pages),
        Operation(
            "rotate",
            lambda w: lambda k: k.rotate(w.target_id, display_name=NEW_NAME),
            check_rotate,
            _add_target,
        ),
        Operation(
            "self_rotate",
            lambda w: (
                lambda k: k.rotate(w.target_id, display_name=NEW_NAME, allow_self_rotation=True)
            ),
            check_rotate,
            _add_target,
            self_key=True,
        ),
    ]
}


# -- one run -----------------------------------------------------------------------------------


class Harness:
    """Builds worlds and runs schedules: one event loop for every async run, and one httpx
    pool per flavour whose transport serves the emulator of the current world."""

    def __init__(self) -> None:
        self._runner = asyncio.Runner()
        self._emu: Emulator | None = None
        self._http = httpx.Client(transport=httpx.MockTransport(self._handle))
        self._ahttp = self._runner.run(_async_pool(self._ahandle))

    def _current(self) -> Emulator:
        assert self._emu is not None
        return self._emu

    def _handle(self, request: httpx.Request) -> httpx.Response:
        return self._current().handle(request)

    async def _ahandle(self, request: httpx.Request) -> httpx.Response:
        return await self._current().ahandle(request)

    def close(self) -> None:
        self._http.close()
        self._runner.run(self._ahttp.aclose())
        self._runner.close()

    def world(self, op: Operation, flavour: str, warm: bool) -> World:
        clock = FakeClock()
        emu = Emulator(
            project_id=PROJECT,
            key_id=BOOT_ID,
            key_secret=BOOT_SECRET,
            seed=1,
            clock=clock,
            unique_names=False,  # so "at most one key per call" can fail
        )
        self._emu = emu
        world = World(emu, clock, None, flavour, lambda call: None)
        op.setup(world)
        key_id, secret = (
            (world.target_id, world.target_secret)
            if op.self_key
            else (
                BOOT_ID,
                BOOT_SECRET,
            )
        )
        world.notes["self"] = op.self_key
        settings: dict[str, Any] = {
            "project_id": PROJECT,
            "key_id": key_id,
            "key_secret": secret,
            "base_url": emu.base_url,
            "token_url": emu.token_url,
            "clock": clock,
            "retry_policy": RetryPolicy(jitter=0.0, recheck_waits=RECHECK_WAITS),
        }
        if flavour == "sync":
            world.client = SinchKeys(http_client=self._http, sleep=clock.sleep, **settings)
        else:
            world.client = AsyncSinchKeys(http_client=self._ahttp, sleep=clock.asleep, **settings)
        world.run = self._runner_for(world)
        if warm:
            world.run(lambda keys: keys.get(key_id))
        world.mark_requests = len(emu.requests)
        world.mark_writes = len(emu.writes)
        return world

    def run(self, op: Operation, flavour: str, warm: bool, schedule: Schedule) -> RunResult:
        world = self.world(op, flavour, warm)
        world.emu.faults.schedule({pos: KINDS[kind] for pos, kind in schedule})
        outcome: Any
        try:
            outcome = world.run(_as_call(op.call(world)))
        except BaseException as exc:
            if isinstance(exc, KeyboardInterrupt | SystemExit):
                raise
            outcome = exc
        exchanges = len(world.requests())
        unused = world.emu.faults._scheduled  # positions the run never reached
        world.emu.faults.clear()
        world.emu.settle()
        violations = list(op.check(world, outcome))
        self._close(world)
        return RunResult(schedule, exchanges, not unused, violations, outcome)

    def _runner_for(self, world: World) -> Callable[[Callable[[Any], Any]], Any]:
        if world.flavour == "sync":
            return lambda call: call(world.client.access_keys)
        runner = self._runner
        return lambda call: runner.run(_awaited(call(world.client.access_keys)))

    def _close(self, world: World) -> None:
        self._emu = None  # the pools are the harness's: a client never closes them


def _as_call(call: Any) -> Callable[[Any], Any]:
    if call == "list":
        return _list_all
    return call


def _list_all(keys: Any) -> Any:
    pager = keys.list(page_size=2)
    if hasattr(pager, "__aiter__"):
        return _alist(pager)
    return [key.access_key_id for key in pager]


async def _alist(pager: Any) -> list[str]:
    return [key.access_key_id async for key in pager]


async def _awaited(value: Any) -> Any:
    return await value


async def _async_pool(handler: Callable[[httpx.Request], Any]) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.MockTransport(handler))


@dataclass
class RunResult:
    schedule: Schedule
    exchanges: int
    used_all_faults: bool
    violations: list[str]
    outcome: Any


# -- exploration -------------------------------------------------------------------------------


@dataclass
class Tally:
    """Runs and violations of one (operation, flavour, start) cell."""

    runs: int = 0
    violations: int = 0
    examples: list[str] = field(default_factory=list)
    by_invariant: dict[str, int] = field(default_factory=dict)

    def add(self, other: Tally, max_examples: int = 5) -> None:
        self.runs += other.runs
        self.violations += other.violations
        self.examples.extend(other.examples[: max(0, max_examples - len(self.examples))])
        for label, count in other.by_invariant.items():
            self.by_invariant[label] = self.by_invariant.get(label, 0) + count


@dataclass(frozen=True)
class Cell:
    """One (operation, flavour, start) of the exploration."""

    op: str
    flavour: str
    warm: bool

    @property
    def start(self) -> str:
        return "warm" if self.warm else "cold"


def explore(
    harness: Harness,
    cell: Cell,
    depth: int,
    root: Schedule = (),
    kinds: Iterable[str] = KINDS,
    max_examples: int = 5,
) -> Tally:
    """Run ``root`` and every schedule that extends it with faults on later exchanges, up to
    ``depth`` faults in all (see the module docstring)."""
    op = OPERATIONS[cell.op]
    kinds = list(kinds)
    tally = Tally()
    frontier: list[Schedule] = [root]
    while frontier:
        schedule = frontier.pop()
        result = harness.run(op, cell.flavour, cell.warm, schedule)
        if not result.used_all_faults:
            continue  # a fault beyond the run's end: the same run as a shorter schedule
        tally.runs += 1
        if result.violations:
            tally.violations += 1
            for violation in result.violations:
                label = re.sub(r"[:(].*", "", violation).strip()
                tally.by_invariant[label] = tally.by_invariant.get(label, 0) + 1
            if len(tally.examples) < max_examples:
                tally.examples.append(f"{describe(schedule)} -> {result.violations[0]}")
        if len(schedule) < depth:
            start = schedule[-1][0] + 1 if schedule else 0
            for position, kind in itertools.product(range(start, result.exchanges), kinds):
                frontier.append((*schedule, (position, kind)))
    return tally


def describe(schedule: Schedule) -> str:
    return "[" + ", ".join(f"#{pos} {kind}" for pos, kind in schedule) + "]" if schedule else "[]"


# -- the command line: cells split into subtrees, spread over processes ----------------------

_WORKER: Harness | None = None


def _work(item: tuple[Cell, Schedule, int]) -> tuple[Cell, Tally]:
    global _WORKER
    if _WORKER is None:
        _WORKER = Harness()
    cell, root, depth = item
    if not root:  # the fault-free run alone: its subtrees are separate items
        result = _WORKER.run(OPERATIONS[cell.op], cell.flavour, cell.warm, ())
        tally = Tally(runs=1, violations=int(bool(result.violations)))
        if result.violations:
            tally.examples.append(f"[] -> {result.violations[0]}")
        return cell, tally
    return cell, explore(_WORKER, cell, depth, root)


def _items(cells: list[Cell], depth: int) -> Iterator[tuple[Cell, Schedule, int]]:
    harness = Harness()
    try:
        for cell in cells:
            yield cell, (), depth
            if depth == 0:
                continue
            plain = harness.run(OPERATIONS[cell.op], cell.flavour, cell.warm, ())
            for position, kind in itertools.product(range(plain.exchanges), KINDS):
                yield cell, ((position, kind),), depth
    finally:
        harness.close()


def run_cells(cells: list[Cell], depth: int, jobs: int) -> dict[Cell, Tally]:
    """Explore every cell to ``depth``; with ``jobs`` > 1 the subtrees run in processes."""
    tallies = {cell: Tally() for cell in cells}
    items = list(_items(cells, depth))
    if jobs <= 1:
        results: Iterable[tuple[Cell, Tally]] = map(_work, items)
        for cell, tally in results:
            tallies[cell].add(tally)
        return tallies
    import multiprocessing

    with multiprocessing.get_context("fork").Pool(jobs) as pool:
        for cell, tally in pool.imap_unordered(_work, items, chunksize=4):
            tallies[cell].add(tally)
    return tallies


def main(argv: list[str] | None = None) -> int:
    import os

    parser = argparse.ArgumentParser(prog="python -m tests.explore.explorer")
    parser.add_argument("--depth", type=int, default=3, help="most faults per run")
    parser.add_argument("--ops", nargs="*", default=list(OPERATIONS), choices=list(OPERATIONS))
    parser.add_argument("--flavours", nargs="*", default=["sync", "async"])
    parser.add_argument("--starts", nargs="*", default=["warm", "cold"])
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args(argv)
    cells = [
        Cell(op, flavour, start == "warm")
        for op in args.ops
        for flavour in args.flavours
        for start in args.starts
    ]
    began = time.perf_counter()
    tallies = run_cells(cells, args.depth, args.jobs)
    print(
        f"{'operation':<12} {'flavour':<6} {'start':<5} {'depth':>5} {'runs':>8} {'violations':>10}"
    )
    for cell, tally in tallies.items():
        print(
            f"{cell.op:<12} {cell.flavour:<6} {cell.start:<5} {args.depth:>5} "
            f"{tally.runs:>8} {tally.violations:>10}"
        )
        for label, count in sorted(tally.by_invariant.items()):
            print(f"    {count:>6} x {label}")
        for example in tally.examples:
            print(f"    e.g. {example}")
    runs = sum(t.runs for t in tallies.values())
    violations = sum(t.violations for t in tallies.values())
    seconds = time.perf_counter() - began
    print(
        f"total: {runs} runs, {violations} with violations, {seconds:.0f} s on {args.jobs} "
        f"process(es)"
    )
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main())
