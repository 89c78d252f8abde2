"""How many labelled attempts any one finding could honestly find: the attempt-recall ceiling per typology.

``evaluate`` counts an attempt found when one finding covers at least half of its transactions. A finding
describes one connected structure (a fan, a ring, a block, a chain), so it can cover half of an attempt
only if the attempt's own transactions hold a connected piece (accounts joined by those transactions) of
at least half of them and of at least two transactions. Many AMLworld attempts do not: on HI-Medium, 64
of 355 FAN-IN attempts are one transfer, and every BIPARTITE attempt is a set of disjoint transfers (each
sender and receiver once: the pattern's entities are bipartite, their accounts are not, and the data
names no entities). This is the share of attempts with such a piece, per typology, printed beside the
recall: the most a finding about an attempt's own structure can reach under the same matching rule. An
attempt without one can still be covered by accident, by a finding about other transfers that also cites
its single transfer (on the HI-Medium mix, bipartite-busy so covered 1 of 369 bipartite attempts).

Connected pieces are found by union-find in Python over the extracted truth rows (tens of thousands at
most: the labelled transfers only), not over the case.
"""

from __future__ import annotations

from collections import defaultdict

from moneytrail.detect.truth import truth_tables
from moneytrail.store import Case


def attempt_rows_sql(truth: str) -> str:
    """(attempt_id, typology, from_account, to_account) for every labelled transaction of the loaded truth."""
    return (f"SELECT t.attempt_id, t.typology, x.from_account, x.to_account FROM {truth} t "
            "JOIN transactions x ON x.txn_id = t.txn_id ORDER BY t.attempt_id, x.txn_id")


def largest_piece(edges: list[tuple[str, str]]) -> int:
    """Transactions in the largest connected piece of ``edges`` (accounts joined by the transactions)."""
    parent: dict[str, str] = {}

    def root(a: str) -> str:
        parent.setdefault(a, a)
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for src, dst in edges:
        parent[root(src)] = root(dst)
    sizes: dict[str, int] = defaultdict(int)
    for src, _ in edges:
        sizes[root(src)] += 1
    return max(sizes.values(), default=0)


def attempt_ceilings(case: Case) -> dict[str, dict[str, float | int]]:
    """Per typology of the truth loaded in the open run: attempts, those with a connected piece of at least
    half of their transactions and at least two (``findable``), and that share (``ceiling``)."""
    by_attempt: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    for attempt, typology, src, dst in case.engine.rows(attempt_rows_sql(str(truth_tables(case).txn))):
        by_attempt[(str(attempt), str(typology))].append((str(src), str(dst)))
    out: dict[str, dict[str, float | int]] = {}
    for (_, typology), edges in by_attempt.items():
        piece = largest_piece(edges)
        row = out.setdefault(typology, {"attempts": 0, "findable": 0, "ceiling": 0.0})
        row["attempts"] = int(row["attempts"]) + 1
        row["findable"] = int(row["findable"]) + int(piece >= 2 and 2 * piece >= len(edges))
    for row in out.values():
        row["ceiling"] = int(row["findable"]) / int(row["attempts"])
    return dict(sorted(out.items()))


def flagged_accounts_sql() -> str:
    """(typology, accounts): distinct accounts the findings of each typology (and variant) cite, beside the
    case's accounts (typology NULL): how much of the case a rule flags, so a flood shows beside its recall."""
    return ("SELECT f.typology, count(DISTINCT r.ref_id) AS accounts FROM findings f JOIN finding_refs r "
            "ON r.finding_id = f.finding_id WHERE f.kind = 'typology' AND r.ref_kind = 'account' GROUP BY f.typology "
            "UNION ALL SELECT NULL, count(DISTINCT a) FROM (SELECT from_account AS a FROM transactions "
            "UNION ALL SELECT to_account FROM transactions) x")


def flagged_account_shares(case: Case) -> dict[str, float]:
    """Per finding typology: the share of the case's accounts its findings cite."""
    rows = case.engine.rows(flagged_accounts_sql())
    total = max((int(n) for t, n in rows if t is None), default=0)
    return {str(t): int(n) / total for t, n in rows if t is not None and total}
