"""Shared pieces of the detectors: the edge view they all read, and turning member rows into findings.

A run (``prepared_edges``) materialises the edges once; aggregates several detectors need — transfers
per account, counterparties per hub — are built once per run too (``shared_table``, keyed by their SQL),
so at 5M transactions the detectors do not each rescan the whole table for the same numbers.

A detector's SQL yields *member rows* ``(group_key, txn_id, from_role, to_role)`` — which transactions
make up each candidate pattern and what part each end plays — plus one *group row* per candidate with
its score and metrics. ``build_findings`` fetches the member transactions (a small extract), and
builds one Finding per group citing every transaction, account and source it rests on.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pyarrow as pa

from moneytrail.engine.columns import python_values
from moneytrail.engine.dialect import Dialect
from moneytrail.engine.scratch import Run
from moneytrail.model.finding import Finding, FindingRef
from moneytrail.store import Case


def day_number_sql(ts_expr: str) -> str:
    """Whole days since 1970-01-01 (an integer day bucket), as the engine's dialect writes it.

    Detectors' SQL builders are pure functions without an engine at hand; they are only ever run inside
    ``prepared_edges``, which binds the run's engine dialect for them (``_RUN``)."""
    return _bound().dialect.day_number_sql(ts_expr)


def text_sql(expr: str) -> str:
    """``expr`` as text, as the run's engine dialect writes it (see ``day_number_sql``)."""
    return _bound().dialect.text_sql(expr)


def amount_sql(alias: str = "") -> str:
    """The amount in the reporting currency, falling back to the booked amount when not converted."""
    p = f"{alias}." if alias else ""
    return f"coalesce({p}amount_rc, {p}amount)"


@dataclass(frozen=True)
class _Binding:
    """The detect run the current context works in: its engine's dialect and its edge table's name."""

    dialect: Dialect
    edges: str
    run: Run


# Context-local (like decimal's context), not shared state: each thread or task sees its own run, and
# the binding is reset when the run ends. The tables themselves belong to the engine's run.
_RUN: ContextVar[_Binding | None] = ContextVar("moneytrail_detect_run", default=None)
_EDGES_ROLE = "detect-edges"


def _bound() -> _Binding:
    binding = _RUN.get()
    if binding is None:
        raise RuntimeError("detector SQL is built inside prepared_edges (or a @uses_edges detect) only")
    return binding


def all_edges_sql(dialect: Dialect | None = None) -> str:
    """Every transfer between two different accounts, with its day bucket and comparable amount."""
    day = (dialect or _bound().dialect).day_number_sql("ts")
    return (
        f"SELECT txn_id, ts, from_account AS src, to_account AS dst, {amount_sql()} AS amt, amount AS booked, "
        f"{day} AS d, channel, source_id FROM transactions WHERE from_account <> to_account"
    )


def account_activity_sql() -> str:
    """(account, n_txns, n_edges): transactions touching each account at either end (a transfer to
    itself counts twice), and how many of them are edges (``all_edges_sql`` with a non-negative amount).
    Detectors share it (``shared_table``) to tell busy accounts — merchants, payroll — from mules."""
    edge = f"CASE WHEN from_account <> to_account AND {amount_sql()} >= 0.0 THEN 1 ELSE 0 END"
    return (f"SELECT account, count(*) AS n_txns, sum(edge) AS n_edges FROM (SELECT from_account AS account, "
            f"{edge} AS edge FROM transactions UNION ALL SELECT to_account AS account, {edge} AS edge "
            "FROM transactions) a GROUP BY account")


def account_activity_table(case: Case) -> str:
    """The run's shared table of ``account_activity_sql`` (kind "activity", for ``shared_kinds``)."""
    return shared_table(case, account_activity_sql(), "activity")


def edges_table() -> str:
    """Name of the edge table of the current run (engine-picked; see ``prepared_edges``)."""
    return _bound().edges


def edges_sql(min_amount: float = 0.0) -> str:
    """The edges prepared for this run (see ``prepared_edges``), at least ``min_amount`` each."""
    return f"SELECT * FROM {edges_table()} WHERE amt >= {float(min_amount)!r}"


@contextmanager
def prepared_edges(case: Case) -> Iterator[Run]:
    """Materialise the edges once for all detectors of a run (re-entrant); dropped with the run.

    The edge table and every table shared through ``shared_table`` belong to one engine run
    (``Engine.run()``), so they are dropped when it ends, also after an error, and two runs on one
    connection never share a name."""
    binding = _RUN.get()
    if binding is not None and binding.run.engine is case.engine:
        yield binding.run
        return
    with case.engine.run() as run:
        edges = run.name(_EDGES_ROLE, run.materialise(all_edges_sql(case.engine.dialect), hint="edges"))
        token = _RUN.set(_Binding(case.engine.dialect, edges.name, run))
        try:
            yield run
        finally:
            _RUN.reset(token)


