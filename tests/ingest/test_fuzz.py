"""Fuzzing: valid files mutated byte by byte (hypothesis, bounded example count) are refused with a clear
error or read with every physical line accounted for and each stored row on its own line."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from moneytrail.ingest import IngestError
from moneytrail.store import Case
from tests.ingest.corpus import make_corpus
from tests.ingest.test_corpus import INGEST, _check_accounting, _check_lines, _physical_lines, _plain_bytes

# Per kind; about 0.1 s each. MONEYTRAIL_FUZZ_EXAMPLES=2000 runs a longer, randomised hunt.
EXAMPLES = int(os.environ.get("MONEYTRAIL_FUZZ_EXAMPLES", "40"))
BASES = {b.kind: b for b in (make() for make in make_corpus.BASES)}
# Bytes that matter to a CSV or JSON reader, plus anything.
INTERESTING = st.sampled_from([*list(b'"\n\r,;\x00{}[]\\'), 255, 195, 226, 128, 168]) | st.integers(0, 255)
EDIT = st.tuples(st.sampled_from(["insert", "replace", "delete"]), st.floats(0, 1, exclude_max=True), INTERESTING)


def _mutate(data: bytes, edits: list[tuple[str, float, int]]) -> bytes:
    out = bytearray(data)
    for op, where, byte in edits:
        at = int(where * len(out)) if out else 0
        if op == "insert" or not out:
            out[at:at] = bytes([byte])
        elif op == "replace":
            out[at] = byte
        else:
            del out[at]
    return bytes(out)


@pytest.mark.parametrize("kind", ["native", "amlworld", "events", "entities"])
def test_byte_mutations_keep_every_line_accounted_for(kind: str, tmp_path: Path) -> None:
    base = BASES[kind]
    original = make_corpus._join(base.header, base.rows)
    counter = iter(range(10**6))
    started = time.perf_counter()
    with Case.create(tmp_path / "case") as case:

        @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=EXAMPLES == 40,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
        @given(edits=st.lists(EDIT, min_size=1, max_size=6))
        def check(edits: list[tuple[str, float, int]]) -> None:
            data = _mutate(original, edits)
            path = tmp_path / f"fuzz{next(counter)}{base.suffix}"
            path.write_bytes(data)
            earlier = case.engine.rows("SELECT ingest_id, rows_stored FROM ingest_log ORDER BY ALL")
            try:
                result = INGEST[kind](case, path)
            except IngestError as exc:
                assert str(path) in str(exc) and "SELECT" not in str(exc)
                return
            finally:
                later = {r[0]: r[1] for r in case.engine.rows("SELECT ingest_id, rows_stored FROM ingest_log")}
                assert all(later.get(i) == n for i, n in earlier)  # earlier ingests untouched
            if result.skipped:
                return
            assert result.reconciles
            lines = _physical_lines(_plain_bytes(path))
            _check_accounting(kind, result, lines)
            _check_lines(case, kind, result, lines, {})

        check()
    assert time.perf_counter() - started < 120  # bounded: a few seconds normally, generous on a busy machine
