"""Plain CSV output shared by the generator's writers."""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

import pyarrow as pa
import pyarrow.csv as pacsv


def write_plain_csv(table: pa.Table, sink: Path | BinaryIO, header: bool = True) -> None:
    """CSV without quotes (ids, codes and amounts never need them) and with a bare header line."""
    if isinstance(sink, Path):
        with sink.open("wb") as fh:
            write_plain_csv(table, fh, header)
        return
    if header:
        sink.write((",".join(table.column_names) + "\n").encode())
    pacsv.write_csv(table, sink, pacsv.WriteOptions(include_header=False, quoting_style="none"))
