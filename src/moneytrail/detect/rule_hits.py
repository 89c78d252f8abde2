"""Which rule detectors cite each payment: inputs of the typology model (``learn_typology``).

A payment a fan-in rule finding cites is likelier part of a fan-in, but the rules flood (fan-in findings are
2-14% laundering on the AMLworld mixes), so their hits are inputs the typology model weighs, not answers. One
column per typology, counting the rule findings of that typology or of a weaker variant of it
(``cycle-structural`` counts for ``cycle``) that cite the payment. Rule findings read the case's payments,
never labels; on the test part of a split they read its payments and earlier ones.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from moneytrail.store import Case

# Weaker variants of a typology are registered as TYPOLOGY-VARIANT (``cycle-structural``, ``fan-in-long``,
# ``bipartite-busy``): they count for their typology (here and in ``detect.evaluate``).
VARIANT_SUFFIXES = ("structural", "long", "busy")


def base_typology(name: str) -> str:
    """'fan-in-long' -> 'fan-in'."""
    head, _, suffix = name.rpartition("-")
    return head if head and suffix in VARIANT_SUFFIXES else name


def rule_typologies(case: Case) -> list[str]:
    """The base typologies of the stored rule findings, in name order."""
    return sorted({base_typology(str(r[0])) for r in case.engine.rows(
        "SELECT DISTINCT typology FROM findings WHERE kind = 'typology'")})


def hits_sql() -> str:
    """(txn_id, typology, n): rule findings of each typology citing each payment."""
    return ("SELECT r.ref_id AS txn_id, f.typology, count(DISTINCT f.finding_id) AS n FROM findings f "
            "JOIN finding_refs r ON r.finding_id = f.finding_id "
            "WHERE f.kind = 'typology' AND r.ref_kind = 'transaction' GROUP BY r.ref_id, f.typology")


def hit_matrix(case: Case, txn_ids: pa.Array | pa.ChunkedArray, typologies: list[str]) -> np.ndarray:
    """(rows, len(typologies)) float32: per payment of ``txn_ids``, the rule findings of each typology (or a
    variant of it) citing it."""
    out = np.zeros((len(txn_ids), len(typologies)), dtype=np.float32)
    if not typologies or not len(txn_ids):
        return out
    hits = case.engine.query(hits_sql())
    row = pc.index_in(hits.column("txn_id").cast(pa.string()), value_set=txn_ids.cast(pa.string()))
    kinds = pc.unique(hits.column("typology").cast(pa.string()))  # a few names: mapped one by one
    kind_col = np.array([typologies.index(base_typology(k)) if base_typology(k) in typologies else -1
                         for k in kinds.to_pylist()] + [-1], dtype=np.int64)
    which = pc.index_in(hits.column("typology").cast(pa.string()), value_set=kinds)
    col = kind_col[np.asarray(pc.fill_null(which, len(kinds)).to_numpy(zero_copy_only=False), dtype=np.int64)]
    at = np.asarray(pc.fill_null(row, -1).to_numpy(zero_copy_only=False), dtype=np.int64)
    keep = (at >= 0) & (col >= 0)
    np.add.at(out, (at[keep], col[keep]), hits.column("n").to_numpy().astype(np.float32)[keep])
    return out
