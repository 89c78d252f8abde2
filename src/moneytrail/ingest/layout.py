"""One read of a file before it is ingested: its content hash, and where its records lie.

The hash (on a second thread: hashlib lets go of the GIL on large buffers) is what makes re-ingest
idempotent. The layout says whether every line after the header is exactly one record (no blank line
between records, no quoted field spanning lines, no bare carriage return) and where lines start near
regular byte offsets. When it is, a big file can be read as several pieces side by side, each numbering
its own records, and a record's number plus its piece's first line is its line in the file.
All counting is vectorised over 4 MB blocks.
"""

from __future__ import annotations

import hashlib
import os
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from moneytrail.ingest.compressed import codec_of

_BLOCK = 1 << 22
_NL, _CR, _QUOTE = ord("\n"), ord("\r"), ord('"')
_NONE = np.zeros(0, dtype=np.intp)
# Kind bits of a special line. MINORITY_ENDING: in a file with both CRLF and LF line ends, a line ending
# the less common way (the engine reads each piece with one line ending).
ODD_QUOTES, BLANK, LONE_CR, MINORITY_ENDING, NUL = 1, 2, 4, 8, 16
# Lines of each ending remembered, in case the file turns out to mix them.
MIXED_ENDINGS_LIMIT = 100_000
# Largest piece. Each piece is one single-threaded scan and the engine runs one per core at a time, so a
# file is cut into a multiple of the core count of (nearly) equal pieces: unequal ones leave a core idle
# at the end (a 92 MB file cut at 64 MB ran one 64 MB piece while the other core had finished its 28 MB).
PIECE_BYTES = 64 << 20
# Candidate cuts lie every PIECE_BYTES / GRID bytes, so equal pieces can be chosen among them.
GRID = 64
# At most this many pieces (so a very large file is not one statement of thousands of scans).
MAX_PIECES = 64


@dataclass(frozen=True)
class LineStart:
    offset: int  # byte offset of the line's first byte
    line: int    # 1-based line number (line 1 is the header)


