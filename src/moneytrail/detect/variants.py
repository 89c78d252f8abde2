"""The weaker variants' grade: a finding of a structural or long-window variant rests on its method too.

Findings are graded once, by the store, as the weakest link of what they cite (``store.grading``). A
strict rule's finding cites transactions and so is as credible as they are (bank records: B2, "probable").
A variant (``cycle-structural``, ``random-structural``, ``scatter-gather-structural``,
``gather-scatter-structural``, ``fan-in-long``, ``fan-out-long``, ``bipartite-busy``, ``stack-busy``)
drops a test that ordinary trade seldom passes (amounts carried on, time order, quiet accounts, a window of
days), so what it says is at best "possibly true": each of its findings also cites the method source
``METHOD_SOURCE_ID``, graded A3 (reliable as a procedure; its conclusions possibly true). The weakest link
then gives B3 over B2 records, and never anything stronger than the data. An analyst who judges the
variants differently re-grades that source (``moneytrail evidence grade``); every finding citing it is
re-graded with it, and a later detect run keeps the analyst's grade.

A variant says it is one with the class attribute ``weaker_variant = True``; ``run._run_one`` then has each
of its findings cite the method source (``cite_method``), so no variant has to remember to.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from moneytrail.model.admiralty import Grade
from moneytrail.model.finding import Finding, FindingRef
from moneytrail.store import Case
from moneytrail.store.sources import SourceRecord, source_grade, upsert_source

METHOD_SOURCE_ID = "method:weaker-variants"
METHOD_GRADE = Grade("A", 3)
METHOD_SOURCE = SourceRecord(
    source_id=METHOD_SOURCE_ID, kind="method", title="moneytrail weaker rule variants (structural, long-window, "
    "busy-account)", grade=METHOD_GRADE, publisher="moneytrail",
    notes="Pattern rules without the amount, time-order, quiet-account or short-window tests of the strict "
          "rules: what they find is at best possibly true (credibility 3). Re-grade to change how every "
          "variant finding is graded.")


def cite_method(case: Case, findings: Iterable[Finding]) -> list[Finding]:
    """``findings`` each citing the variants' method source, which is added to the case if it is missing
    (an analyst's grade of it is kept)."""
    found = list(findings)
    if found and source_grade(case, METHOD_SOURCE_ID) is None:
        upsert_source(case, METHOD_SOURCE)
    ref = FindingRef("source", METHOD_SOURCE_ID, "method")
    return [dataclasses.replace(f, refs=(*f.refs, ref)) for f in found]
