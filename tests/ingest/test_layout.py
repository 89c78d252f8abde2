"""The file layout read before an ingest: is every line one record, and where may the file be cut."""

from __future__ import annotations

import hashlib
import itertools
from pathlib import Path

import numpy as np
import pytest

from moneytrail.ingest.layout import read_layout


@pytest.mark.parametrize(("body", "per_record", "why_not", "records"), [
    (b"h\n1\n2\n", True, "", 2),
    (b"h\n1\n2", True, "", 2),                          # no newline at the end
    (b"h\n1\n2\n\n\n", True, "", 2),                    # blank lines after the last record are not records
    (b"h\r\n1\r\n2\r\n\r\n", True, "", 2),
    (b'h\n"a,b",1\n"x""y",2\n', True, "", 2),           # quotes, none spanning lines
    (b"h\n1\n\n2\n", False, "a blank line between records", None),
    (b"h\r\n1\r\n\r\n2\r\n", False, "a blank line between records", None),
    (b'h\n"a\nb",1\n2\n', False, "a quoted field that spans lines", None),
    (b"h\n1\r2\n", False, "a carriage return without a line feed", None),
])
def test_layout_says_whether_each_line_is_one_record(tmp_path: Path, body: bytes, per_record: bool, why_not: str,
                                                     records: int | None) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes(body)
    digest, layout = read_layout(path, piece_bytes=2)
    assert digest == hashlib.sha1(body).hexdigest()
    body_records = layout.body_lines if layout.line_per_record else None
    assert (layout.line_per_record, layout.why_not, body_records) == (per_record, why_not, records)
    assert layout.pieces() if per_record else layout.pieces() == []


def test_pieces_start_on_lines_and_cover_the_body_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from moneytrail.ingest import layout as layout_module
    monkeypatch.setattr(layout_module, "MAX_PIECES", 10_000)
    rng = np.random.default_rng(2)
    lines = [b"header,x"] + [b"," * int(n) + b"v" * int(m) for n, m in zip(rng.integers(0, 5, 60_000),
                                                                           rng.integers(1, 300, 60_000), strict=True)]
    body = b"\n".join(lines) + b"\n"
    path = tmp_path / "f.csv"
    path.write_bytes(body)
    # Blocks are 4 MB; pieces of about 64 kB make boundaries fall inside blocks and on block edges.
    _, layout = read_layout(path, piece_bytes=65_536)
    pieces = layout.pieces()
    assert len(pieces) > 100 and pieces[0][0] == len(lines[0]) + 1 and pieces[-1][1] == len(body)
    for (start, end, first_line), nxt in zip(pieces, [*pieces[1:], (len(body), 0, 0)], strict=True):
        assert end == nxt[0] and body[start - 1:start] == b"\n"
        assert body[:start].count(b"\n") + 1 == first_line
    assert layout.newlines == len(lines) and layout.line_per_record and layout.body_lines == len(lines) - 1


def test_gzip_is_read_as_one_piece(tmp_path: Path) -> None:
    import gzip
    path = tmp_path / "f.csv.gz"
    path.write_bytes(gzip.compress(b"h\n1\n2\n"))
    _, layout = read_layout(path, piece_bytes=2)
    assert layout.gzip and not layout.line_per_record and layout.pieces() == []


def test_a_very_large_file_is_cut_into_at_most_max_pieces(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from moneytrail.ingest import layout as layout_module
    monkeypatch.setattr(layout_module, "MAX_PIECES", 5)
    body = b"h\n" + b"".join(b"%06d\n" % i for i in range(10_000))
    path = tmp_path / "f.csv"
    path.write_bytes(body)
    _, layout = read_layout(path, piece_bytes=1_000)
    pieces = layout.pieces()
    assert len(layout.starts) > 50 and 2 <= len(pieces) <= 5
    assert pieces[0][0] == 2 and pieces[-1][1] == len(body)
    assert all(a[1] == b[0] for a, b in itertools.pairwise(pieces))


@pytest.mark.parametrize("workers", [1, 2, 3, 8])
def test_pieces_come_in_a_multiple_of_the_workers_and_equal_sizes(tmp_path: Path, workers: int) -> None:
    """Unequal pieces leave a core idle at the end: a 92 MB file cut at 64 MB ran 64 MB on one core."""
    body = b"h\n" + b"".join(b"%09d,abcdefghij\n" % i for i in range(200_000))  # 4 MB
    path = tmp_path / "f.csv"
    path.write_bytes(body)
    _, layout = read_layout(path, piece_bytes=1 << 20)
    pieces = layout.pieces(workers)
    assert len(pieces) % workers == 0 and len(pieces) >= 4
    sizes = [end - start for start, end, _ in pieces]
    grid = (1 << 20) // 64
    assert max(sizes) - min(sizes) <= 2 * grid + 40, sizes
    assert pieces[0][0] == 2 and pieces[-1][1] == len(body)
    assert all(a[1] == b[0] for a, b in itertools.pairwise(pieces))
    for start, _, first_line in pieces:
        assert body[:start].count(b"\n") + 1 == first_line


def _layout_fields(layout: object) -> dict[str, object]:
    fields = dict(vars(layout))
    fields["special"] = np.asarray(fields["special"]).tolist()
    return fields


@pytest.mark.parametrize("seed", range(40))
def test_plain_blocks_counted_fast_give_the_same_layout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        seed: int) -> None:
    """Blocks with nothing special in them skip the per-line vectors (``_Scan._feed_plain``): with tiny
    blocks, a tiny memory of line endings and special lines sprinkled late, both ways agree on everything."""
    from moneytrail.ingest import layout as layout_module
    monkeypatch.setattr(layout_module, "_BLOCK", 97)
    monkeypatch.setattr(layout_module, "MIXED_ENDINGS_LIMIT", 5)
    rng = np.random.default_rng(seed)
    specials = [b"", b'"a,b",1', b'"open', b"x\r", b"a\x00b", b"1\r"]
    lines = [b"h,x"]
    for i in range(int(rng.integers(50, 400))):
        roll = rng.random()
        text = b"%d,%s" % (i, b"v" * int(rng.integers(0, 60)))
        lines.append(specials[int(rng.integers(0, len(specials)))] if roll < 0.03 * (seed % 4) else text)
    ending = [b"\n", b"\r\n"][int(rng.integers(0, 2))] if seed % 5 == 0 else b"\n"
    body = ending.join(lines) + (b"\n" if seed % 3 else b"")
    path = tmp_path / "f.csv"
    path.write_bytes(body)
    fast = read_layout(path, piece_bytes=2_000)
    monkeypatch.setattr(layout_module._Scan, "_feed_plain", lambda self, block, raw, at: False)
    slow = read_layout(path, piece_bytes=2_000)
    assert fast[0] == slow[0]
    assert _layout_fields(fast[1]) == _layout_fields(slow[1])
    assert fast[1].pieces(2) == slow[1].pieces(2)
