"""evidence stage: grades, documents, claims, attribution chains, corroboration and confidence.

What other stages call: ``effective_grade(s)`` of rows, ``path_confidence`` of a money trail,
``finding_confidence`` of a stored finding, ``claim_corroboration`` of a claim, and
``audit_findings`` over a whole case.
"""

from moneytrail.evidence.audit import audit_findings
from moneytrail.evidence.confidence import claim_confidence, finding_confidence, path_confidence, wording
from moneytrail.evidence.corroboration import claim_corroboration
from moneytrail.evidence.grades import effective_grade, effective_grades

__all__ = ["audit_findings", "claim_confidence", "claim_corroboration", "effective_grade", "effective_grades",
           "finding_confidence", "path_confidence", "wording"]
