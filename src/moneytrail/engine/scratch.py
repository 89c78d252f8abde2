"""Run-owned scratch tables: intermediate results a stage materialises, named by the engine, dropped by the run.

    with case.engine.run() as run:
        hop = run.materialise(first_hop_sql(params))         # a handle; str(hop) is the table's name
        ids = run.arrow(pa.table({"id": [...]}))             # an Arrow table, queryable by name
        case.engine.query(f"SELECT ... FROM {hop} JOIN {ids} ...")
    # every table the run made is gone here, also after an error

Names are picked by the engine (``_mt_s<n>``, unique per engine), so two runs on one connection never
collide. Runs nest: a run opened while another is open on the same engine is its child, and
``shared=True`` materialisations are kept by the outermost run and found again by their SQL text (several
detectors of one run read the same per-account aggregate; the key is the SQL itself, so different
thresholds are never served a table built for others). ``kind`` labels a shared table so that
``release`` can free what later steps no longer read.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

import pyarrow as pa

if TYPE_CHECKING:
    from moneytrail.engine.protocol import Engine


SCRATCH_PREFIX = "_mt_s"
V = TypeVar("V")
_NUMBERED = re.compile(r"\b(_mt_s[a-z_]*?)_?\d+\b")


def scratch_name(hint: str, number: int) -> str:
    """``_mt_s<hint>_<number>``: unique by its number, readable by its hint."""
    clean = re.sub(r"[^a-z_]", "_", hint.lower()).strip("_")
    return f"{SCRATCH_PREFIX}{'_' + clean if clean else ''}_{number}"


def stable_sql_text(sql: str) -> str:
    """SQL text with scratch-table numbers removed (``_mt_s_edges_12`` -> ``_mt_s_edges``), so the query a
    finding records reads the same on every run."""
    return _NUMBERED.sub(r"\1", sql)


@dataclass(frozen=True)
class ScratchTable:
    """A handle on a run-owned table or view; formats as its name in SQL text."""

    name: str
    kind: str = ""

    def __str__(self) -> str:
        return self.name


@dataclass
class Run:
    """The scratch tables one run owns (see the module docstring). Made by ``Engine.run()``."""

    engine: Engine
    parent: Run | None = None
    _owned: list[tuple[ScratchTable, str]] = field(default_factory=list)  # (handle, "table"|"view"|"arrow")
    _shared: dict[str, ScratchTable] = field(default_factory=dict)  # SQL text -> table (root run only)
    _named: dict[str, ScratchTable] = field(default_factory=dict)  # role -> table, for nested steps to find

    @property
    def root(self) -> Run:
        return self if self.parent is None else self.parent.root

    def materialise(self, sql: str, params: Sequence[Any] | None = None, *, shared: bool = False,
                    kind: str = "", hint: str = "") -> ScratchTable:
        """A table holding the result of ``sql``, dropped when the run (for ``shared``, the outermost) ends.
        ``hint`` (lower-case letters and _) goes into the name, to keep logged SQL readable."""
        owner = self.root if shared else self
        if shared and sql in owner._shared:
            return owner._shared[sql]
        handle = ScratchTable(self.engine.scratch_name(hint or kind), kind)
        self.engine.create_scratch(handle.name, sql, params)
        owner._owned.append((handle, "table"))
        if shared:
            owner._shared[sql] = handle
        return handle

    def view(self, sql: str, hint: str = "") -> ScratchTable:
        """A view on ``sql`` (evaluated where used), dropped with the run."""
        handle = ScratchTable(self.engine.scratch_name(hint))
        self.engine.create_scratch(handle.name, sql, None, view=True)
        self._owned.append((handle, "view"))
        return handle

    def arrow(self, table: pa.Table, hint: str = "") -> ScratchTable:
        """An Arrow table made queryable under an engine-picked name for the run."""
        handle = ScratchTable(self.engine.scratch_name(hint))
        self.engine.register_arrow(handle.name, table)
        self._owned.append((handle, "arrow"))
        return handle

    def name(self, role: str, handle: ScratchTable) -> ScratchTable:
        """Let later steps of this run (or of runs nested in it) find ``handle`` by ``role``."""
        self._named[role] = handle
        return handle

    def find(self, role: str) -> ScratchTable | None:
        """The table named ``role`` in this run or an enclosing one."""
        run: Run | None = self
        while run is not None:
            if role in run._named:
                return run._named[role]
            run = run.parent
        return None

    def named(self, prefix: str) -> list[ScratchTable]:
        """This run's tables whose role starts with ``prefix``."""
        return [t for role, t in self._named.items() if role.startswith(prefix)]

    def drop(self, handle: ScratchTable) -> None:
        """Drop one of this run's tables early (to free its memory)."""
        for owner in (self, self.root):
            for i, (h, how) in enumerate(owner._owned):
                if h == handle:
                    del owner._owned[i]
                    owner._shared = {s: t for s, t in owner._shared.items() if t != handle}
                    owner._named = {r: t for r, t in owner._named.items() if t != handle}
                    self._drop(h, how)
                    return

    def release(self, keep: Collection[str] = ()) -> None:
        """Drop the outermost run's shared tables except those whose ``kind`` is in ``keep``."""
        root = self.root
        for handle in [t for t in root._shared.values() if t.kind not in keep]:
            root.drop(handle)

    def close(self) -> None:
        while self._owned:
            handle, how = self._owned.pop()
            self._drop(handle, how)
        self._shared.clear()
        self._named.clear()

    def _drop(self, handle: ScratchTable, how: str) -> None:
        if how == "arrow":
            self.engine.unregister(handle.name)
        else:
            self.engine.drop_scratch(handle.name, view=how == "view")

    # -- issue 13, second part: small values a run computes once -----------------------------------
    _values: dict[str, Any] = field(default_factory=dict)

    def remember(self, key: str, compute: Callable[[], V]) -> V:
        """A small value (not a table) computed once for the outermost run and kept until it ends, keyed
        by ``key``, which must name everything it depends on (e.g. the case's data version)."""
        root = self.root
        if key not in root._values:
            root._values[key] = compute()
        value: V = root._values[key]
        return value


class RunStack:
    """An engine's open runs, innermost last (one engine is used by one thread at a time)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._open: list[Run] = []

    @property
    def current(self) -> Run | None:
        return self._open[-1] if self._open else None

    @contextmanager
    def run(self) -> Iterator[Run]:
        run = Run(self._engine, self.current)
        self._open.append(run)
        try:
            yield run
        finally:
            self._open.remove(run)
            run.close()
