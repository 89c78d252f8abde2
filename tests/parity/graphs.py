"""One hand-made transaction graph holding a planted instance of every detector's pattern, on accounts of its
own, over quiet everyday traffic (the shapes of tests/detect's graphs)."""

from __future__ import annotations

from tests.detect.graphs import Row, background

FAN_IN = [(f"fi{i}", 200 + i * 5, f"b:fimule{i}", "b:fihub", 3000.0 + i) for i in range(10)]
FAN_OUT = [(f"fo{i}", 100 + 3 * i, "b:payer", f"b:recv{i}", 1500.0) for i in range(7)]
CYCLE = [("cy1", 0, "b:cyA", "b:cyB", 10_000), ("cy2", 5, "b:cyB", "b:cyC", 9_800),
         ("cy3", 30, "b:cyC", "b:cyD", 9_700), ("cy4", 40, "b:cyD", "b:cyA", 9_650)]
SCATTER_GATHER = [row for i in range(5) for row in (
    (f"sg1-{i}", 10 + i * 6, "b:sgS", f"b:sgmid{i}", 5000.0 + i * 100),
    (f"sg2-{i}", 10 + i * 6 + 24, f"b:sgmid{i}", "b:sgD", (5000.0 + i * 100) * 0.98))]
GATHER_SCATTER = ([(f"gi{i}", 100 + i * 7, f"b:gin{i}", "b:ghub", 2000.0 + i) for i in range(5)]
                  + [(f"go{i}", 150 + i * 9, "b:ghub", f"b:gout{i}", 1900.0 + i) for i in range(4)])
STACK = [("st1", 300, "b:stA", "b:stP1", 8000.0), ("st2", 303, "b:stP1", "b:stC1", 7900.0),
         ("st3", 306, "b:stC1", "b:stZ", 7800.0)]
BIPARTITE = [(f"bp{s}{r}", 100 + s * 3 + r, f"b:bs{s}", f"b:br{r}", 800.0 + s + r) for s in range(3) for r in range(3)]
STRUCTURING = [(f"sr{i}", 24 + i * 48, f"b:dep{i % 3}", "b:smurfed", a)
               for i, a in enumerate([9500.0, 9800.0, 9900.0, 9650.0, 9990.0])]
PASS_THROUGH = [("pt-i1", 0, "b:ptS1", "b:ptM", 5_000), ("pt-o1", 2, "b:ptM", "b:ptD1", 4_900),
                ("pt-i2", 30, "b:ptS2", "b:ptM", 7_000), ("pt-o2", 33, "b:ptM", "b:ptD2", 6_950)]
ROUND_TRIP = [("rt1", 0, "bank1:rtA", "bank2:rtB", 100_000), ("rt2", 100, "bank2:rtB", "bank3:rtC", 90_000),
              ("rt3", 250, "bank3:rtC", "bank1:rtA", 85_000)]
CHAIN = [("rc1", 0, "b:rcA", "b:rcB", 20_000), ("rc2", 6, "b:rcB", "b:rcC", 19_500),
         ("rc3", 30, "b:rcC", "b:rcD", 19_000), ("rc4", 31, "b:rcD", "b:rcE", 18_800)]
# Paid out to one account and back within days (scatter-gather-structural's smallest case, AMLworld's A -> M -> A).
SCATTER_GATHER_BACK = [("sb1", 60, "b:sbA", "b:sbM", 6000.0), ("sb2", 90, "b:sbM", "b:sbA", 5700.0)]

PLANTED: dict[str, list[Row]] = {
    "fan-in": FAN_IN, "fan-out": FAN_OUT, "cycle": CYCLE, "scatter-gather": SCATTER_GATHER,
    "gather-scatter": GATHER_SCATTER, "stack": STACK, "bipartite": BIPARTITE, "structuring": STRUCTURING,
    "pass-through": PASS_THROUGH, "round-trip": ROUND_TRIP, "random-chain": CHAIN,
    "scatter-gather-back": SCATTER_GATHER_BACK,
}


def every_pattern() -> list[Row]:
    return background() + [row for rows in PLANTED.values() for row in rows]
