"""What the generator is asked to build: sizes, seed, output format and how many of each pattern."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

FORMATS = ("native", "amlworld")

# Typologies the generator plants; the first eight follow AMLworld (Altman et al. 2023).
TYPOLOGIES = (
    "fan-out", "fan-in", "gather-scatter", "scatter-gather", "cycle", "random", "bipartite", "stack",
    "structuring", "pass-through", "round-tripping",
)


def _default_counts() -> dict[str, int]:
    return dict.fromkeys(TYPOLOGIES, 4)


@dataclass(frozen=True)
class GenerateConfig:
    """Everything that determines a generated case; the same config always gives the same bytes."""

    transactions: int = 100_000
    seed: int = 7
    fmt: str = "native"
    typology_counts: dict[str, int] = field(default_factory=_default_counts)
    mix_patterns: tuple[Path, ...] = ()
    start: datetime = datetime(2021, 1, 1, tzinfo=UTC)
    months: int = 36
    reporting_threshold: float = 10_000.0
    price_per_casualty: float = 2_500.0
    attacks: int = 20
    control_attacks: int = 10
    chunk_rows: int = 500_000

    def __post_init__(self) -> None:
        if self.fmt not in FORMATS:
            raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {self.fmt!r}")
        if self.transactions < 1_000:
            raise ValueError(f"transactions must be at least 1,000, got {self.transactions}")
        unknown = sorted(set(self.typology_counts) - set(TYPOLOGIES))
        if unknown:
            raise ValueError(f"unknown typologies {unknown}; known: {', '.join(TYPOLOGIES)}")
        if any(n < 0 for n in self.typology_counts.values()):
            raise ValueError("typology counts must not be negative")
        if self.mix_patterns and self.fmt != "amlworld":
            raise ValueError("mix_patterns needs fmt 'amlworld'")
        if self.attacks < 15:
            raise ValueError(f"at least 15 attacks are planted, got {self.attacks}")
        if not 12 <= self.months <= 120:
            raise ValueError(f"months must be between 12 and 120, got {self.months}")

    def count(self, typology: str) -> int:
        return self.typology_counts.get(typology, 0)
