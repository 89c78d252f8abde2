"""Byte ranges of a local file, readable by DuckDB as files of their own.

DuckDB numbers CSV records in file order only in a single-threaded scan (``row_number() OVER ()``), and its
reader cannot start at a byte offset. Exposing pieces of one file that start and end on record boundaries
as separate files (through an fsspec filesystem registered on the connection) lets each piece be read by
its own single-threaded, numbered scan, side by side, with nothing copied: reads go straight to the
original file with ``pread``.
"""

from __future__ import annotations

import io
import os
import threading
from itertools import count
from pathlib import Path
from typing import Any

from fsspec.spec import AbstractFileSystem  # type: ignore[import-untyped]

PROTOCOL = "mtrange"


class _RangeReader(io.RawIOBase):
    """The bytes [start, end) of a file, as a seekable raw stream."""

    def __init__(self, path: Path, start: int, end: int) -> None:
        super().__init__()
        self._fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
        self._start, self._size, self._pos = start, end - start, 0
        self._lock = threading.Lock()

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def readinto(self, buffer: Any) -> int:
        n = min(len(buffer), self._size - self._pos)
        if n <= 0:
            return 0
        target = memoryview(buffer)[:n]
        if hasattr(os, "preadv"):  # reads at an offset, whatever else uses the descriptor
            got = os.preadv(self._fd, [target], self._start + self._pos)
        else:  # macOS, Windows: seek and read under a lock
            with self._lock:
                os.lseek(self._fd, self._start + self._pos, os.SEEK_SET)
                data = os.read(self._fd, n)
            got = len(data)
            target[:got] = data
        self._pos += got
        return got

    def close(self) -> None:
        if not self.closed:
            os.close(self._fd)
        super().close()


class ByteRangeFileSystem(AbstractFileSystem):  # type: ignore[misc]  # fsspec ships no type hints
    """Named byte ranges of local files; ``mtrange://<name>`` reads one of them."""

    protocol = PROTOCOL
    cachable = False

    def __init__(self) -> None:
        super().__init__()
        self._ranges: dict[str, tuple[Path, int, int]] = {}
        self._names = count()

    def add(self, path: Path, start: int, end: int) -> str:
        """Register the bytes [start, end) of ``path``; returns the URL to read them by."""
        name = f"r{next(self._names)}"
        self._ranges[name] = (Path(path), start, end)
        return f"{PROTOCOL}://{name}"

    def release(self, url: str) -> None:
        self._ranges.pop(self._name(url), None)

    def _name(self, path: str) -> str:
        return str(path).split("://", 1)[-1].strip("/")

    def _lookup(self, path: str) -> tuple[Path, int, int]:
        try:
            return self._ranges[self._name(path)]
        except KeyError:
            raise FileNotFoundError(path) from None

    def _open(self, path: str, mode: str = "rb", **kwargs: Any) -> io.BufferedReader:
        if "r" not in mode:
            raise PermissionError(f"{path}: byte ranges are read-only")
        file, start, end = self._lookup(path)
        return io.BufferedReader(_RangeReader(file, start, end), buffer_size=1 << 22)

    def info(self, path: str, **kwargs: Any) -> dict[str, Any]:
        _, start, end = self._lookup(path)
        return {"name": f"{PROTOCOL}://{self._name(path)}", "size": end - start, "type": "file"}

    def ls(self, path: str, detail: bool = True, **kwargs: Any) -> list[Any]:
        return [self.info(path)] if detail else [self.info(path)["name"]]