def _run_of(case: Case) -> Run:
    binding = _RUN.get()
    if binding is None or binding.run.engine is not case.engine:
        raise RuntimeError("shared_table is only available inside prepared_edges (or a @uses_edges detect)")
    return binding.run


def run_data_version(case: Case) -> str:
    """The case's data version as of the current run, read once per run (``Case.data_version`` scans the
    transactions): the run's edge table is a snapshot of the data, so its findings rest on that version."""
    return _run_of(case).remember(f"data_version@{edges_table()}", case.data_version)


def shared_table(case: Case, sql: str, kind: str = "") -> str:
    """Name of a scratch table holding the result of ``sql``, built once per prepared run and dropped with
    it. Detectors asking for the same SQL text share one table (fan-in and gather-scatter both need each
    hub's counterparties), so a run scans the edges for it once (``Run.materialise(shared=True)``).
    ``kind`` names what it is for ``release_shared`` (detectors list the kinds they read in
    ``shared_kinds``)."""
    return _run_of(case).materialise(sql, shared=True, kind=kind).name


def release_shared(case: Case, keep: Collection[str] = ()) -> None:
    """Drop the run's shared tables except those of the kinds in ``keep`` (what detectors still to run
    read), so their memory is free for the rest of the run. A dropped table is rebuilt if asked again."""
    binding = _RUN.get()
    if binding is not None and binding.run.engine is case.engine:
        binding.run.release(keep)


Detect = Callable[[Any, Case, Mapping[str, Any]], list[Finding]]


def uses_edges(method: Detect) -> Detect:
    """Decorate a detector's ``detect`` so it can run alone as well as inside ``run_detectors``."""
    @functools.wraps(method)
    def wrapper(self: Any, case: Case, params: Mapping[str, Any]) -> list[Finding]:
        with prepared_edges(case):
            return method(self, case, params)
    return wrapper


def case_days_sql() -> str:
    """Number of days the case's transactions span (at least 1)."""
    return (f"SELECT greatest(max({day_number_sql('ts')}) - min({day_number_sql('ts')}) + 1, 1) "
            "FROM transactions")


def quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


class DisjointSets:
    """Union-find over 0..n-1, for grouping small extracted candidate sets (bipartite blocks, stacks)."""

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


@dataclass(slots=True)
class Member:
    txn_id: str
    ts: datetime
    src: str
    dst: str
    amount: float
    currency: str
    source_id: str
    from_role: str
    to_role: str


@dataclass
class Group:
    """One candidate pattern: its metrics (from the group row) and its member transactions."""

    key: str
    score: float
    metrics: dict[str, Any]
    members: list[Member] = field(default_factory=list)

    @property
    def start(self) -> datetime:
        return min(m.ts for m in self.members)

    @property
    def end(self) -> datetime:
        return max(m.ts for m in self.members)

    def accounts(self, role: str) -> list[str]:
        found = {m.src for m in self.members if m.from_role == role}
        found |= {m.dst for m in self.members if m.to_role == role}
        return sorted(found)

    def flows(self, from_role: str | None = None, to_role: str | None = None) -> list[Member]:
        return [m for m in self.members if (from_role is None or m.from_role == from_role)
                and (to_role is None or m.to_role == to_role)]


TXN_AMOUNTS = "_txn_amounts"
Explain = Callable[[Group, str], tuple[str, str]]


def weigh_groups(groups: pa.Table, weight: float, variant: tuple[str, str] | None) -> pa.Table:
    """A weaker variant's group rows: scores times ``weight``, tagged with the variant's name and the
    typology it varies (``variant``), so its findings say what they are."""
    if variant is None:
        return groups
    scores = [float(x) * weight for x in groups.column("score").to_pylist()]
    out = groups.set_column(groups.column_names.index("score"), "score", pa.array(scores, pa.float64()))
    n = out.num_rows
    return out.append_column("variant", pa.array([variant[0]] * n, pa.string())).append_column(
        "variant_of", pa.array([variant[1]] * n, pa.string()))


def with_caveat(explain: Explain, caveat: str) -> Explain:
    """``explain`` with ``caveat`` (why a weaker variant's finding is weaker) after its text."""
    def wrapped(group: Group, currency: str) -> tuple[str, str]:
        title, text = explain(group, currency)
        return title, text + caveat
    return wrapped


