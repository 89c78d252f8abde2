"""Scores of the pairs of normalised names no key settled (``comparisons.residual_names_sql``'s rows).

Pure computation, no engine, so ``comparisons.compare_pairs`` runs it in a thread beside engine work:
people column-wise (``resolve.name_alignment``), organisations one pair at a time by
``model.names.compare_names``, whose legal-form rules have no array form.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pyarrow as pa
import pyarrow.compute as pc

from moneytrail.model.names import compare_names
from moneytrail.resolve.features import PERSON_GROUP
from moneytrail.resolve.name_alignment import compare_person_names_ruled

_SCORES = [("score", pa.float64()), ("detail", pa.string()), ("vowels", pa.bool_()), ("initial", pa.bool_())]


def score_names(residual: pa.Table, *, details: bool = True, batch_size: int = 500_000) -> pa.Table:
    """Name comparison of (grp, left_norm, right_norm, ...) rows: people column-wise
    (``resolve.name_alignment``, in batches of ``batch_size`` that bound its arrays), organisations by
    ``compare_names`` (legal forms); the rows' other columns (their ids) are passed on, with score,
    detail and vowels after them. ``details``: with the token alignment described (for
    explanations), else null. Pure computation, no engine: it may run beside engine work."""
    schema = residual.schema
    for name, kind in _SCORES:
        schema = schema.append(pa.field(name, kind))
    batches = residual.to_batches(max_chunksize=batch_size)
    # two batches at a time: the kernels are numpy/arrow, which release the GIL, and the engine has
    # little to do meanwhile (``comparisons.compare_pairs``); map keeps the batches' order
    with ThreadPoolExecutor(2, thread_name_prefix="mt-score") as pool:
        scored = list(pool.map(lambda batch: _score_batch(batch, details), batches)) if len(batches) > 1 else \
            [_score_batch(batch, details) for batch in batches]
    parts = [part for pair in scored for part in pair]
    if not parts:
        return schema.empty_table()
    return pa.concat_tables([part.cast(schema) for part in parts])


def _score_batch(batch: pa.RecordBatch, details: bool) -> tuple[pa.Table, pa.Table]:
    """One batch of ``score_names``: its people's rows scored, then its organisations'."""
    people = pc.equal(batch.column("grp"), PERSON_GROUP)
    person = pa.Table.from_batches([batch]).filter(people)
    scores, described, vowels, initial = compare_person_names_ruled(
        person.column("left_norm").combine_chunks(), person.column("right_norm").combine_chunks(),
        details=details, ids=(person.column("left_norm_id").to_numpy(), person.column("right_norm_id").to_numpy())
        if "left_norm_id" in person.column_names else None)
    person = (person.append_column("score", pa.array(scores, pa.float64())).append_column("detail", described)
              .append_column("vowels", pa.array(vowels, pa.bool_()))
              .append_column("initial", pa.array(initial, pa.bool_())))
    org = pa.Table.from_batches([batch]).filter(pc.invert(people))
    compared = [compare_names(left, right, "Company", normalized=True) for left, right in
                zip(org.column("left_norm").to_pylist(), org.column("right_norm").to_pylist(), strict=True)]
    org = (org.append_column("score", pa.array([c.score for c in compared], pa.float64()))
           .append_column("detail", pa.array([c.describe() if details else None for c in compared], pa.string()))
           .append_column("vowels", pa.array([False] * len(compared), pa.bool_()))
           .append_column("initial", pa.array([False] * len(compared), pa.bool_())))
    return person, org
