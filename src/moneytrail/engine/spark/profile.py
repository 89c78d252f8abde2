"""Where a Spark case's time goes, statement by statement: set ``MONEYTRAIL_SPARK_PROFILE=FILE`` and every
engine call (query, statement, write, scratch table, view registration) appends one JSON line to FILE with
its wall seconds, the driver's CPU seconds and the statement's first characters. ``benchmarks/
spark_profile.py`` sums such a file by call and by statement shape. Off (no cost beyond one lookup) unless set.
"""

from __future__ import annotations

import functools
import json
import os
import time
from collections.abc import Callable
from typing import Any, TypeVar

PROFILE_ENV = "MONEYTRAIL_SPARK_PROFILE"
F = TypeVar("F", bound=Callable[..., Any])
_depth = [0]  # nested calls (an INSERT runs as an append, a query refreshes views) are logged with depth > 0


def _text(args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    for value in (*args, *kwargs.values()):
        if isinstance(value, str) and (" " in value or len(value) > 40):
            return " ".join(value.split())[:240]
    return " ".join(str(a) for a in args if isinstance(a, str))[:240]


def profiled(method: F) -> F:
    """``method`` timed into the profile file when ``MONEYTRAIL_SPARK_PROFILE`` is set."""
    @functools.wraps(method)
    def timed(self: Any, *args: Any, **kwargs: Any) -> Any:
        target = os.environ.get(PROFILE_ENV)
        if not target:
            return method(self, *args, **kwargs)
        _depth[0] += 1
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            return method(self, *args, **kwargs)
        finally:
            _depth[0] -= 1
            line = {"t": round(time.time(), 2), "call": method.__name__, "depth": _depth[0],
                    "wall": round(time.perf_counter() - wall, 4), "cpu": round(time.process_time() - cpu, 4),
                    "sql": _text(args, kwargs)}
            with open(target, "a", encoding="utf-8") as out:
                out.write(json.dumps(line) + "\n")
    return timed  # type: ignore[return-value]
