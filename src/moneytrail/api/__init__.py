"""The Python API for notebooks and scripts: ``moneytrail.open(path)`` gives an ``Investigation``."""

from moneytrail.api.case import Ingest, Investigation, open_case, synthetic_case
from moneytrail.api.results import Findings, Ingested, Linked, Table, Traced

open = open_case  # ``mt.open("case/")``; shadows the builtin only inside this package

__all__ = ["Findings", "Ingest", "Ingested", "Investigation", "Linked", "Table", "Traced", "open", "open_case",
           "synthetic_case"]
