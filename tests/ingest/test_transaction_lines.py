"""Line numbers of a large file read as pieces side by side: every stored row must name the line it came from.

Big files are cut at line starts into pieces, each numbered by its own single-threaded scan, all running at
once (``ingest.csvfile``); a row's line is its ordinal plus its piece's first line, moved down by the
rejected records before it. The end-to-end checks run with small pieces, so a modest file has many.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pytest

from moneytrail.ingest import ingest_rates, ingest_transactions, layout
from moneytrail.store import Case

HEADER = ["Timestamp", "From Bank", "Account", "To Bank", "Account", "Amount Received", "Receiving Currency",
          "Amount Paid", "Payment Currency", "Payment Format", "Is Laundering"]
NAMES = ["US Dollar", "Euro", "Yuan", "Ruble"]
ROWS = 150_000  # about 12 MB: several of the engine's CSV buffers, so the scan runs on more than one thread


def write_amlworld(path: Path, rows: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    minutes = rng.integers(0, 10 * 24 * 60, size=rows)
    ts = pa.array((np.datetime64("2022-09-01T00:00") + minutes.astype("timedelta64[m]")).astype("datetime64[s]"))
    cents = rng.integers(100, 10_000_000, size=rows)
    amount = pa.array([f"{c // 100}.{c % 100:02d}" for c in cents.tolist()])
    cur = pa.array(NAMES).take(pa.array(rng.integers(0, len(NAMES), size=rows)))
    ids = pa.array(rng.integers(0, 50_000, size=rows)).cast(pa.string())
    table = pa.table([pc.strftime(ts, format="%Y/%m/%d %H:%M"), pa.array(["011"] * rows), ids,
                      pa.array(["022"] * rows), pc.binary_join_element_wise("A", ids, ""), amount, cur, amount,
                      cur, pa.array(["ACH"] * rows), pa.array((cents % 97 == 0).astype(np.int8)).cast(pa.string())],
                     names=HEADER)
    pacsv.write_csv(table, path, write_options=pacsv.WriteOptions(quoting_style="none"))


def write_rates(path: Path) -> None:
    lines = ["currency,valid_from,valid_to,rate", "EUR,2022-08-01,2022-10-31,1.01", "CNY,2022-08-01,2022-10-31,0.14",
             "RUB,2022-08-01,2022-10-31,0.016"]
    path.write_text("\n".join(lines) + "\n")


@pytest.fixture
def small_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(layout, "PIECE_BYTES", 1 << 20)  # a 12 MB file becomes about 12 pieces


@pytest.mark.parametrize("attempt", range(3))
def test_each_stored_row_names_its_own_line(tmp_path: Path, attempt: int, small_pieces: None) -> None:
    data = tmp_path / "HI-Lines_Trans.csv"
    write_amlworld(data, ROWS, seed=attempt)
    write_rates(tmp_path / "rates.csv")
    lines = data.read_text().splitlines()
    with Case.create(tmp_path / "case") as case:
        ingest_rates(case, tmp_path / "rates.csv")
        result = ingest_transactions(case, data, preset="amlworld")
        assert result.rows_stored == ROWS and result.rows_quarantined == 0
        assert result.details["pieces"] >= 10
        stored = case.engine.query("SELECT origin_line, amount, to_account, txn_id FROM transactions").to_pydict()
    fields = [lines[n - 1].split(",") for n in stored["origin_line"]]
    wrong = sum(1 for f, amount, to in zip(fields, stored["amount"], stored["to_account"], strict=True)
                if float(f[5]) != amount or f"{f[3]}:{f[4]}" != to)
    assert wrong == 0, f"{wrong} of {ROWS} rows name a line that holds another transaction"
    assert sorted(stored["origin_line"]) == list(range(2, ROWS + 2))
    assert all(t.endswith(f":{n}") for t, n in zip(stored["txn_id"], stored["origin_line"], strict=True))


def _spoil(lines: list[str], rng: np.random.Generator, n: int) -> dict[int, str]:
    """Spoil n random body lines in ways the reader rejects or the parse quarantines; {line: kind}."""
    kinds = ["ragged", "negative", "currency", "no rate", "bad bytes"]
    spoiled = {}
    for i in sorted(rng.choice(np.arange(1, len(lines)), size=n, replace=False).tolist()):
        kind = kinds[len(spoiled) % len(kinds)]
        f = lines[i].split(",")
        if kind == "ragged":
            lines[i] = ",".join(f[:7])
        elif kind == "negative":
            f[5] = "-" + f[5]
        elif kind == "currency":
            f[6] = "Doubloon"
        elif kind == "no rate":
            f[6] = "Yen"
        else:
            f[9] = "AC\udcffH"
        if kind not in ("ragged",):
            lines[i] = ",".join(f)
        spoiled[i + 1] = kind
    return spoiled


@pytest.mark.parametrize("pieces", ["many", "one"])
def test_bad_rows_in_every_piece_keep_every_line_right(tmp_path: Path, pieces: str,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(layout, "PIECE_BYTES", (1 << 19) if pieces == "many" else (1 << 40))
    rows = 60_000
    data = tmp_path / "HI-Bad_Trans.csv"
    write_amlworld(data, rows, seed=11)
    lines = data.read_text().splitlines()
    spoiled = _spoil(lines, np.random.default_rng(5), 40)
    data.write_bytes("\n".join(lines).encode("utf-8", "surrogateescape") + b"\n")
    write_rates(tmp_path / "rates.csv")
    with Case.create(tmp_path / "case") as case:
        ingest_rates(case, tmp_path / "rates.csv")
        result = ingest_transactions(case, data, preset="amlworld")
        stored = case.engine.query("SELECT origin_line, amount, to_account, txn_id FROM transactions").to_pydict()
        bad = dict(case.engine.rows("SELECT line, reason FROM quarantine"))
    assert (result.details.get("pieces", 1) > 1) == (pieces == "many")
    assert result.rows_read == rows and result.reconciles
    assert sorted(bad) == sorted(spoiled), "quarantined lines differ from the spoiled ones"
    assert all(("negative" in bad[n]) for n, k in spoiled.items() if k == "negative")
    assert all(("no rate for JPY" in bad[n]) for n, k in spoiled.items() if k == "no rate")
    assert sorted(stored["origin_line"]) == sorted(set(range(2, rows + 2)) - set(spoiled))
    for n, amount, to, txn in zip(stored["origin_line"], stored["amount"], stored["to_account"], stored["txn_id"],
                                  strict=True):
        f = lines[n - 1].split(",")
        assert float(f[5]) == amount and f"{f[3]}:{f[4]}" == to and txn.endswith(f":{n}"), (n, lines[n - 1])


def test_a_quoted_field_across_lines_keeps_physical_line_numbers(tmp_path: Path, small_pieces: None) -> None:
    rows = 20_000
    data = tmp_path / "HI-Quoted_Trans.csv"
    write_amlworld(data, rows, seed=3)
    lines = data.read_text().splitlines()
    lines[5] = lines[5].replace(",ACH,", ',"AC\nH",')  # record 5 spans two lines
    data.write_text("\n".join(lines) + "\n")
    with Case.create(tmp_path / "case") as case:
        result = ingest_transactions(case, data, preset="amlworld")
        stored = dict(case.engine.rows("SELECT origin_line, amount FROM transactions"))
    assert result.details["read_line_by_line"] == "a quoted field that spans lines"
    assert result.rows_stored == rows and result.details["lines"]["continuation"] == 1
    # Lines are physical lines: the record on line 6 runs on to line 7, and every later record is one further.
    assert stored[6] == float(lines[5].split(",")[5]) and 7 not in stored
    assert stored[rows + 2] == float(lines[-1].split(",")[5]) and stored[8] == float(lines[6].split(",")[5])


def test_crlf_and_quoted_fields_are_read_in_pieces_too(tmp_path: Path, small_pieces: None) -> None:
    rows = 60_000
    data = tmp_path / "HI-Crlf_Trans.csv"
    write_amlworld(data, rows, seed=4)
    lines = data.read_text().splitlines()
    quoted = set(range(1, rows + 1, 7))  # every 7th record has a quoted channel with a comma in it
    for i in quoted:
        lines[i] = lines[i].replace(",ACH,", ',"Wire, ""intl""",')
    data.write_bytes("\r\n".join(lines).encode() + b"\r\n")
    with Case.create(tmp_path / "case") as case:
        result = ingest_transactions(case, data, preset="amlworld")
        stored = case.engine.query("SELECT origin_line, amount, channel FROM transactions").to_pydict()
    assert result.details["pieces"] >= 5 and result.rows_stored == rows and result.rows_quarantined == 0
    for n, amount, channel in zip(stored["origin_line"], stored["amount"], stored["channel"], strict=True):
        assert float(lines[n - 1].split(",")[5]) == amount
        assert channel == ('Wire, "intl"' if n - 1 in quoted else "ACH"), (n, channel)


