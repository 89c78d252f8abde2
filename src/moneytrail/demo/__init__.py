"""The one-command demo: generate a synthetic case, run every stage on it, report, and set the
results against the planted truth."""

from moneytrail.demo.pipeline import DemoOptions, run_demo

__all__ = ["DemoOptions", "run_demo"]
