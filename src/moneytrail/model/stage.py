"""The stage contract: what every stage's results are stamped with.

A stage (ingest, resolve, screen, detect, learn, trace, link, evidence, report) has a ``NAME``, a
``VERSION`` (raised when its results would change for the same input and parameters) and a frozen
parameters dataclass. A result is identified by ``Stamp.result_key``: stage, scope (what the result is
about: a typology, a list, an actor) and parameters. A rerun with the same key replaces the stage's
own earlier result; other parameters add a result beside it. The case's data version is added by the
store when results are written, so a result can be shown stale once the data changed.
"""

from __future__ import annotations

import dataclasses
import enum
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from moneytrail.model.ids import stable_id

STAGES = ("ingest", "resolve", "screen", "detect", "learn", "trace", "link", "evidence", "report")


def plain(value: Any) -> Any:
    """Parameters as JSON values: dataclasses as objects, tuples as lists, durations in seconds."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, list | tuple | frozenset | set):
        items = [plain(v) for v in value]
        return sorted(items, key=str) if isinstance(value, frozenset | set) else items
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return plain(value.value)
    return value


def params_json(params: Any) -> str:
    return json.dumps(plain(params), sort_keys=True, default=str)


@dataclass(frozen=True)
class Stamp:
    """Which stage made a result, at which version, with which parameters, about what."""

    stage: str
    version: int
    params: Any  # the stage's frozen parameters (or a mapping of resolved thresholds)
    scope: str = ""

    def __post_init__(self) -> None:
        if self.stage not in STAGES:
            raise ValueError(f"unknown stage {self.stage!r}; stages: {', '.join(STAGES)}")

    @property
    def params_json(self) -> str:
        return params_json(self.params)

    @property
    def result_key(self) -> str:
        """The same stage, scope and parameters name the same result, whatever the version or data."""
        return stable_id(self.stage, self.scope, self.params_json, length=32)