def test_staged_csv_ingests_read_in_pieces_keep_every_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``stage_csv`` (rates, events, accounts, AMLSim labels) reads big files in pieces too."""
    monkeypatch.setattr(layout, "PIECE_BYTES", 4096)
    codes = [f"{chr(65 + i // 100)}{i % 100:02d}" for i in range(2_000)]  # one made-up code per line
    lines = ["currency,valid_from,valid_to,rate"] + [f"{c},2022-01-01,2022-01-02,{1 + i / 1000}"
                                                     for i, c in enumerate(codes)]
    spoiled = {n: ("ragged" if n % 2 else "rate") for n in range(37, len(lines) + 1, 97)}
    for n, kind in spoiled.items():
        lines[n - 1] = lines[n - 1].rsplit(",", 1)[0] if kind == "ragged" else lines[n - 1].rsplit(",", 1)[0] + ",x"
    path = tmp_path / "rates.csv"
    path.write_text("\n".join(lines) + "\n")
    with Case.create(tmp_path / "case") as case:
        result = ingest_rates(case, path)
        stored = case.engine.rows("SELECT origin_line, currency, rate FROM rates")
        bad = dict(case.engine.rows("SELECT line, reason FROM quarantine"))
    assert result.details["pieces"] >= 10 and result.rows_read == len(lines) - 1 and result.reconciles
    assert sorted(bad) == sorted(spoiled)
    assert all(bad[n].startswith("unparseable rate 'x'") for n, k in spoiled.items() if k == "rate")
    assert len(stored) == len(lines) - 1 - len(spoiled)
    for line, currency, rate in stored:
        assert lines[line - 1] == f"{currency},2022-01-01,2022-01-02,{rate}"