def build_findings_from_arrow(case: Case, typology: str, groups: pa.Table, members: pa.Table, *, name: str,
                              explain: Explain, params: Mapping[str, Any], query: str) -> list[Finding]:
    """``build_findings`` over group and member tables assembled in Python from a small extract; they are
    registered with the engine only while the findings are read."""
    with case.engine.run() as run:
        group_rows, member_rows = run.arrow(groups), run.arrow(members)
        return build_findings(case, typology, f"SELECT * FROM {group_rows}", f"SELECT * FROM {member_rows}",
                              explain=explain, params=params, limit=int(params["max_findings"]), query=query)


def build_findings(case: Case, typology: str, groups_sql: str, members_sql: str, *, explain: Explain,
                   params: Mapping[str, Any], query: str, limit: int) -> list[Finding]:
    """Findings for the ``limit`` best groups.

    ``groups_sql`` yields ``(group_key, score, ...metrics)``; ``members_sql`` yields
    ``(group_key, txn_id, from_role, to_role)``. ``explain(group, currency)`` gives title and text.
    """
    engine = case.engine
    table = engine.query(f"SELECT * FROM ({groups_sql}) g ORDER BY score DESC, group_key LIMIT {int(limit)}")
    if table.num_rows == 0:
        return []
    groups: dict[str, Group] = {}
    for row in table.to_pylist():
        key = str(row.pop("group_key"))
        score = float(row.pop("score"))
        groups[key] = Group(key, score, row)
    with engine.run() as run:
        chosen = run.arrow(table.select(["group_key"]))
        members = engine.query(
            "SELECT DISTINCT m.group_key, t.txn_id, t.ts, t.from_account, t.to_account, "
            f"{amount_sql('t')} AS amt, t.currency, t.source_id, m.from_role, m.to_role "
            f"FROM ({members_sql}) m JOIN {chosen} g ON g.group_key = m.group_key "
            "JOIN transactions t ON t.txn_id = m.txn_id ORDER BY m.group_key, t.ts, t.txn_id, m.from_role, m.to_role")
    # Column-wise: far cheaper than a dict per row on the hundreds of thousands of member rows.
    cols = [python_values(members.column(n)) for n in ("group_key", "txn_id", "ts", "from_account", "to_account",
                                                        "amt", "currency", "source_id", "from_role", "to_role")]
    seen: set[tuple[str, str]] = set()
    for key, txn, ts, src, dst, amt, cur, sid, from_role, to_role in zip(*cols, strict=True):
        # One transfer reached through two roles: keep the first in role order, so runs agree.
        if (key, txn) in seen:
            continue
        seen.add((key, txn))
        groups[str(key)].members.append(Member(str(txn), ts, str(src), str(dst), float(amt), str(cur), str(sid),
                                               str(from_role), str(to_role)))
    currency = case.reporting_currency
    findings = []
    for group in groups.values():
        if not group.members:
            continue
        title, explanation = explain(group, currency)
        findings.append(Finding(
            kind="typology", typology=typology, title=title, explanation=explanation,
            score=round(group.score, 6), refs=group_refs(group), params=dict(params), query=query,
            start=group.start, end=group.end,
            amount=round(sum(m.amount for m in group.members), 2), currency=currency,
            details={"group": group.key, "metrics": group.metrics,
                     "transactions": len(group.members),
                     # Read (and dropped) by merge.py to total merged findings without double counting.
                     TXN_AMOUNTS: {m.txn_id: m.amount for m in group.members}}))
    return findings


def group_refs(group: Group) -> list[FindingRef]:
    """Every account (with its role), source and transaction of the group, deduplicated, in order."""
    accounts = {(m.src, m.from_role) for m in group.members} | {(m.dst, m.to_role) for m in group.members}
    sources = {m.source_id for m in group.members}
    txns = {m.txn_id: f"{m.from_role}->{m.to_role}" for m in group.members}
    return ([FindingRef("account", a, role) for a, role in sorted(accounts)]
            + [FindingRef("source", s, "source") for s in sorted(sources)]
            + [FindingRef("transaction", t, txns[t]) for t in sorted(txns)])


def money(amount: float, currency: str) -> str:
    return f"{amount:,.0f} {currency}"


def span_text(start: datetime, end: datetime) -> str:
    """'3 days', '6 hours', '25 minutes': how long something took, for explanations."""
    seconds = (end - start).total_seconds()
    if seconds >= 2 * 86400:
        return f"{seconds / 86400:.0f} days"
    if seconds >= 2 * 3600:
        return f"{seconds / 3600:.0f} hours"
    return f"{max(seconds / 60, 1):.0f} minutes"


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def short_list(items: Sequence[str], n: int = 3) -> str:
    shown = ", ".join(items[:n])
    return shown + (f" and {len(items) - n} more" if len(items) > n else "")
