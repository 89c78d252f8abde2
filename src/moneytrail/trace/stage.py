"""The trace stage's contract (``model.stage``): its parameters are ``TraceParams``."""

from __future__ import annotations

from moneytrail.model.stage import Stamp
from moneytrail.trace.params import TraceParams

NAME = "trace"
VERSION = 1
Params = TraceParams


def trace_stamp(params: TraceParams) -> Stamp:
    return Stamp(NAME, VERSION, params.as_dict(), scope="trace")