@dataclass
class FileLayout:
    size: int
    gzip: bool                    # compressed (gzip, bzip2 or xz): ingest.compressed decompresses it first
    newlines: int
    header_end: int = -1          # offset just after the header line's newline
    last_record_line: int = 0     # last line that is not blank (trailing blank lines are not records)
    line_per_record: bool = False
    why_not: str = ""             # why the lines are not one record each
    starts: list[LineStart] = field(default_factory=list)  # first line start at or after k * piece_bytes / GRID
    piece_bytes: int = PIECE_BYTES  # largest piece wanted
    lines: int = 0                # physical lines: LF-ended ones plus a last one without LF
    # Lines that are not plainly one record (ingest.records plans them): line number, first byte, byte
    # after the line's LF, and kind bits (ODD_QUOTES | BLANK | LONE_CR). Header (line 1) included.
    special: np.ndarray = field(default_factory=lambda: np.zeros((0, 4), dtype=np.int64))
    mixed_endings: str = ""       # why the file's mixed line endings cannot be read line by line

    @property
    def body_lines(self) -> int:
        """Lines after the header up to the last one with content: the records, when every line is one; else
        an upper bound on them (a blank line is no record, a quoted field may span lines)."""
        return self.last_record_line - 1

    def pieces(self, workers: int = 1) -> list[tuple[int, int, int]]:
        """(start, end, first line) of pieces covering the records after the header, cut at ``starts``: a
        multiple of ``workers`` pieces of at most about ``piece_bytes``, as equal in size as the starts allow."""
        if not self.line_per_record or self.header_end < 0 or self.header_end >= self.size:
            return []
        starts = [s for s in self.starts if s.offset > self.header_end]
        body = self.size - self.header_end
        workers = max(1, workers)
        wanted = workers * -(-body // (workers * max(1, self.piece_bytes)))
        if wanted > MAX_PIECES:
            wanted = max(workers * (MAX_PIECES // workers), 1) if workers <= MAX_PIECES else MAX_PIECES
        offsets = np.array([s.offset for s in starts], dtype=np.int64)
        chosen: list[LineStart] = []
        for k in range(1, wanted):  # the start nearest each equal share, each used once
            target = self.header_end + body * k // wanted
            i = int(np.searchsorted(offsets, target))
            if i > 0 and (i == len(starts) or target - offsets[i - 1] < offsets[i] - target):
                i -= 1
            if i < len(starts) and (not chosen or starts[i].offset > chosen[-1].offset):
                chosen.append(starts[i])
        cuts = [LineStart(self.header_end, 2), *chosen]
        ends = [c.offset for c in cuts[1:]] + [self.size]
        return [(c.offset, end, c.line) for c, end in zip(cuts, ends, strict=True) if end > c.offset]

    def coarse_starts(self) -> list[LineStart]:
        """Line starts about ``piece_bytes`` apart (every GRID-th candidate)."""
        return self.starts[GRID - 1::GRID]


def cores() -> int:
    """The cores this process may run on: the engine's default thread count."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


class _Scan:
    """Running state of the layout scan across blocks."""

    def __init__(self, size: int, piece_bytes: int) -> None:
        self.layout = FileLayout(size=size, gzip=False, newlines=0, piece_bytes=piece_bytes)
        self.piece_bytes = max(1, piece_bytes // GRID)  # distance between candidate cuts
        self.next_target = self.piece_bytes
        self.quotes_open = 0          # quotes since the last newline
        self.prev_last = -1           # last byte of the previous block
        self.line_begin = 0           # offset where the current line began
        self.first_blank = -1         # offset of the first blank line
        self.last_content = -1        # offset of the last byte that is neither CR nor LF
        self.newlines_after_content = 0
        self.lone_cr = False
        self.odd_quotes_line = False
        self.first_nul = -1
        self.open_has_cr = False      # the line still open at the block's end holds a lone CR
        self.open_has_nul = False
        self.endings = {True: 0, False: 0}  # lines ending CRLF (True) and LF (False)
        self.ending_rows: dict[bool, list[np.ndarray]] = {True: [], False: []}
        self.special: list[np.ndarray] = []

    def feed(self, block: np.ndarray, at: int, raw: bytes | None = None) -> None:
        """Take in the block at byte ``at``; ``raw`` (the same bytes) lets absent bytes be ruled out at memchr
        speed instead of a full vector compare each."""
        if raw is not None and self._feed_plain(block, raw, at):
            return

        def where(byte: int) -> np.ndarray:
            if raw is not None and raw.find(bytes((byte,))) < 0:
                return _NONE
            return np.flatnonzero(block == byte)

        nl = np.flatnonzero(block == _NL)
        last = _last_content(block)
        if last >= 0:
            self.last_content = at + last
            self.newlines_after_content = int(nl.size - np.searchsorted(nl, last))
        else:
            self.newlines_after_content += int(nl.size)
        cr = where(_CR)
        cr_lines = np.zeros(nl.size, dtype=bool)
        nul = where(0)
        nul_lines = np.zeros(nl.size, dtype=bool)
        if nul.size or self.open_has_nul:
            which = np.searchsorted(nl, nul)
            nul_lines[which[which < nl.size]] = True
            if self.open_has_nul and nl.size:
                nul_lines[0] = True
            self.open_has_nul = bool(np.any(which >= nl.size)) or (self.open_has_nul and not nl.size)
            if nul.size and self.first_nul < 0:
                self.first_nul = at + int(nul[0])
        if self.prev_last == _CR and block[0] != _NL:
            self.lone_cr = self.open_has_cr = True
        if cr.size:
            self._check_cr(block, cr, nl, cr_lines)
        quotes = where(_QUOTE)
        n_quotes = int(quotes.size)
        if nl.size:
            if self.layout.header_end < 0:
                self.layout.header_end = at + int(nl[0]) + 1
            odd = np.zeros(nl.size, dtype=bool)
            if n_quotes or self.quotes_open:
                # Quotes per line: an odd count means a quoted field runs on to the next line.
                per_line = np.diff(np.concatenate(([0], np.searchsorted(quotes, nl))))
                per_line[0] += self.quotes_open
                odd = (per_line % 2).astype(bool)
                if np.any(odd):
                    self.odd_quotes_line = True
                self.quotes_open = int(quotes.size - np.searchsorted(quotes, nl[-1]))
            if self.open_has_cr:
                cr_lines[0] = True
                self.open_has_cr = False
            self._note_special(block, nl, at, odd, cr_lines, nul_lines)
            self.line_begin = at + int(nl[-1]) + 1
            self._note_starts(nl, at)
        else:
            self.quotes_open += n_quotes
        self.layout.newlines += int(nl.size)
        self.prev_last = int(block[-1])

    def _feed_plain(self, block: np.ndarray, raw: bytes, at: int) -> bool:
        """Take in a block with nothing special in it (no quote, CR or NUL byte, no blank line) once the header
        is behind and the lines remembered in case of mixed endings are complete: newlines counted on a mask,
        without the per-line vectors of ``feed`` (the same state results). False, doing nothing, otherwise."""
        if (self.layout.header_end < 0 or self.quotes_open or self.open_has_cr or self.open_has_nul
                or self.prev_last == _CR or self.endings[False] < MIXED_ENDINGS_LIMIT or len(raw) < 2):
            return False
        if b'"' in raw or b"\r" in raw or b"\x00" in raw or (self.prev_last == _NL and raw[0] == _NL):
            return False
        is_nl = block == _NL
        if np.any(is_nl[1:] & is_nl[:-1]):  # a blank line
            return False
        last_nl = raw.rfind(b"\n")
        if last_nl < 0:
            return False
        # No blank line: at most the block's last byte is a newline after its last content byte.
        trailing = 1 if raw[-1] == _NL else 0
        self.last_content = at + len(raw) - 1 - trailing
        self.newlines_after_content = trailing
        newlines = int(np.count_nonzero(is_nl))
        self.endings[False] += newlines  # every line ends in LF, none is blank
        self.line_begin = at + last_nl + 1
        end, counted_to, counted = at + last_nl + 1, 0, 0
        while self.next_target <= end - 1:  # as ``_note_starts``, with the index of the newline counted
            pos = raw.find(b"\n", max(self.next_target - 1 - at, 0))
            counted += int(np.count_nonzero(is_nl[counted_to:pos]))
            counted_to = pos
            offset = at + pos + 1
            if offset < self.layout.size:
                self.layout.starts.append(LineStart(offset, self.layout.newlines + counted + 2))
            self.next_target = max(self.next_target + self.piece_bytes, offset + 1)
        self.layout.newlines += newlines
        self.prev_last = raw[-1]
        return True

    def _check_cr(self, block: np.ndarray, cr: np.ndarray, nl: np.ndarray, cr_lines: np.ndarray) -> None:
        """A CR not followed by LF ends a record for DuckDB but not a line here."""
        inner = cr[cr < block.size - 1]  # a CR at the block's end is checked with the next block
        lone = inner[block[inner + 1] != _NL]
        if lone.size:
            self.lone_cr = True
            which = np.searchsorted(nl, lone)
            cr_lines[which[which < nl.size]] = True
            if np.any(which >= nl.size):
                self.open_has_cr = True

    def _note_special(self, block: np.ndarray, nl: np.ndarray, at: int, odd: np.ndarray,
                      cr_lines: np.ndarray, nul_lines: np.ndarray) -> None:
        begins = np.concatenate(([self.line_begin - at], nl[:-1] + 1))
        length = nl - begins
        before = np.where(nl > 0, block[np.maximum(nl - 1, 0)], self.prev_last)  # the byte before each LF
        blank = (length == 0) | ((length == 1) & (before == _CR))
        if self.first_blank < 0 and np.any(blank):
            self.first_blank = at + int(begins[int(np.argmax(blank))])
        kind = odd * ODD_QUOTES + blank * BLANK + cr_lines * LONE_CR + nul_lines * NUL
        which = np.flatnonzero(kind)
        if which.size:
            self.special.append(self._rows(which, begins, nl, at, kind[which]))
        crlf = (before == _CR) & ~blank
        for ending, mask in ((True, crlf), (False, ~crlf & ~blank)):
            count = int(mask.sum())
            if count and self.endings[ending] < MIXED_ENDINGS_LIMIT:
                lines = np.flatnonzero(mask)[:MIXED_ENDINGS_LIMIT - self.endings[ending]]
                self.ending_rows[ending].append(self._rows(lines, begins, nl, at, np.full(lines.size, MINORITY_ENDING)))
            self.endings[ending] += count

    def _rows(self, which: np.ndarray, begins: np.ndarray, nl: np.ndarray, at: int, kind: np.ndarray) -> np.ndarray:
        """(line, first byte, byte after LF, kind) of the block's lines ``which``."""
        return np.stack([self.layout.newlines + which + 1, at + begins[which], at + nl[which] + 1, kind],
                        axis=1).astype(np.int64)

    def _note_starts(self, nl: np.ndarray, at: int) -> None:
        end = at + int(nl[-1]) + 1
        while self.next_target <= end - 1:
            i = int(np.searchsorted(nl, self.next_target - 1 - at))
            offset = at + int(nl[i]) + 1
            if offset < self.layout.size:
                # The line after the (newlines before this block + i + 1)-th newline.
                self.layout.starts.append(LineStart(offset, self.layout.newlines + i + 2))
            self.next_target = max(self.next_target + self.piece_bytes, offset + 1)

    def finish(self) -> FileLayout:
        lay = self.layout
        # Lines up to the last one with content are records; blank lines after it are not.
        lay.last_record_line = 0 if self.last_content < 0 else 1 + lay.newlines - self.newlines_after_content
        reasons = []
        if 0 <= self.first_blank < self.last_content:
            reasons.append("a blank line between records")
        if self.odd_quotes_line or self.quotes_open % 2:
            reasons.append("a quoted field that spans lines")
        if self.lone_cr or self.prev_last == _CR:
            reasons.append("a carriage return without a line feed")
        mixed = self.endings[True] and self.endings[False]
        if mixed:
            reasons.append("both CRLF and LF line endings")
        if self.first_nul >= 0:
            reasons.append("a NUL byte")
        lay.why_not = "; ".join(reasons)
        lay.line_per_record = not reasons and lay.header_end >= 0
        lay.lines = lay.newlines + (1 if self.line_begin < lay.size else 0)
        if self.line_begin < lay.size:  # the last line has no LF
            kind = (self.quotes_open % 2) * ODD_QUOTES + (LONE_CR if self.open_has_cr or self.prev_last == _CR else 0) \
                + (NUL if self.open_has_nul else 0)
            if kind:
                self.special.append(np.array([[lay.lines, self.line_begin, lay.size, kind]], dtype=np.int64))
        if mixed:
            minority = self.endings[True] <= self.endings[False]
            if self.endings[minority] > MIXED_ENDINGS_LIMIT:
                lay.mixed_endings = (f"{self.endings[True]:,} lines end in CRLF and {self.endings[False]:,} in LF; "
                                     "convert the file to one kind of line ending")
            else:
                self.special.extend(self.ending_rows[minority])
        if self.special:
            lay.special = _merge_special(np.concatenate(self.special))
        return lay


def _merge_special(rows: np.ndarray) -> np.ndarray:
    """Rows sorted by line, one per line, kinds OR-ed together."""
    rows = rows[np.argsort(rows[:, 0], kind="stable")]
    lines, first = np.unique(rows[:, 0], return_index=True)
    if lines.size == rows.shape[0]:
        return rows
    kinds = np.bitwise_or.reduceat(rows[:, 3], first)
    merged = rows[first].copy()
    merged[:, 3] = kinds
    return merged


def _last_content(block: np.ndarray) -> int:
    """Index of the block's last byte that is neither CR nor LF, or -1."""
    tail = bytes(block[-64:])
    kept = len(tail.rstrip(b"\r\n"))
    if kept:
        return block.size - len(tail) + kept - 1
    mask = (block != _NL) & (block != _CR)
    if not mask.any():
        return -1
    return int(block.size - 1 - np.argmax(mask[::-1]))


def read_layout(path: Path, piece_bytes: int | None = None) -> tuple[str, FileLayout]:
    """The file's SHA-1 and its layout, from one read."""
    digest = hashlib.sha1()
    size = path.stat().st_size
    scan = _Scan(size, piece_bytes or PIECE_BYTES)
    with path.open("rb") as fh, ThreadPoolExecutor(max_workers=1) as pool:
        pending: Future[None] | None = None
        at = 0
        while chunk := fh.read(_BLOCK):
            if pending is not None:
                pending.result()
            pending = pool.submit(digest.update, chunk)
            if at == 0 and codec_of(chunk[:16]) is not None:
                scan.layout.gzip = True
            if not scan.layout.gzip:
                scan.feed(np.frombuffer(chunk, dtype=np.uint8), at, chunk)
            at += len(chunk)
        if pending is not None:
            pending.result()
    if scan.layout.gzip:
        return digest.hexdigest(), FileLayout(size=size, gzip=True, newlines=-1, why_not="gzip")
    return digest.hexdigest(), scan.finish()
