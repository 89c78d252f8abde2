"""The report stage's contract (``model.stage``): its parameters are ``ReportOptions``; the sample
case's illustrative findings are stamped as the report's own."""

from __future__ import annotations

from moneytrail.model.stage import Stamp
from moneytrail.report.build import ReportOptions

NAME = "report"
VERSION = 1
Params = ReportOptions


def sample_stamp(scope: str) -> Stamp:
    return Stamp(NAME, VERSION, {"sample": scope}, scope=scope)
