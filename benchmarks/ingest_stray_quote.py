"""A stray quote in a big file costs one line, not the rest of the file: a native CSV of ``--rows`` rows,
clean and with one ``"`` at the start of a field on line 11 (plus, in a third file, a quoted field spanning two
lines and a blank line further on), ingested into fresh cases.

    python benchmarks/ingest_stray_quote.py --rows 2000000

Each row's ``txn_id`` is ``L<its line in the clean file>``, so after the ingest one query checks that every
stored row carries its true line (one further down after the spanning field, and again after the blank
line); the script also checks that every physical line is stored, quarantined, blank or a continuation
line. Prints rows read / stored / quarantined, wall and CPU seconds, and whether the checks hold.
Needs no shared data (the files are synthetic, made with numpy + pyarrow).
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

HEADER = ["txn_id", "timestamp", "from_bank", "from_account", "to_bank", "to_account", "amount", "currency",
          "channel"]


def generate(path: Path, rows: int, seed: int = 11) -> None:
    rng = np.random.default_rng(seed)
    lines = np.arange(2, rows + 2)
    ts = pa.array((np.datetime64("2021-01-01T00:00:00") + rng.integers(0, 365 * 86400, rows).astype(
        "timedelta64[s]")).astype("datetime64[s]"))
    table = pa.table([
        pc.binary_join_element_wise("L", pa.array(lines).cast(pa.string()), ""),
        pc.strftime(ts, format="%Y-%m-%dT%H:%M:%SZ"), pa.array(["B1"] * rows),
        pc.binary_join_element_wise("A", pa.array(rng.integers(0, 50_000, rows)).cast(pa.string()), ""),
        pa.array(["B2"] * rows),
        pc.binary_join_element_wise("C", pa.array(rng.integers(0, 50_000, rows)).cast(pa.string()), ""),
        pc.round(pa.array(rng.exponential(900, rows)), 2).cast(pa.string()), pa.array(["USD"] * rows),
        pa.array(["wire"] * rows)], names=HEADER)
    pacsv.write_csv(table, path, write_options=pacsv.WriteOptions(quoting_style="none", batch_size=1 << 16))


def spoil(clean: Path, out: Path, *, extra: bool) -> None:
    """One ``"`` at the start of line 11's from_bank field; with ``extra``, also a quoted channel spanning two
    lines on line 1,000 and a blank line after line 5,000."""
    with clean.open("rb") as src, out.open("wb") as dst:
        for n, line in enumerate(src, start=1):
            if n == 11:
                line = line.replace(b",B1,", b',"B1,', 1)
            elif extra and n == 1000:
                line = line.replace(b",wire\n", b',"wi\nre"\n')
            elif extra and n == 5000:
                line += b"\n"
            dst.write(line)


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@dataclass
class Outcome:
    physical: int
    read: int
    stored: int
    quarantined: list[int]
    seconds: float
    cpu: float
    lines_ok: bool   # physical lines = header + blank + continuation + records read
    wrong_lines: int  # stored rows whose line is not the one their txn_id names


def run(path: Path, work: Path, moved: tuple[int, ...] = ()) -> Outcome:
    """``moved``: clean-file lines after which the spoiled file has one more line."""
    from moneytrail.ingest import ingest_transactions
    from moneytrail.store import Case

    with Case.create(Path(tempfile.mkdtemp(dir=work))) as case:
        cpu, start = _cpu(), time.perf_counter()
        result = ingest_transactions(case, path)
        seconds, cpu = time.perf_counter() - start, _cpu() - cpu
        clean_line = "CAST(substr(txn_id, 2) AS BIGINT)"
        shift = " + ".join([f"CAST({clean_line} > {m} AS INTEGER)" for m in moved] or ["0"])
        wrong = int(case.engine.scalar(
            f"SELECT count(*) FROM transactions WHERE origin_line <> {clean_line} + {shift}"))
        quarantined = [r[0] for r in case.engine.rows("SELECT line FROM quarantine ORDER BY line")]
    lines = result.details["lines"]
    physical = sum(1 for _ in path.open("rb"))
    accounted = lines["header"] + lines["blank"] + lines.get("continuation", 0) + result.rows_read
    return Outcome(physical, result.rows_read, result.rows_stored, quarantined, seconds, cpu,
                   physical == lines["physical"] == accounted, wrong)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=200_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mt-bench-stray-") as tmp:
        work = Path(tmp)
        clean = work / "clean.csv"
        started = time.perf_counter()
        generate(clean, args.rows)
        print(f"generated {args.rows:,} rows in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        stray, mixed = work / "stray.csv", work / "stray_multiline_blank.csv"
        spoil(clean, stray, extra=False)
        spoil(clean, mixed, extra=True)
        print(f"\n{'file':<24}{'physical':>11}{'read':>11}{'stored':>11}  {'quarantined lines':<18}"
              f"{'wall s':>8}{'CPU s':>8}{'rows/s':>11}  lines accounted, each row on its line")
        failed = False
        for path, moved in ((clean, ()), (stray, ()), (mixed, (1000, 5000))):
            r = run(path, work, moved)
            ok = r.lines_ok and r.wrong_lines == 0
            failed |= not ok
            print(f"{path.stem:<24}{r.physical:>11,}{r.read:>11,}{r.stored:>11,}  {r.quarantined!s:<18}"
                  f"{r.seconds:>8.2f}{r.cpu:>8.2f}{r.stored / r.seconds:>11,.0f}  {'yes' if ok else 'NO'}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
