"""Scoring a resolution against planted truth: identities that should merge, confusables that should not."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from moneytrail.store.case import Case


@dataclass(frozen=True)
class TruthScore:
    identities: int
    merged: int  # identities whose records all share one canonical id
    confusables: int
    kept_apart: int
    precision: float  # over pairs of records that truth speaks about
    recall: float
    missed: tuple[tuple[str, ...], ...]
    wrongly_merged: tuple[tuple[str, str], ...]


def evaluate_truth(case: Case, identities: Sequence[Sequence[str]], confusables: Sequence[Sequence[str]]) -> TruthScore:
    """Pairwise precision/recall over the records named by truth: a pair inside one identity is a
    true match, a confusable pair (or two records of different identities) a true non-match."""
    named = sorted({e for group in identities for e in group} | {e for pair in confusables for e in pair})
    mapping = {str(a): str(b) for a, b in case.engine.rows("SELECT entity_id, canonical_id FROM entity_canonical")}
    canon = {e: mapping.get(e, e) for e in named}
    identity_of = {e: i for i, group in enumerate(identities) for e in group}
    tp = fp = fn = 0
    for i, a in enumerate(named):
        for b in named[i + 1:]:
            truth = a in identity_of and identity_of.get(b) == identity_of[a]
            predicted = canon[a] == canon[b]
            tp += truth and predicted
            fp += predicted and not truth
            fn += truth and not predicted
    missed = tuple(tuple(g) for g in identities if len({canon[e] for e in g}) > 1)
    wrong = tuple((str(a), str(b)) for a, b in confusables if canon[a] == canon[b])
    return TruthScore(len(identities), len(identities) - len(missed), len(confusables), len(confusables) - len(wrong),
                      tp / (tp + fp) if tp + fp else 1.0, tp / (tp + fn) if tp + fn else 1.0, missed, wrong)
