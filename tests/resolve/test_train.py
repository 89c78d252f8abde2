from __future__ import annotations

import numpy as np

from moneytrail.resolve.model import COMPARISONS, DEFAULT_MODEL
from moneytrail.resolve.train import TrainParams, name_em


def test_birth_dates_as_the_only_evidence_are_trained_beside_the_names() -> None:
    """A case whose only evidence is a birth date: EM on names and dates together estimates the
    date's m (a match's dates agree), instead of keeping the starting model's hand-set m."""
    person, date = COMPARISONS.index("person_name"), COMPARISONS.index("birth_date")
    rows = []  # (name level, date level, count)
    rows += [(0, 0, 1400), (1, 0, 600), (0, -1, 700), (1, -1, 300)]  # matches: dates always agree
    rows += [(1, 4, 3800), (2, 4, 5800), (1, 0, 2), (2, 1, 30), (1, -1, 1600), (2, -1, 2400)]  # non-matches
    patterns = np.full((len(rows), len(COMPARISONS)), -1, np.int64)
    patterns[:, person] = [r[0] for r in rows]
    patterns[:, date] = [r[1] for r in rows]
    counts = np.array([r[2] for r in rows], float)
    u = {c.name: c.u for c in DEFAULT_MODEL.comparisons}
    u["birth_date"] = (6e-5, 0.0016, 0.017, 0.012, 0.96932)
    start = DEFAULT_MODEL.with_parameters({}, u, 0.2, {})
    m, _, share, _, post = name_em(patterns, counts, np.full(len(rows), np.nan), start, TrainParams(),
                                   also=(date,), also_on=patterns[:, person] <= 3)
    assert m["birth_date"][0] > 0.95  # the starting model's m for an equal date is 0.04
    assert abs(sum(m["birth_date"]) - 1.0) < 1e-9
    assert 0.15 < share < 0.25  # 3,000 matches among 16,632 candidates
    assert post[0] > 0.99 and post[4] < 0.01
