"""``score_names`` scores its batches two at a time in threads: the rows come back in their order, scored as
one batch scores them."""

import pyarrow as pa

from moneytrail.resolve.name_scores import score_names

_PAIRS = [("person", "oleh dmytrenko", "oleg dmitrenko"), ("person", "ivan petrov", "ivan petrenko"),
          ("org", "acme trading llc", "acme trading limited"), ("person", "j smith", "john smith"),
          ("person", "maria ivanova", "mariya ivanova"), ("person", "ahmed hassan", "ahmad hasan"),
          ("org", "north star gmbh", "northstar ag"), ("person", "anna kowalska", "hanna kowalski")]


def test_batches_scored_side_by_side_equal_the_batches_scored_one_after_another() -> None:
    residual = pa.table({"grp": [g for g, _, _ in _PAIRS], "left_norm": [a for _, a, _ in _PAIRS],
                         "right_norm": [b for _, _, b in _PAIRS], "left_norm_id": list(range(len(_PAIRS))),
                         "right_norm_id": list(range(100, 100 + len(_PAIRS)))})
    for details in (False, True):
        threaded = score_names(residual, details=details, batch_size=3)  # 3 batches, two threads
        # one batch each, no thread: each batch puts its people before its organisations
        alone = pa.concat_tables([score_names(residual.slice(at, 3), details=details) for at in (0, 3, 6)])
        assert threaded.equals(alone)
        assert threaded.column("left_norm_id").to_pylist() == [0, 1, 2, 3, 4, 5, 7, 6]
        assert threaded.column("score").null_count == 0
