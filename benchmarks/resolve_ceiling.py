"""The ceiling of the scale part: the best pairwise recall any method could reach at a precision floor.

An oracle that knows every identity (its given name, surname and birth date, and how the generator
spells a name in each script) still cannot place a record whose fields fit several identities: an
initial and a surname without a birth date ("K. Darkaim"), or an Arabic spelling without short
vowels that two surnames share. For each record the oracle lists the identities whose spellings
(5 variants x 2 orders) produce exactly its name and whose birth date its date does not contradict,
with each one's likelihood (the variant's and the order's shares). A record with one such identity
is placed for certain. An ambiguous one goes to its most likely identity only when that
identity's posterior reaches a threshold; the ceiling is the best recall over thresholds at which
the oracle's pairwise precision stays at or above the floor. It is an upper bound: no method
knows the identity table, only the records.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


@dataclass(frozen=True)
class Ceiling:
    records: int
    ambiguous_records: int  # fit two or more identities
    true_pairs: int
    certain_pairs: int  # true pairs whose two records each fit one identity only
    recall: float  # best recall at precision >= floor
    precision: float
    threshold: float  # the posterior an ambiguous record needed to be placed


def _pairs(labels: np.ndarray, truth: np.ndarray) -> tuple[int, int]:
    """(pairs in one cluster, of which true) for cluster labels and true identities."""
    _, sizes = np.unique(labels, return_counts=True)
    _, same = np.unique(np.stack([labels, truth]), axis=1, return_counts=True)
    return int((sizes * (sizes - 1) // 2).sum()), int((same * (same - 1) // 2).sum())


def oracle_ceiling(people: Any, ident: np.ndarray, table: pa.Table, variant_shares: tuple[float, ...],
                   swap_share: float, floor: float = 0.95) -> Ceiling:
    """``people``: the benchmark's ``ScaleIdentities``; ``ident``: each record's identity (records
    r0..rN-1 in order); ``table``: the statements (name and birthDate per record)."""
    rows = len(ident)
    present = np.unique(ident)
    variants, orders = len(variant_shares), 2
    who = np.repeat(present, variants * orders)
    variant = np.tile(np.repeat(np.arange(variants), orders), len(present))
    swap = np.tile(np.array([False, True]), len(present) * variants)
    likelihood = np.asarray(variant_shares)[variant] * np.where(swap, swap_share, 1 - swap_share)
    # Compared case-folded: the generator writes typo variants in lower case, a tell no real source gives.
    forms = pa.table({"name": pc.utf8_lower(pa.array(people.names(who, variant, swap).astype(str))), "who": who,
                      "birth": people.birth[who].astype(str), "lik": likelihood})
    forms = forms.group_by(["name", "who", "birth"]).aggregate([("lik", "sum")])  # one string, two ways
    names = table.filter(pc.equal(table.column("prop"), "name"))
    dobs = table.filter(pc.equal(table.column("prop"), "birthDate"))
    record = pa.table({"rec": np.arange(rows), "name": pc.utf8_lower(names.column("value")),
                       "dob": dobs.column("value")})
    fits = record.join(forms, "name", join_type="inner")
    fits = fits.filter(pc.or_(pc.equal(fits.column("dob"), ""), pc.equal(fits.column("dob"), fits.column("birth"))))
    rec = fits.column("rec").to_numpy()
    cand = fits.column("who").to_numpy()
    lik = fits.column("lik_sum").to_numpy()
    order = np.lexsort((cand, -lik, rec))  # per record: most likely first, ties to the lowest identity
    rec, cand, lik = rec[order], cand[order], lik[order]
    first = np.concatenate([[True], rec[1:] != rec[:-1]])
    total = np.bincount(rec, weights=lik, minlength=rows)
    count = np.bincount(rec, minlength=rows)
    best = np.full(rows, -1, np.int64)
    best[rec[first]] = cand[first]
    posterior = np.zeros(rows)
    posterior[rec[first]] = lik[first] / total[rec[first]]
    sizes = np.bincount(ident)
    true_pairs = int((sizes * (sizes - 1) // 2).sum())
    certain = count == 1
    singleton = -1 - np.arange(rows)  # a record the oracle does not place stands alone
    _, certain_true = _pairs(np.where(certain, best, singleton), ident)
    result = Ceiling(rows, int((count > 1).sum()), true_pairs, certain_true, certain_true / max(true_pairs, 1),
                     1.0, 1.0)
    for threshold in sorted({round(float(p), 3) for p in posterior[count > 1]}, reverse=True):
        placed = certain | ((count > 1) & (posterior >= threshold - 1e-9))
        predicted, correct = _pairs(np.where(placed, best, singleton), ident)
        precision, recall = correct / max(predicted, 1), correct / max(true_pairs, 1)
        if precision < floor:
            break
        if recall > result.recall:
            result = Ceiling(rows, result.ambiguous_records, true_pairs, certain_true, recall, precision, threshold)
    return result
