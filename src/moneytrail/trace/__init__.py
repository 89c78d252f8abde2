"""Trace stage: time-respecting multi-hop money flows with taint (FIFO, proportional, poison),
country routes and path confidence. ``trace(case, TraceParams(...))`` is the entry point."""

from moneytrail.trace.params import Method, TraceError, TraceParams, parse_gap, parse_method, parse_window
from moneytrail.trace.result import AccountTotal, Flow, Hop, TraceResult
from moneytrail.trace.run import trace

__all__ = ["AccountTotal", "Flow", "Hop", "Method", "TraceError", "TraceParams", "TraceResult", "parse_gap",
           "parse_method", "parse_window", "trace"]
