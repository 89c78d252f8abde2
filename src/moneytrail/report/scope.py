"""Which part of a case a report shows: a focus entity's neighbourhood, or the top findings'.

A case of millions of transactions cannot be drawn; the report picks seed accounts (the focus, or
what the strongest findings rest on) and widens them hop by hop along the heaviest money flows,
capped so the browser stays fast.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa

from moneytrail.store import Case
from moneytrail.store.entities import account_holders_sql, entity_names_sql


class ReportError(ValueError):
    """The report cannot be built as asked (e.g. the focus names nothing in the case)."""


@dataclass
class Scope:
    accounts: list[str]
    focus: str | None = None
    hops: int = 1
    complete: bool = True  # every account of the case is shown
    seed_accounts: list[str] = field(default_factory=list)
    top_finding_ids: list[str] = field(default_factory=list)


def focus_accounts_sql() -> str:
    """Accounts a focus term names: the account itself, or accounts held by the entity, found by raw or
    canonical id or by an exact name, so any of an entity's resolved identities leads to its accounts.
    Takes the term five times as parameters."""
    canonical_of_named = (
        f"SELECT coalesce(c.canonical_id, n.entity_id) FROM ({entity_names_sql()}) n "
        "LEFT JOIN entity_canonical c ON c.entity_id = n.entity_id WHERE lower(n.name) = lower(?)")
    return (
        "SELECT account_key FROM accounts WHERE account_key = ? "
        f"UNION SELECT h.account_key FROM ({account_holders_sql()}) h WHERE h.entity_id = ? "
        f"OR h.entity_id IN (SELECT canonical_id FROM entity_canonical WHERE entity_id = ?) "
        f"OR h.entity_id IN ({canonical_of_named}) "
        "UNION SELECT a.account_key FROM accounts a WHERE a.holder_entity_id = ?"
    )


def finding_seed_accounts_sql(finding_table: str) -> str:
    """Accounts the given findings rest on: referenced accounts, the ends of referenced transactions,
    and accounts held by referenced entities."""
    return (
        f"SELECT r.ref_id AS account_key FROM finding_refs r JOIN {finding_table} f ON f.finding_id = r.finding_id "
        "WHERE r.ref_kind = 'account' "
        f"UNION SELECT t.from_account FROM transactions t JOIN finding_refs r ON r.ref_id = t.txn_id "
        f"JOIN {finding_table} f ON f.finding_id = r.finding_id WHERE r.ref_kind = 'transaction' "
        f"UNION SELECT t.to_account FROM transactions t JOIN finding_refs r ON r.ref_id = t.txn_id "
        f"JOIN {finding_table} f ON f.finding_id = r.finding_id WHERE r.ref_kind = 'transaction' "
        f"UNION SELECT h.account_key FROM ({account_holders_sql()}) h JOIN finding_refs r ON r.ref_id = h.entity_id "
        f"JOIN {finding_table} f ON f.finding_id = r.finding_id WHERE r.ref_kind = 'entity'"
    )


def neighbour_edges_sql(frontier_table: str, limit: int) -> str:
    """The heaviest aggregated flows touching the frontier accounts."""
    return (
        "SELECT from_account, to_account, sum(coalesce(amount_rc, amount)) AS total FROM transactions "
        f"WHERE from_account IN (SELECT account_key FROM {frontier_table}) "
        f"OR to_account IN (SELECT account_key FROM {frontier_table}) "
        f"GROUP BY from_account, to_account ORDER BY total DESC, from_account, to_account LIMIT {int(limit)}"
    )


def busiest_accounts_sql(limit: int) -> str:
    return (
        "SELECT account_key, sum(total) AS total FROM ("
        "SELECT from_account AS account_key, sum(coalesce(amount_rc, amount)) AS total FROM transactions GROUP BY 1 "
        "UNION ALL SELECT to_account, sum(coalesce(amount_rc, amount)) FROM transactions GROUP BY 1) x "
        f"GROUP BY account_key ORDER BY total DESC, account_key LIMIT {int(limit)}"
    )


def top_findings_sql(limit: int) -> str:
    return f"SELECT finding_id FROM findings ORDER BY score DESC, finding_id LIMIT {int(limit)}"


def choose_scope(case: Case, *, focus: str | None = None, hops: int | None = None, max_nodes: int = 250,
                 top_findings: int = 25, seed_findings: list[str] | None = None) -> Scope:
    """Pick the accounts to draw. A small unfocused case is shown whole. ``seed_findings`` (the report's
    key findings, in rank order) seed the scope; without them, the highest-scored findings do."""
    if hops is not None and hops < 0:
        raise ReportError(f"hops must be 0 or more, got {hops}")
    e = case.engine
    top_ids = list(seed_findings) if seed_findings else [str(r[0]) for r in e.rows(top_findings_sql(top_findings))]
    # Counting the accounts seen in transactions scans them all; skip it when the accounts table
    # alone already shows the case is too big to draw whole.
    n_accounts = case.count("accounts")
    if n_accounts <= max_nodes:
        n_accounts = int(e.scalar(
            "SELECT count(*) FROM (SELECT account_key FROM accounts UNION SELECT from_account FROM transactions "
            "UNION SELECT to_account FROM transactions) a"))
    if focus is None and n_accounts <= max_nodes:
        every = [str(r[0]) for r in e.rows(
            "SELECT account_key FROM accounts UNION SELECT from_account FROM transactions "
            "UNION SELECT to_account FROM transactions ORDER BY 1")]
        return Scope(accounts=every, hops=hops or 0, complete=True, top_finding_ids=top_ids)
    if focus is not None:
        seeds = [str(r[0]) for r in e.rows(focus_accounts_sql() + " ORDER BY 1", [focus] * 5)]
        if not seeds:
            raise ReportError(f"focus {focus!r}: no account, entity id or entity name in the case matches")
    else:
        with e.run() as run:
            top = run.arrow(pa.table({"finding_id": pa.array(top_ids, pa.string())}), hint="top").name
            seeds = [str(r[0]) for r in e.rows(finding_seed_accounts_sql(top) + " ORDER BY 1")]
        seeds = seeds[:max_nodes] or [str(r[0]) for r in e.rows(busiest_accounts_sql(min(20, max_nodes)))]
    selected = _widen(case, seeds, hops if hops is not None else 1, max_nodes)
    return Scope(accounts=selected, focus=focus, hops=hops if hops is not None else 1,
                 complete=len(selected) >= n_accounts, seed_accounts=seeds, top_finding_ids=top_ids)


def _widen(case: Case, seeds: list[str], hops: int, max_nodes: int) -> list[str]:
    """Breadth-first over the heaviest flows; loops over hops, each hop is one SQL scan."""
    selected = list(dict.fromkeys(seeds))
    seen = set(selected)
    frontier = list(selected)
    for _ in range(hops):
        room = max_nodes - len(selected)
        if room <= 0 or not frontier:
            break
        with case.engine.run() as run:
            reached = run.arrow(pa.table({"account_key": pa.array(frontier, pa.string())}), hint="frontier").name
            edges = case.engine.rows(neighbour_edges_sql(reached, limit=max(room * 4, 50)))
        frontier = []
        for src, dst, _total in edges:
            for acct in (str(src), str(dst)):
                if acct not in seen and len(selected) < max_nodes:
                    seen.add(acct)
                    selected.append(acct)
                    frontier.append(acct)
    return selected
