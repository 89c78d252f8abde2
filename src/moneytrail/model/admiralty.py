"""The Admiralty (NATO) grading system: source reliability A-F and information credibility 1-6."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

RELIABILITY_LABELS = {
    "A": "completely reliable",
    "B": "usually reliable",
    "C": "fairly reliable",
    "D": "not usually reliable",
    "E": "unreliable",
    "F": "reliability cannot be judged",
}
CREDIBILITY_LABELS = {
    1: "confirmed by other sources",
    2: "probably true",
    3: "possibly true",
    4: "doubtful",
    5: "improbable",
    6: "truth cannot be judged",
}


class Wording(StrEnum):
    """How a report words a statement of a given confidence."""

    CONFIRMED = "confirmed"
    PROBABLE = "probable"
    POSSIBLE = "possible"
    DOUBTFUL = "doubtful"


@dataclass(frozen=True, order=False)
class Grade:
    reliability: str
    credibility: int

    def __post_init__(self) -> None:
        if self.reliability not in RELIABILITY_LABELS:
            raise ValueError(f"reliability must be one of A-F, got {self.reliability!r}")
        if self.credibility not in CREDIBILITY_LABELS:
            raise ValueError(f"credibility must be 1-6, got {self.credibility!r}")

    @classmethod
    def parse(cls, text: str) -> Grade:
        """Parse 'B2', 'b 2' or 'B-2'."""
        cleaned = text.strip().upper().replace("-", "").replace(" ", "")
        if len(cleaned) != 2 or not cleaned[1].isdigit():
            raise ValueError(f"not an Admiralty grade: {text!r} (expected e.g. 'B2')")
        return cls(cleaned[0], int(cleaned[1]))

    def __str__(self) -> str:
        return f"{self.reliability}{self.credibility}"

    @property
    def strength(self) -> int:
        """A single ordinal, larger is stronger; F and 6 (cannot be judged) rank as weak as E and 5.

        Reliability dominates: a B3 outranks a C1 because who says it matters more than how well
        it fits, which is how analysts read the two axes.
        """
        rel = {"A": 5, "B": 4, "C": 3, "D": 2, "E": 1, "F": 1}[self.reliability]
        cred = {1: 5, 2: 4, 3: 3, 4: 2, 5: 1, 6: 1}[self.credibility]
        return rel * 10 + cred

    def weakest(self, other: Grade) -> Grade:
        """The weaker grade on each axis: a chain is no stronger than its weakest link."""
        rel_order = "ABCDEF"
        reliability = max(self.reliability, other.reliability, key=rel_order.index)
        credibility = max(self.credibility, other.credibility)
        return Grade(reliability, credibility)

    @property
    def wording(self) -> Wording:
        rel = "ABCDEF".index(self.reliability)
        cred = self.credibility
        if rel <= 1 and cred <= 2:
            return Wording.CONFIRMED if cred == 1 else Wording.PROBABLE
        if rel <= 2 and cred <= 3:
            return Wording.PROBABLE if cred <= 2 else Wording.POSSIBLE
        if cred <= 3 and rel <= 3:
            return Wording.POSSIBLE
        return Wording.DOUBTFUL


# Defaults per kind of source, used when the user sets no grade.
DEFAULT_GRADES: dict[str, Grade] = {
    "bank_record": Grade("B", 2),
    "registry": Grade("B", 2),
    "sanctions_list": Grade("A", 2),
    "event_dataset": Grade("B", 3),
    "document": Grade("C", 3),
    "media": Grade("C", 3),
    "claims": Grade("C", 3),
    "dataset": Grade("B", 3),
    "synthetic": Grade("F", 6),
    "unknown": Grade("F", 6),
}


def default_grade(kind: str) -> Grade:
    return DEFAULT_GRADES.get(kind, DEFAULT_GRADES["unknown"])
