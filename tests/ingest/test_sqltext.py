"""SQL builders of the ingest: dates tried format by format, account keys, paid fields like received ones."""

from __future__ import annotations

from datetime import datetime

from moneytrail.engine import open_engine
from moneytrail.ingest.bank_presets import BANK_STATEMENT
from moneytrail.ingest.mapping import PRESETS
from moneytrail.ingest.sqltext import label_sql, literal, timestamp_sql
from moneytrail.ingest.transactions import parsed_sql


def _guarded_coalesce_sql(expr: str, formats: tuple[str, ...]) -> str:
    """The reading the nested form replaced: one coalesce of parses, each ``%Y`` one refused before 1000."""
    two_digit = any("%y" in f for f in formats)
    parses = []
    for f in formats:
        p = f"try_strptime({expr}, {literal(f)})"
        parses.append(f"CASE WHEN {p} >= TIMESTAMP '1000-01-01' THEN {p} END" if two_digit and "%Y" in f else p)
    return f"coalesce({', '.join(parses)})"


TEXTS = ["11.12.2021", "05.03.21", "05.03.0021", "05.03.2021 10:30", "05.03.2021 10:30:15", "2021-03-05",
         "0021-03-05", "31.02.2021", "", "x", None, "1.1.2021"]


def test_dates_read_format_by_format_as_the_guarded_coalesce_did() -> None:
    e = open_engine()
    for formats in (BANK_STATEMENT.timestamp_formats, PRESETS["amlworld"].timestamp_formats, ("%y%m%d",),
                    ("%Y-%m-%d", "%d.%m.%y"), ("%d.%m.%y", "%d.%m.%Y")):
        values = ", ".join(f"({'NULL' if t is None else literal(t)})" for t in TEXTS)
        rows = e.rows(f"SELECT x, {timestamp_sql('x', formats)}, {_guarded_coalesce_sql('x', formats)} "
                      f"FROM (VALUES {values}) v(x)")
        assert all(new == old for _, new, old in rows), (formats, rows)
    bank = dict((x, t) for x, t, _ in e.rows(f"SELECT x, {timestamp_sql('x', BANK_STATEMENT.timestamp_formats)}, 0 "
                                              "FROM (VALUES ('05.03.21'), ('05.03.0021'), ('11.12.2021')) v(x)"))
    assert bank == {"05.03.21": datetime(2021, 3, 5), "05.03.0021": None, "11.12.2021": datetime(2021, 12, 11)}


def test_labels_and_paid_fields() -> None:
    e = open_engine()
    labels = e.rows(f"SELECT x, {label_sql('x')} FROM (VALUES ('1'), ('0'), ('TRUE'), ('No'), ('2'), (NULL)) v(x)")
    assert dict(labels) == {"1": 1, "0": 0, "TRUE": 1, "No": 0, "2": None, None: None}
    header = ["Timestamp", "From Bank", "Account", "To Bank", "Account.1", "Amount Received", "Receiving Currency",
              "Amount Paid", "Payment Currency", "Payment Format", "Is Laundering"]
    m = PRESETS["amlworld"].resolved(header)
    cols = {h: f"c{i}" for i, h in enumerate(header)}
    rows = [("2022/09/01 00:10", "10", "A1", "20", "B2", "10.5", "Euro", "10.5", "Euro", "Wire", "0"),
            ("2022/09/01 00:11", "", "A1", "20", "", "7", "Euro", "8", "US Dollar", "ACH", "1")]
    values = ", ".join("(" + ", ".join(literal(v) for v in r) + ")" for r in rows)
    out = e.rows(f"SELECT from_account, to_account, amount, currency, amount_paid, currency_paid, label FROM "
                 f"(SELECT {parsed_sql(m, cols, reporting_currency='USD')} FROM (SELECT 0 AS _k, * FROM "
                 f"(VALUES {values}) v({', '.join(cols.values())})) raw) p")
    assert out[0] == ("10:A1", "20:B2", 10.5, "EUR", 10.5, "EUR", 0)
    # An empty bank reads as no bank; an empty account is quarantined later (missing to_account).
    assert out[1][0] == ":A1" and out[1][2:] == (7.0, "EUR", 8.0, "USD", 1)
