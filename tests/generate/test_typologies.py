"""Every planted attempt matches its typology's definition, checked on the rows written to the files."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import datetime

import pytest

from tests.generate.conftest import GeneratedCase, read_text_csv

Row = dict[str, str]


def _ts(row: Row) -> datetime:
    return datetime.fromisoformat(row["timestamp"].replace("Z", "+00:00"))


def _src(row: Row) -> str:
    return f"{row['from_bank']}:{row['from_account']}"


def _dst(row: Row) -> str:
    return f"{row['to_bank']}:{row['to_account']}"


@pytest.fixture(scope="module")
def attempts(generated: GeneratedCase) -> dict[str, list[list[Row]]]:
    found = generated.rows_by_id()
    out: dict[str, list[list[Row]]] = {}
    for a in generated.truth["typologies"]:
        out.setdefault(a["typology"], []).append(sorted((found[t] for t in a["txn_ids"]), key=_ts))
    return out


@pytest.fixture(scope="module")
def usd(generated: GeneratedCase) -> dict[tuple[str, str], float]:
    rates = read_text_csv(generated.out / "rates.csv").to_pylist()
    return {(r["currency"], r["valid_from"][:7]): float(r["rate"]) for r in rates}


def _usd(row: Row, rates: dict[tuple[str, str], float]) -> float:
    return float(row["amount"]) * rates[(row["currency"], row["timestamp"][:7])]


def test_every_typology_is_planted(attempts: dict[str, list[list[Row]]]) -> None:
    assert set(attempts) == {"fan-out", "fan-in", "gather-scatter", "scatter-gather", "cycle", "random", "bipartite",
                             "stack", "structuring", "pass-through", "round-tripping"}
    assert all(len(v) == 4 for v in attempts.values())


@pytest.mark.parametrize("typology", ["fan-out", "fan-in"])
def test_fans(attempts: dict[str, list[list[Row]]], typology: str) -> None:
    for rows in attempts[typology]:
        hubs = {_src(r) for r in rows} if typology == "fan-out" else {_dst(r) for r in rows}
        others = [_dst(r) for r in rows] if typology == "fan-out" else [_src(r) for r in rows]
        assert len(hubs) == 1
        assert 4 <= len(set(others)) == len(others) <= 16
        assert (_ts(rows[-1]) - _ts(rows[0])).total_seconds() <= 6 * 86_400, "AMLworld fans take under a week"


def test_gather_scatter(attempts: dict[str, list[list[Row]]]) -> None:
    for rows in attempts["gather-scatter"]:
        hub = Counter([_dst(r) for r in rows] + [_src(r) for r in rows]).most_common(1)[0][0]
        ins = [r for r in rows if _dst(r) == hub]
        outs = [r for r in rows if _src(r) == hub]
        assert len(ins) >= 4 and len(outs) >= 4 and len(ins) + len(outs) == len(rows)
        assert max(_ts(r) for r in ins) < min(_ts(r) for r in outs), "scatter starts after the gather ends"


def test_scatter_gather(attempts: dict[str, list[list[Row]]]) -> None:
    for rows in attempts["scatter-gather"]:
        sources = Counter(_src(r) for r in rows)
        sinks = Counter(_dst(r) for r in rows)
        source, k = sources.most_common(1)[0]
        sink, k2 = sinks.most_common(1)[0]
        assert k == k2 >= 3 and len(rows) == 2 * k
        for r in rows:
            if _src(r) == source:
                onward = [o for o in rows if _src(o) == _dst(r)]
                assert len(onward) == 1 and _dst(onward[0]) == sink and _ts(onward[0]) > _ts(r)


def _chain(rows: list[Row]) -> list[str]:
    nodes = [_src(rows[0])]
    for prev, row in itertools.pairwise(rows):
        assert _dst(prev) == _src(row), "each hop starts where the previous one ended"
        assert _ts(row) > _ts(prev)
    nodes += [_dst(r) for r in rows]
    return nodes


@pytest.mark.parametrize("typology", ["cycle", "round-tripping"])
def test_cycles_return_to_origin_in_time_order(attempts: dict[str, list[list[Row]]], typology: str) -> None:
    for rows in attempts[typology]:
        nodes = _chain(rows)
        assert nodes[0] == nodes[-1]
        assert len(set(nodes[:-1])) == len(nodes) - 1
        if typology == "round-tripping":
            assert len(nodes) - 2 >= 2, "at least two intermediaries"


def test_random_chain_does_not_return(attempts: dict[str, list[list[Row]]]) -> None:
    for rows in attempts["random"]:
        nodes = _chain(rows)
        assert len(rows) >= 3 and len(set(nodes)) == len(nodes)


def test_bipartite(attempts: dict[str, list[list[Row]]]) -> None:
    for rows in attempts["bipartite"]:
        senders, receivers = {_src(r) for r in rows}, {_dst(r) for r in rows}
        assert not senders & receivers
        assert len(senders) >= 2 and len(receivers) >= 2


def test_stack_relays_pass_on_what_they_get(attempts: dict[str, list[list[Row]]],
                                            usd: dict[tuple[str, str], float]) -> None:
    for rows in attempts["stack"]:
        senders, receivers = {_src(r) for r in rows}, {_dst(r) for r in rows}
        first, middle, last = senders - receivers, senders & receivers, receivers - senders
        assert first and len(middle) >= 3 and last
        for r in rows:
            if _src(r) in middle:
                (inflow,) = [i for i in rows if _dst(i) == _src(r)]
                assert _ts(inflow) < _ts(r), "a relay pays after it is paid"
                assert 0.95 <= _usd(r, usd) / _usd(inflow, usd) <= 1.08


def test_structuring_stays_under_threshold(generated: GeneratedCase, attempts: dict[str, list[list[Row]]]) -> None:
    threshold = generated.truth["reporting_threshold"]
    for rows in attempts["structuring"]:
        assert len({_dst(r) for r in rows}) == 1 and len(rows) >= 4
        assert all(r["channel"] == "cash" and 0.9 * threshold <= float(r["amount"]) < threshold for r in rows)
        assert {r["currency"] for r in rows} == {"USD"}, "the threshold holds in the reporting currency too"


def test_pass_through_leaves_within_hours(attempts: dict[str, list[list[Row]]],
                                          usd: dict[tuple[str, str], float]) -> None:
    for rows in attempts["pass-through"]:
        mule = Counter([_src(r) for r in rows] + [_dst(r) for r in rows]).most_common(1)[0][0]
        ins = [r for r in rows if _dst(r) == mule]
        for r in ins:
            out = min((o for o in rows if _src(o) == mule and _ts(o) > _ts(r)), key=_ts)
            assert (_ts(out) - _ts(r)).total_seconds() <= 6 * 3600
            assert 0.95 <= _usd(out, usd) / _usd(r, usd) <= 1.0
