"""Ingest throughput: a seeded AMLworld-format CSV, ingested by moneytrail vs. a bare DuckDB read_csv.

    python benchmarks/ingest.py --rows 5000000 --repeats 3

Generates the file with numpy + pyarrow (vectorised, no Python row loop), then in fresh subprocesses
(so each peak RSS is its own): (1) bare: ``CREATE TEMP TABLE AS SELECT * FROM read_csv(file)`` through the
engine (auto-detected types, no validation); (1b) bare stored: the same into a table of the case file,
committed, with DuckDB's default settings (the like-for-like baseline: the ingest must persist);
(1c) bare stored, tuned: the same with the ingest's bulk-load settings (no FSST compression, insertion
order not kept), a stricter baseline; (2) ingest: ``ingest_transactions(preset="amlworld")`` into
a new case that has a daily rates table, so every row is validated, converted and line-numbered, and
quarantine, ingest_log and the source are written in one transaction. Prints medians, CPU seconds (all
threads; steadier than wall time on a shared machine) and peak RSS.
Needs no shared data (the file is synthetic).

``--variant bank`` measures a German-style bank export instead (``;`` delimiter, amounts like
``1.234,56``, dates ``DD.MM.YYYY``, a Soll/Haben column, a purpose text, several own accounts in an
``Auftragskonto`` column) read with the ``bank-statement`` preset, beside the bare DuckDB read of the
same file (auto-detected, so its amounts stay text: the bare read does not parse them).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

CURRENCIES = ["US Dollar", "Euro", "Yuan", "Bitcoin", "Yen", "UK Pound", "Rupee", "Ruble", "Swiss Franc",
              "Australian Dollar", "Canadian Dollar", "Brazil Real", "Mexican Peso", "Saudi Riyal", "Shekel"]
CODES = ["USD", "EUR", "CNY", "BTC", "JPY", "GBP", "INR", "RUB", "CHF", "AUD", "CAD", "BRL", "MXN", "SAR", "ILS"]
FORMATS = ["ACH", "Cheque", "Credit Card", "Wire", "Cash", "Reinvestment", "Bitcoin"]
HEADER = ["Timestamp", "From Bank", "Account", "To Bank", "Account", "Amount Received", "Receiving Currency",
          "Amount Paid", "Payment Currency", "Payment Format", "Is Laundering"]
KINDS = {"bare": "bare read_csv -> temp table", "bare_stored": "bare read_csv -> case table",
         "bare_tuned": "bare read_csv -> case table, tuned", "ingest": "moneytrail ingest (amlworld)"}
BANK_KINDS = {"bare": "bare read_csv -> temp table", "bare_stored": "bare read_csv -> case table",
              "bare_tuned": "bare read_csv -> case table, tuned", "ingest": "moneytrail ingest (bank-statement)"}
BANK_HEADER = ["Auftragskonto", "Buchungstag", "Valutadatum", "Beguenstigter/Zahlungspflichtiger", "IBAN",
               "Verwendungszweck", "Soll/Haben", "Betrag", "Waehrung"]


def _decimal_commas(cents: np.ndarray) -> pa.Array:
    """Amounts as German text: 1234567 cents -> "12.345,67" (thousands dots, decimal comma)."""
    units, frac = cents // 100, cents % 100
    high, low = units // 1000, units % 1000
    low_text = pa.array(low).cast(pa.string())
    grouped = pc.binary_join_element_wise(pa.array(high).cast(pa.string()), pc.utf8_lpad(low_text, 3, "0"), ".")
    whole = pc.if_else(pa.array(high > 0), grouped, low_text)
    return pc.binary_join_element_wise(whole, pc.utf8_lpad(pa.array(frac).cast(pa.string()), 2, "0"), ",")


def generate_bank(path: Path, rows: int, seed: int = 7) -> None:
    rng = np.random.default_rng(seed)
    days = rng.integers(0, 365, size=rows)
    dates = pc.strftime(pa.array((np.datetime64("2021-01-01") + days.astype("timedelta64[D]")).astype(
        "datetime64[s]")), format="%d.%m.%Y")
    own = pc.binary_join_element_wise("DE", pc.utf8_lpad(pa.array(rng.integers(0, 200, size=rows)).cast(pa.string()),
                                                         20, "0"), "")
    other = pc.binary_join_element_wise("DE", pc.utf8_lpad(pa.array(rng.integers(0, 10**9, size=rows)).cast(
        pa.string()), 20, "0"), "")
    purpose = pc.binary_join_element_wise("Rechnung ", pa.array(rng.integers(0, 10**6, size=rows)).cast(pa.string()),
                                          " Lieferung", "")
    table = pa.table([own, dates, dates, pa.array(["Firma"] * rows), other, purpose,
                      pa.array(np.where(rng.random(rows) < 0.6, "S", "H")),
                      _decimal_commas(np.exp(rng.normal(9.0, 1.6, size=rows)).astype(np.int64) + 1),
                      pa.array(["EUR"] * rows)], names=BANK_HEADER)
    pacsv.write_csv(table, path, write_options=pacsv.WriteOptions(quoting_style="none", batch_size=1 << 16,
                                                                  delimiter=";"))
START = np.datetime64("2022-09-01T00:00")
DAYS = 18


def _hex_ids(rng: np.random.Generator, n: int, pool: int) -> pa.Array:
    """AMLworld-like 9-digit hex account ids, drawn from a pool so accounts repeat."""
    ids = rng.integers(0x800000000, 0x800000000 + pool * 16, size=n, dtype=np.int64)
    digits = np.array(list(b"0123456789ABCDEF"), dtype=np.uint8)
    shifts = np.arange(32, -1, -4, dtype=np.int64)
    chars = digits[(ids[:, None] >> shifts) & 0xF]
    return pa.array(chars.view("S9").ravel()).cast(pa.string())


def generate(path: Path, rows: int, seed: int = 7) -> None:
    rng = np.random.default_rng(seed)
    minutes = rng.integers(0, DAYS * 24 * 60, size=rows)
    ts = pa.array((START + minutes.astype("timedelta64[m]")).astype("datetime64[s]"))
    cur = pa.array(rng.choice(len(CURRENCIES), size=rows, p=[0.4] + [0.6 / 14] * 14).astype(np.int32))
    amount = pc.round(pa.array(np.exp(rng.normal(7.0, 1.6, size=rows))), 2)
    banks = lambda: pc.utf8_lpad(pa.array(rng.integers(0, 30000, size=rows)).cast(pa.string()), 4, "0")  # noqa: E731
    names = pa.array(CURRENCIES)
    table = pa.table([
        pc.strftime(ts, format="%Y/%m/%d %H:%M"), banks(), _hex_ids(rng, rows, 500_000), banks(),
        _hex_ids(rng, rows, 500_000), amount.cast(pa.string()), names.take(cur), amount.cast(pa.string()),
        names.take(cur), pa.array(FORMATS).take(pa.array(rng.integers(0, len(FORMATS), size=rows))),
        pa.array((rng.random(rows) < 0.001).astype(np.int8)).cast(pa.string())], names=HEADER)
    pacsv.write_csv(table, path, write_options=pacsv.WriteOptions(quoting_style="none", batch_size=1 << 16))


def write_rates(path: Path) -> None:
    lines = ["currency,valid_from,valid_to,rate"]
    for i, code in enumerate(CODES[1:], start=1):
        for d in range(DAYS + 2):
            day = np.datetime64("2022-08-31") + d
            lines.append(f"{code},{day},{day},{0.5 + i * 0.1 + d * 0.001:.4f}")
    path.write_text("\n".join(lines) + "\n")


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu_seconds() -> float:
    """User + system CPU of this process, all threads: steadier than wall time on a shared machine."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def phase(kind: str, csv_path: Path, work: Path, variant: str = "native") -> dict[str, float]:
    """Run one measurement in this (fresh) process."""
    from moneytrail.ingest import ingest_rates, ingest_transactions
    from moneytrail.store import Case

    case_dir = Path(tempfile.mkdtemp(dir=work))
    delim = ", delim=';'" if variant == "bank" else ""
    with Case.create(case_dir) as case:
        if kind == "bare":
            cpu = _cpu_seconds()
            start = time.perf_counter()
            case.engine.execute(f"CREATE TEMP TABLE bare AS SELECT * FROM read_csv('{csv_path}'{delim})")
            seconds = time.perf_counter() - start
            cpu = _cpu_seconds() - cpu
            rows = int(case.engine.scalar("SELECT count(*) FROM bare"))
        elif kind in ("bare_stored", "bare_tuned"):
            # The same read, written to the case file and committed, as the ingest must be.
            cpu = _cpu_seconds()
            start = time.perf_counter()
            with case.engine.bulk_load() if kind == "bare_tuned" else contextlib.nullcontext():
                case.engine.execute(f"CREATE TABLE bare AS SELECT * FROM read_csv('{csv_path}'{delim})")
            seconds = time.perf_counter() - start
            cpu = _cpu_seconds() - cpu
            rows = int(case.engine.scalar("SELECT count(*) FROM bare"))
        elif variant == "bank":
            from moneytrail.ingest.mapping import PRESETS
            mapping = PRESETS["bank-statement"]
            cpu = _cpu_seconds()
            start = time.perf_counter()
            result = ingest_transactions(case, csv_path, preset="bank-statement", mapping=mapping)
            seconds = time.perf_counter() - start
            cpu = _cpu_seconds() - cpu
            rows = result.rows_stored
            assert result.reconciles and result.rows_quarantined == 0, result
        else:
            rates = work / "rates.csv"
            write_rates(rates)
            ingest_rates(case, rates)
            cpu = _cpu_seconds()
            start = time.perf_counter()
            result = ingest_transactions(case, csv_path, preset="amlworld")
            seconds = time.perf_counter() - start
            cpu = _cpu_seconds() - cpu
            rows = result.rows_stored
            assert result.reconciles and result.rows_quarantined == 0, result
    return {"seconds": seconds, "cpu_seconds": cpu, "rows": rows, "peak_rss_mb": _peak_rss_mb()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--variant", choices=["native", "bank"], default="native",
                        help="native: AMLworld-format file; bank: a German-style bank export (decimal commas, "
                             "DD.MM.YYYY, Soll/Haben)")
    parser.add_argument("--phase", choices=list(KINDS), help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(phase(args.phase, args.file, args.work, args.variant)))
        return
    kinds = BANK_KINDS if args.variant == "bank" else KINDS
    with tempfile.TemporaryDirectory(prefix="mt-bench-ingest-") as tmp:
        work = Path(tmp)
        csv_path = work / ("bank_export.csv" if args.variant == "bank" else "HI-Bench_Trans.csv")
        start = time.perf_counter()
        (generate_bank if args.variant == "bank" else generate)(csv_path, args.rows)
        print(f"generated {args.rows:,} rows ({csv_path.stat().st_size / 1e6:,.0f} MB) in "
              f"{time.perf_counter() - start:.1f} s")
        results: dict[str, list[dict[str, float]]] = {kind: [] for kind in kinds}
        for _ in range(args.repeats):
            for kind in kinds:
                out = subprocess.run([sys.executable, __file__, "--phase", kind, "--file", str(csv_path),
                                      "--work", str(work), "--variant", args.variant],
                                     check=True, capture_output=True, text=True)
                results[kind].append(json.loads(out.stdout.strip().splitlines()[-1]))
        print(f"\n{'method':<34}{'rows':>12}{'median s':>10}{'rows/s':>14}{'CPU s':>8}{'peak RSS MB':>13}")
        medians, cpus = {}, {}
        for kind, label in kinds.items():
            secs = statistics.median(r["seconds"] for r in results[kind])
            medians[kind] = secs
            cpus[kind] = statistics.median(r["cpu_seconds"] for r in results[kind])
            rss = max(r["peak_rss_mb"] for r in results[kind])
            rows = int(results[kind][0]["rows"])
            print(f"{label:<34}{rows:>12,}{secs:>10.2f}{rows / secs:>14,.0f}{cpus[kind]:>8.2f}{rss:>13,.0f}")
        for name, values in (("time", medians), ("CPU-time", cpus)):
            print(f"{'' if name == 'CPU-time' else chr(10)}ingest / bare {name} ratio: "
                  f"{values['ingest'] / values['bare']:.2f} vs temp table, "
                  f"{values['ingest'] / values['bare_stored']:.2f} vs case table, "
                  f"{values['ingest'] / values['bare_tuned']:.2f} vs case table tuned")
        target = ">= 500,000 rows/s" if args.variant == "bank" else "<= 1.5; >= 1,000,000 rows/s; peak RSS <= 3,000 MB"
        print(f"(target {target}); repeats: {args.repeats}; CPU time is steadier than wall time when the machine "
              "is shared")


if __name__ == "__main__":
    main()
