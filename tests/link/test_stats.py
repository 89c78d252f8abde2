from __future__ import annotations

import numpy as np

from moneytrail.link.stats import fit_price, matched_pairs, signature_test


def _bounty(rng: np.random.Generator, n: int = 25, price: float = 2_500.0) -> tuple[np.ndarray, ...]:
    ev = np.sort(rng.integers(0, 900, n)).astype(float)
    cas = rng.integers(1, 25, n).astype(float)
    pay = ev + rng.uniform(1, 9, n)
    amt = price * cas * rng.uniform(0.95, 1.05, n)
    noise_days = rng.uniform(0, 900, 60)
    return (np.concatenate([pay, noise_days]), np.concatenate([amt, rng.lognormal(9, 1, 60)]), ev, cas)


def test_bounty_is_found_and_price_recovered() -> None:
    pay, amt, ev, cas = _bounty(np.random.default_rng(11))
    test = signature_test(pay, amt, ev, cas, window=14, permutations=499, seed=1)
    assert test.p_value < 0.01
    assert test.matched >= 20 and test.null_mean < 8
    pi = np.array([p for p, _ in test.pairs])
    ei = np.array([e for _, e in test.pairs])
    fit = fit_price(amt[pi], cas[ei])
    assert abs(fit.price - 2_500.0) / 2_500.0 < 0.05
    assert fit.median_abs_rel_dev < 0.05 and fit.r_squared > 0.95


def test_unrelated_payments_are_not_a_signature() -> None:
    rng = np.random.default_rng(5)
    _, _, ev, cas = _bounty(rng)
    pay, amt = rng.uniform(0, 900, 60), rng.lognormal(9, 1, 60)
    test = signature_test(pay, amt, ev, cas, window=14, permutations=499, seed=1)
    assert test.p_value > 0.05


def test_empty_inputs() -> None:
    empty = np.zeros(0)
    test = signature_test(empty, empty, np.array([1.0]), np.array([3.0]), window=10, permutations=10)
    assert (test.p_value, test.matched, test.pairs) == (1.0, 0, [])


def test_matched_pairs_pick_the_event_that_fits_the_price() -> None:
    # Payment on day 10 follows events on days 2 (4 casualties) and 8 (1 casualty); 4 x 100 fits 100.
    pay, amt = np.array([10.0]), np.array([400.0])
    ev, cas = np.array([2.0, 8.0]), np.array([4.0, 1.0])
    log_ratio = np.log(amt)[:, None] - np.log(cas)[None, :]
    ok = np.ones((1, 2), dtype=bool)
    assert matched_pairs(pay, ev, log_ratio, ok, 14.0, float(np.log(100.0)), float(np.log1p(0.1))) == [(0, 0)]


def test_window_pairs_match_brute_force() -> None:
    from moneytrail.link.stats import _window_pairs

    rng = np.random.default_rng(2)
    pay = rng.uniform(0, 100, 30)
    days = np.floor(rng.uniform(0, 100, size=(4, 25)))
    perm, p, e = _window_pairs(pay, days, 7.0)
    got = sorted(zip(perm.tolist(), p.tolist(), e.tolist(), strict=True))
    expected = sorted((k, i, j) for k in range(4) for i in range(30) for j in range(25)
                      if 0 <= pay[i] - days[k, j] <= 7.0)
    assert got == expected and got
