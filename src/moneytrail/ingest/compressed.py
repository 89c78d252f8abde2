"""Compressed input, verified before anything is read: gzip (CRC-32 and length of every member), bzip2 and xz.

The file is decompressed once into a temporary file, which the format readers then read like any plain file
(so its lines are counted exactly). A damaged stream (bad CRC or length, corrupt data, truncation, bytes
after the last member) refuses the ingest with the file, the compressed byte offset where decoding failed
and the last complete line; nothing is stored. Under ``salvaging()`` (the CLI's ``--salvage``) the complete
lines before the damage are read and the damage itself is quarantined with its reason.
"""

from __future__ import annotations

import bz2
import lzma
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from moneytrail.ingest.result import IngestError

_SALVAGE: ContextVar[bool] = ContextVar("moneytrail_salvage", default=False)
_CHUNK = 1 << 16


class _Decoder(Protocol):
    eof: bool
    unused_data: bytes

    def decompress(self, data: bytes) -> bytes: ...


def _gzip() -> Any:
    return zlib.decompressobj(wbits=31)  # 31: gzip wrapper; checks CRC-32 and ISIZE at the member's end


CODECS: dict[bytes, tuple[str, Callable[[], Any]]] = {
    b"\x1f\x8b": ("gzip", _gzip),
    b"BZh": ("bzip2", bz2.BZ2Decompressor),
    b"\xfd7zXZ\x00": ("xz", lzma.LZMADecompressor),
}
_ERRORS = (zlib.error, OSError, EOFError, lzma.LZMAError, ValueError)


@contextmanager
def salvaging(enabled: bool = True) -> Iterator[None]:
    """Within this block a damaged compressed file is read up to the damage instead of refused."""
    token = _SALVAGE.set(enabled)
    try:
        yield
    finally:
        _SALVAGE.reset(token)


def salvage_enabled() -> bool:
    return _SALVAGE.get()


def codec_of(head: bytes) -> tuple[str, Callable[[], Any]] | None:
    """The codec whose magic bytes ``head`` starts with (bzip2's are checked past the block size digit, as
    ``BZh`` alone could begin a text header)."""
    for magic, codec in CODECS.items():
        if head.startswith(magic) and (magic != b"BZh" or head[4:10] == b"1AY&SY" or head[4:10] == b"\x17rE8P\x90"):
            return codec
    return None


def first_decompressed_line(path: Path, codec: tuple[str, Callable[[], Any]], limit: int) -> bytes:
    """The first line (up to ``limit`` bytes) of a compressed file, for reading its header."""
    decoder: _Decoder = codec[1]()
    out = b""
    with path.open("rb") as fh:
        while (chunk := fh.read(_CHUNK)) and b"\n" not in out and len(out) < limit and not decoder.eof:
            out += decoder.decompress(chunk)
    end = out.find(b"\n")
    return out[:end + 1 if end >= 0 else limit]


@dataclass(frozen=True)
class Damage:
    codec: str
    offset: int     # compressed byte at which decoding failed (the file's size for a truncation)
    last_line: int  # last complete line before the damage
    reason: str
    tail: bytes     # the incomplete line decoded before the damage

    def message(self, path: Path) -> str:
        return (f"{path}: damaged {self.codec} input at compressed byte {self.offset:,}, after line "
                f"{self.last_line:,}: {self.reason}")


def _decode_step(decoder: _Decoder, data: bytes) -> tuple[bytes, int]:
    """Decode ``data`` byte by byte to find where it fails: (output before the failure, bytes accepted)."""
    out = bytearray()
    for i in range(len(data)):
        try:
            out += decoder.decompress(data[i:i + 1])
        except _ERRORS:
            return bytes(out), i
        if decoder.eof:
            return bytes(out), i + 1
    return bytes(out), len(data)


def decompress_verified(path: Path, target: Path) -> Damage | None:
    """Decompress ``path`` into ``target``; None when it is whole, else where and why it broke (``target``
    then holds the complete lines before the damage)."""
    with path.open("rb") as fh:
        head = fh.read(16)
    codec = codec_of(head)
    if codec is None:
        raise IngestError(f"{path}: not a compressed file")
    name, make = codec
    lines, tail, consumed = 0, b"", 0
    decoder: _Decoder = make()
    damage: tuple[int, str] | None = None
    with path.open("rb") as src, target.open("wb") as out:
        def emit(data: bytes) -> None:
            nonlocal lines, tail
            if not data:
                return
            cut = data.rfind(b"\n")
            if cut < 0:
                tail += data
                return
            out.write(tail + data[:cut + 1])
            lines += data.count(b"\n")
            tail = data[cut + 1:]

        while damage is None and (chunk := src.read(_CHUNK)):
            while chunk:
                if decoder.eof:  # a new member, zero padding, or bytes that do not belong
                    if not chunk.strip(b"\x00"):
                        consumed += len(chunk)
                        chunk = b""
                        break
                    if codec_of(chunk) is None:
                        damage = (consumed, "bytes after the end of the compressed stream")
                        break
                    decoder = make()
                try:
                    emit(decoder.decompress(chunk))
                except _ERRORS as exc:
                    damage = (consumed + _locate(make, path, consumed, chunk), str(exc) or type(exc).__name__)
                    break
                if decoder.eof:
                    rest = decoder.unused_data
                    consumed += len(chunk) - len(rest)
                    chunk = rest
                else:
                    consumed += len(chunk)
                    chunk = b""
        if damage is None and not decoder.eof:
            damage = (consumed, "truncated: the compressed stream ends before its end marker (incomplete download?)")
    if damage is None:
        if tail:
            with target.open("ab") as out:
                out.write(tail)
        return None
    return Damage(codec=name, offset=damage[0], last_line=lines, reason=_explain(damage[1]), tail=tail)


def _locate(make: Callable[[], Any], path: Path, consumed: int, chunk: bytes) -> int:
    """Offset within ``chunk`` where decoding fails: the chunk is fed again, byte by byte, to a decoder
    brought to the same point (decoders cannot be copied generically, so the stream is replayed)."""
    decoder = make()
    with path.open("rb") as fh:
        done = 0
        while done < consumed:
            block = fh.read(min(_CHUNK, consumed - done))
            done += len(block)
            try:
                data = block
                while data:
                    if decoder.eof:
                        decoder = make()
                    decoder.decompress(data)
                    data = decoder.unused_data if decoder.eof else b""
            except _ERRORS:
                return 0
    _, accepted = _decode_step(decoder, chunk)
    return accepted


def _explain(reason: str) -> str:
    if "incorrect data check" in reason:
        return f"CRC mismatch ({reason}): the data is corrupt"
    if "incorrect length check" in reason:
        return f"length mismatch ({reason}): the data is corrupt"
    return reason
