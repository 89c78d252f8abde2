from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pytest

from moneytrail.generate import GenerateConfig, generate_case
from moneytrail.generate.truth import read_truth


def read_text_csv(path: Path) -> pa.Table:
    """A CSV with every column as text, so ids such as '00519' keep their zeros."""
    with path.open("rb") as fh:
        header = next(csv.reader([fh.readline().decode().strip()]))
    names = [f"{c}.1" if header[:i].count(c) else c for i, c in enumerate(header)]
    return pacsv.read_csv(path, read_options=pacsv.ReadOptions(column_names=names, skip_rows=1),
                          convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(names, pa.string())))


class GeneratedCase:
    def __init__(self, out: Path, truth: dict[str, Any]) -> None:
        self.out = out
        self.truth = truth
        self.txns = read_text_csv(out / "transactions.csv")
        self.reported = read_text_csv(out / "reported_transfers.csv")
        self.accounts = read_text_csv(out / "accounts.csv")

    def rows_by_id(self) -> dict[str, dict[str, str]]:
        """Planted rows only (truth ids), looked up with a vectorised filter."""
        wanted = {t for a in self.truth["typologies"] for t in a["txn_ids"]}
        net = self.truth["network"]
        wanted |= {t for a in self.truth["attacks"] for t in a["payment_txn_ids"]}
        wanted |= {t for tr in net["tranches"] for ids in tr.values() for t in ids}
        wanted |= set(net["unattached_payment_txn_ids"])
        wanted |= set(net["control_group"]["income_txn_ids"])
        out: dict[str, dict[str, str]] = {}
        for table in (self.txns, self.reported):
            mask = pa.compute.is_in(table["txn_id"], value_set=pa.array(sorted(wanted)))
            for row in table.filter(mask).to_pylist():
                out[row["txn_id"]] = row
        return out


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory) -> GeneratedCase:
    out = tmp_path_factory.mktemp("generated") / "case"
    truth = generate_case(out, GenerateConfig(transactions=30_000, seed=11))
    assert read_truth(out / "truth.json") == truth
    return GeneratedCase(out, truth)
