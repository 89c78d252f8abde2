"""Which labelled attempts share their accounts with attempts of other typologies at the same time.

A typology claim reads structure: who pays whom among the flagged payments, in what order. When the same
account, in the same role, carries payments of two attempts of different typologies within a day (on the
AMLworld mixes a handful of laundering accounts carry attempts of every typology at once: a fan-out from
one hub running beside the scatter half of a gather-scatter from the same hub to the same receivers), those
payments look alike, and which attempt a payment belongs to cannot be read from the graph. This measures
it, so attempt recall by typology can be printed apart for attempts that are entangled and for those that
are clear.

A labelled payment is *entangled* when a labelled payment of an attempt of another typology has the same
sender or the same receiver within ``HOURS`` of it (anywhere in the case); an attempt is entangled when at
least half of its payments in scope are (the crediting rule's half: ``evaluate.attempts_found_sql``). Reads
labels: for evaluation only, never an input of a model.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from moneytrail.detect.evaluate import attempts_found_sql
from moneytrail.detect.truth import truth_tables
from moneytrail.store import Case

HOURS = 24.0


def labelled_payments_sql(truth: str, epoch: str) -> str:
    """(attempt_id, typology, txn_id, s, r, t) of every labelled payment; ``epoch`` is SQL over ``x.ts``."""
    return (f"SELECT l.attempt_id, l.typology, x.txn_id, x.from_account AS s, x.to_account AS r, {epoch} AS t "
            f"FROM {truth} l JOIN transactions x ON x.txn_id = l.txn_id")


def entangled_sql(labelled: str, scoped: str, hours: float) -> str:
    """(attempt_id, n, k): per attempt, its payments in ``scoped`` (a truth table) and how many are entangled."""
    return f"""SELECT p.attempt_id, count(DISTINCT p.txn_id) AS n,
  count(DISTINCT CASE WHEN q.txn_id IS NOT NULL THEN p.txn_id END) AS k
FROM {labelled} p JOIN {scoped} s ON s.txn_id = p.txn_id AND s.attempt_id = p.attempt_id
LEFT JOIN {labelled} q ON q.typology <> p.typology AND q.t BETWEEN p.t - {hours * 3600:.0f} AND p.t + {hours * 3600:.0f}
  AND (q.s = p.s OR q.r = p.r)
GROUP BY p.attempt_id"""


def entangled_recall(case: Case, window: tuple[datetime | None, datetime | None] | None = None,
                     hours: float = HOURS) -> dict[str, dict[str, Any]]:
    """Per typology of the truth loaded in the open run (attempts cut to ``window``, as ``evaluate`` cuts them):
    attempts, entangled ones, and how many of the clear and of the entangled ones the rules of that typology
    or the learner's findings naming it find (``found_learned``)."""
    eng = case.engine
    loaded = str(truth_tables(case).txn)
    start, end = window if window is not None else (None, None)
    with eng.run() as run:
        scope = run.materialise("SELECT txn_id FROM transactions WHERE (? IS NULL OR ts >= ?) "
                                "AND (? IS NULL OR ts < ?)", [start, start, end, end], hint="entangled_scope").name
        scoped = run.materialise(f"SELECT * FROM {loaded} WHERE txn_id IN (SELECT txn_id FROM {scope})",
                                 hint="entangled_truth").name
        labelled = run.materialise(labelled_payments_sql(loaded, eng.dialect.epoch_seconds_sql("x.ts")),
                                   hint="entangled_labelled").name
        tangled = "2 * e.k >= e.n"
        rows = eng.rows(f"""SELECT f.typology, count(*), sum(CASE WHEN {tangled} THEN 1 ELSE 0 END),
  sum(CASE WHEN {tangled} THEN 0 ELSE f.found_learned END), sum(CASE WHEN {tangled} THEN f.found_learned ELSE 0 END)
FROM ({attempts_found_sql(scoped, scope)}) f JOIN ({entangled_sql(labelled, scoped, hours)}) e
  ON e.attempt_id = f.attempt_id GROUP BY f.typology ORDER BY 1""")
    return {str(t): {"attempts": int(n), "entangled": int(e or 0), "found_clear": int(fc or 0),
                     "found_entangled": int(fe or 0)} for t, n, e, fc, fe in rows}
