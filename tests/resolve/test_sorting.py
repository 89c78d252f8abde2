import numpy as np

from moneytrail.resolve.sorting import sorted_distinct


def test_sorted_distinct_equals_numpy_unique() -> None:
    rng = np.random.default_rng(3)
    values = rng.integers(-10**12, 10**12, 50_000)
    values = np.concatenate([values, values[:1000], rng.integers(0, 5, 1000)])
    assert np.array_equal(sorted_distinct(values), np.unique(values))


def test_sorted_distinct_of_few_values() -> None:
    assert sorted_distinct(np.zeros(0, np.int64)).tolist() == []
    assert sorted_distinct(np.array([7])).tolist() == [7]
    assert sorted_distinct(np.array([3, 1, 3, 2, 1])).tolist() == [1, 2, 3]
