"""The line plan of a file whose lines are not one record each: bounded look-ahead for quoted fields."""

from __future__ import annotations

from pathlib import Path

import pytest

from moneytrail.ingest.layout import read_layout
from moneytrail.ingest.records import plan_lines


def _plan(tmp_path: Path, body: bytes, lookahead: int = 100):  # type: ignore[no-untyped-def]
    path = tmp_path / "f.csv"
    path.write_bytes(body)
    _, layout = read_layout(path)
    return plan_lines(path, layout, delimiter=",", n_fields=2, lookahead=lookahead)


@pytest.mark.parametrize(("span", "accepted"), [(6, True), (7, False)])
def test_a_quoted_field_may_span_at_most_the_lookahead(tmp_path: Path, span: int, accepted: bool) -> None:
    inner = "\n".join(f"part {i}" for i in range(span))  # a field on ``span`` lines
    body = f'h1,h2\n1,a\n2,"{inner}"\n3,b\n'.encode()
    plan = _plan(tmp_path, body, lookahead=5)
    if accepted:
        assert plan.parsed == [(3, ["2", inner])] and plan.continuation == span - 1 and not plan.quarantined
        assert [(first, last) for _, _, first, last in plan.runs] == [(2, 2), (3 + span, 3 + span)]
    else:  # the opening line is set aside, and so is the closing one; the lines between are records of their own
        assert [q[0] for q in plan.quarantined] == [3, 2 + span] and "within 5 lines" in plan.quarantined[0][2]
        assert plan.continuation == 0
        accounted = 1 + plan.run_records + len(plan.parsed) + len(plan.quarantined) + plan.blank
        assert accounted == plan.lines == 3 + span


def test_a_stray_quote_costs_its_own_line_only(tmp_path: Path) -> None:
    rows = [f"{i},v{i}" for i in range(1000)]
    rows[10] = '10,"v10'
    rows[500] = '500,v"500'  # closes nothing: the two lines between do not form one record
    plan = _plan(tmp_path, ("h1,h2\n" + "\n".join(rows) + "\n").encode())
    assert [q[0] for q in plan.quarantined] == [12, 502]
    assert plan.run_records == 998 and plan.lines == 1001
    assert [(first, last) for _, _, first, last in plan.runs] == [(2, 11), (13, 501), (503, 1001)]
