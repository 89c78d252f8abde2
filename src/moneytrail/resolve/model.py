"""The resolution model: Fellegi-Sunter comparisons with m and u probabilities per level.

Each comparison of two records (``resolve.comparisons``) falls into one level; a level's match
weight is log2(m / u), where m is how often true matches fall into it and u how often two random
records do. A pair's match weight is the prior (log2 of the odds that a candidate pair matches)
plus the weights of its levels (a missing value weighs nothing), plus a term-frequency adjustment
when the names agree: agreeing on a rare name says more than agreeing on a common one. The
probability is 1 / (1 + 2^-weight). ``resolve.train`` estimates m by EM and u from random pairs;
``DEFAULT_MODEL`` holds the starting values EM begins from (and screening uses before any training).

``model_id`` is a hash of the parameters, written on every pair and cluster a model produced.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

# The name levels, best first. Every constant that names a level is read off this tuple, so a level
# added in between moves them all.
_NAME_LABELS = ("name identical after transliteration", "name identical in Arabic script",
                "name differs by spellings the case shows to be variants", "name near-identical",
                "name agrees but for a given name's initial", "name near-identical, one in Arabic script",
                "name similar", "name partly similar",
                "name near but for an edit that tells people apart in the case",
                "name weakly similar", "names share a token, others differ",
                "names differ")
IDENTICAL_LEVEL = _NAME_LABELS.index("name identical after transliteration")
# Decided by a rule, not a score: names of which one is written in Arabic script that agree token for
# token when the other is written in it too (``model.names.abjad``).
ABJAD_LEVEL = _NAME_LABELS.index("name identical in Arabic script")
# Decided by a rule too: names that would be "similar" because a token agrees only by its initial
# ("T. Peborim" / "Tinmi Peborim"). Mixed into "similar", such pairs weighed like fuzzy spellings
# ("Usyu Nemius" / "Yuus Nemaus"), which are another party far more often; EM weighs them apart,
# and the term frequency of their level reads the frequency of the surname with that initial.
INITIAL_LEVEL = _NAME_LABELS.index("name agrees but for a given name's initial")
# "near-identical" when a name is written in Arabic script: its short vowels are absent, not one letter off,
# so a Latin spelling agrees as well with every party whose name differs only in them. At 1M mixed-script
# records (main f21efd4) such pairs without a birth date were one party in 42% of cases, Latin pairs of the
# level in 72%: EM weighs them apart. Placed below the initial level (54%), above "similar", so the order
# of levels stays the order of their weights (``monotone_m``) and a Latin member of a cluster outranks it.
ARABIC_NEAR_LEVEL = _NAME_LABELS.index("name near-identical, one in Arabic script")
# Decided by the model's learned spelling edits (``resolve.variant_edits``): near-identical, similar and
# partly similar names whose every edit the case shows to be a variant of one name, and those with an
# edit that tells two people apart (below "partly similar": no chain joins on it).
VARIANT_LEVEL = _NAME_LABELS.index("name differs by spellings the case shows to be variants")
SEPARATED_LEVEL = _NAME_LABELS.index("name near but for an edit that tells people apart in the case")
NEAR_IDENTICAL_LEVEL = _NAME_LABELS.index("name near-identical")
SIMILAR_LEVEL = _NAME_LABELS.index("name similar")
# The least name level a chain could join on, whose agreement term frequency adjusts when trained.
PARTLY_SIMILAR_LEVEL = _NAME_LABELS.index("name partly similar")
SIMILAR_NAME_LEVELS = PARTLY_SIMILAR_LEVEL + 1  # levels down to "name partly similar"
# The name levels a score decides, with the least score of each (``resolve.comparisons``).
NAME_FLOORS = tuple((_NAME_LABELS.index(label), floor) for label, floor in (
    ("name identical after transliteration", 0.99), ("name near-identical", 0.9), ("name similar", 0.85),
    ("name partly similar", 0.75), ("name weakly similar", 0.6), ("names share a token, others differ", 0.45)))


@dataclass(frozen=True)
class Comparison:
    """One comparison: its levels (best first), with m and u per level."""

    name: str
    labels: tuple[str, ...]
    m: tuple[float, ...]
    u: tuple[float, ...]

    def weights(self) -> tuple[float, ...]:
        return tuple(math.log2(max(m, 1e-9) / max(u, 1e-9)) for m, u in zip(self.m, self.u, strict=True))

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "labels": list(self.labels), "m": [round(x, 8) for x in self.m],
                "u": [round(x, 10) for x in self.u]}


@dataclass(frozen=True)
class ResolveModel:
    comparisons: tuple[Comparison, ...]
    match_share: float  # chance that two records match (the prior; the starting model's: among candidates)
    tf_cap: float = 4.0  # the term-frequency adjustment stays within +-tf_cap bits
    tf_min_population: int = 1000  # below this, frequencies mean little
    # comparison -> how often two records agree exactly, matches included: the frequency of an
    # ordinary value, against which a name's own frequency is rare or common (else u of level 0).
    tf_reference: dict[str, float] = field(default_factory=dict)
    # The starting model's hand-set rule instead (main's former scoring): agreeing on a name whose
    # rarest blocking key few records hold earns log2(tf_rare_at / key_freq) bits, never a penalty
    # (tf_floor 0), on the name levels below tf_levels. 0 means: the trained reference above.
    tf_rare_at: float = 0.0
    tf_floor: float | None = None  # None: -tf_cap
    tf_levels: int = 2
    # Where a pair merges and where it is kept for review, unless the run says otherwise. A trained
    # model's probability is a posterior over all pairs, so it merges at 0.5 (the Bayes decision, as
    # Splink predicts); the hand-set model's weights were set against 0.9.
    match_at: float = 0.5
    review_at: float = 0.2
    training: dict[str, Any] = field(default_factory=dict, compare=False)
    # Spelling edit -> log-odds (nats) of one party, learned from the case (``resolve.variant_edits``);
    # empty: no pair is moved to VARIANT_LEVEL or SEPARATED_LEVEL.
    variant_edits: dict[str, float] = field(default_factory=dict)

    @property
    def prior(self) -> float:
        share = min(max(self.match_share, 1e-9), 1 - 1e-9)
        return math.log2(share / (1 - share))

    def comparison(self, name: str) -> Comparison:
        for c in self.comparisons:
            if c.name == name:
                return c
        raise KeyError(name)

    def implausible(self, observed: set[str] | None = None) -> list[str]:
        """Why the model cannot be a record-linkage model, if it cannot: EM found another split of the
        pairs than same/not the same (label switching, or a class of shared birth dates or countries).
        Two checks that hold for any data a name-blocked linkage sees: agreeing beats disagreeing in
        every comparison, and most true matches have at least partly similar names. Only the
        comparisons in ``observed`` (those the training data had values for; default all)."""
        problems = []
        for c in self.comparisons:
            if observed is not None and c.name not in observed:
                continue
            w = c.weights()
            if not w[0] > w[-1]:
                problems.append(f"{c.name}: '{c.labels[0]}' weighs {w[0]:.2f} bits, not more than "
                                f"'{c.labels[-1]}' ({w[-1]:.2f})")
            similar = sum(c.m[:SIMILAR_NAME_LEVELS]) / max(sum(c.m), 1e-12)
            if c.name in ("person_name", "org_name") and similar < 0.5:
                problems.append(f"{c.name}: only {similar:.0%} of matches have similar names")
        return problems

    def params(self) -> dict[str, Any]:
        return {"comparisons": [c.to_dict() for c in self.comparisons], "match_share": round(self.match_share, 10),
                "tf_cap": self.tf_cap, "tf_min_population": self.tf_min_population,
                "tf_reference": {k: round(v, 12) for k, v in sorted(self.tf_reference.items())},
                "tf_rare_at": self.tf_rare_at, "tf_floor": self.tf_floor, "tf_levels": self.tf_levels,
                "match_at": self.match_at, "review_at": self.review_at,
                **({"variant_edits": dict(sorted(self.variant_edits.items()))} if self.variant_edits else {})}

    @property
    def model_id(self) -> str:
        text = json.dumps(self.params(), sort_keys=True)
        return "fs-" + hashlib.sha256(text.encode()).hexdigest()[:16]

    def to_json(self) -> str:
        return json.dumps({"model_id": self.model_id, **self.params(), "training": self.training}, indent=1)

    @classmethod
    def from_json(cls, text: str) -> ResolveModel:
        data = json.loads(text)
        comparisons = tuple(Comparison(c["name"], tuple(c["labels"]), tuple(c["m"]), tuple(c["u"]))
                            for c in data["comparisons"])
        model = cls(comparisons, float(data["match_share"]), float(data.get("tf_cap", 4.0)),
                    int(data.get("tf_min_population", 1000)),
                    {str(k): float(v) for k, v in data.get("tf_reference", {}).items()},
                    float(data.get("tf_rare_at", 0.0)),
                    None if data.get("tf_floor") is None else float(data["tf_floor"]), int(data.get("tf_levels", 2)),
                    float(data.get("match_at", 0.5)), float(data.get("review_at", 0.2)),
                    dict(data.get("training", {})),
                    {str(k): float(v) for k, v in data.get("variant_edits", {}).items()})
        if "model_id" in data and data["model_id"] != model.model_id:
            raise ValueError(f"model file says {data['model_id']} but its parameters hash to {model.model_id}")
        return model

    def save(self, path: Path | str) -> None:
        Path(path).write_text(self.to_json(), encoding="utf-8")

    @classmethod
    def load(cls, path: Path | str) -> ResolveModel:
        try:
            return cls.from_json(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}: not a resolve model ({exc})") from exc

    def with_parameters(self, m: dict[str, tuple[float, ...]], u: dict[str, tuple[float, ...]], match_share: float,
                        training: dict[str, Any], tf_reference: dict[str, float] | None = None) -> ResolveModel:
        comparisons = tuple(replace(c, m=m.get(c.name, c.m), u=u.get(c.name, c.u)) for c in self.comparisons)
        return replace(self, comparisons=comparisons, match_share=match_share, training=training,
                       tf_reference=dict(self.tf_reference if tf_reference is None else tf_reference))

    def with_variant_edits(self, table: dict[str, float]) -> ResolveModel:
        return replace(self, variant_edits=dict(table))


def _from_weights(name: str, labels: tuple[str, ...], bits: tuple[float, ...], u: tuple[float, ...]) -> Comparison:
    return Comparison(name, labels, tuple(x * 2.0 ** w for x, w in zip(u, bits, strict=True)), u)


_NATS = 1 / math.log(2)  # the hand-set weights were natural-log odds; models speak bits
# The untrained model: moneytrail's former hand-set weights as m/u ratios (u plausible for random
# pairs). It scores cases too small to train on (a few dozen records say nothing about m) and is
# where EM starts. Its prior is the odds of a match among candidate pairs, as those weights were set.
DEFAULT_MODEL = ResolveModel((
    _from_weights("person_name", _NAME_LABELS,
                  tuple(w * _NATS for w in (6.0, 5.5, 5.0, 5.0, 3.5, 5.0, 3.5, 1.5, -1.0, -1.0, -2.5, -5.0)),
                  (0.0005, 0.0005, 0.001, 0.001, 0.001, 0.001, 0.002, 0.005, 0.005, 0.02, 0.07, 0.8925)),
    _from_weights("org_name", _NAME_LABELS,
                  tuple(w * _NATS for w in (6.0, 5.5, 5.0, 5.0, 3.5, 5.0, 3.5, 1.5, -1.0, -1.0, -2.5, -3.0)),
                  (0.0005, 0.0005, 0.001, 0.001, 0.001, 0.001, 0.002, 0.005, 0.005, 0.02, 0.07, 0.8925)),
    _from_weights("identifier", ("identifier equal", "identifier equal, but its checksum fails",
                                 "identifier differs by one character (typo?)",
                                 "identifier differs by two characters (transposition?)",
                                 "identifier one or two characters off, nothing else agrees",
                                 "identifiers differ, one fails its checksum", "identifiers contradict"),
                  tuple(w * _NATS for w in (9.0, 4.0, 2.0, 0.5, -1.0, -0.5, -3.5)),
                  (0.0001, 0.0001, 0.0002, 0.0004, 0.0024, 0.05, 0.9468)),
    _from_weights("birth_date", ("birth date equal", "birth date differs by one digit",
                                 "birth date differs by two digits (transposition?)", "same birth year, different day",
                                 "birth dates contradict"),
                  tuple(w * _NATS for w in (3.0, 1.0, -1.0, -1.0, -4.0)), (0.002, 0.01, 0.02, 0.05, 0.918)),
    _from_weights("country", ("country shared", "countries differ"), tuple(w * _NATS for w in (0.5, -1.0)),
                  (0.3, 0.7)),
    _from_weights("address", ("address equal", "address nearly equal", "addresses share half their words",
                              "addresses share a word", "addresses share no word"),
                  tuple(w * _NATS for w in (2.0, 1.0, 0.5, -0.5, -1.0)), (0.001, 0.01, 0.02, 0.2, 0.769)),
    _from_weights("address_number", ("address numbers equal", "address numbers one digit off",
                                     "address numbers share one", "address numbers differ"),
                  tuple(w * _NATS for w in (1.0, 0.3, 0.0, -0.5)), (0.002, 0.01, 0.1, 0.888)),
), match_share=1 / (1 + math.exp(4.0)), tf_cap=2.5 * _NATS, tf_rare_at=20.0, tf_floor=0.0,
   tf_levels=PARTLY_SIMILAR_LEVEL, match_at=0.9, review_at=0.5,
   training={"trained": False, "origin": "hand-set starting values"})

COMPARISONS = tuple(c.name for c in DEFAULT_MODEL.comparisons)


# Comparisons whose levels grade one similarity, best first (name score floors, shared address words,
# birth date digits): a better level is never weaker evidence than a worse one. Not the identifier,
# whose levels also say whether a checksum holds and whether other evidence corroborates a near value.
GRADED = ("person_name", "org_name", "birth_date", "address", "address_number")


def monotone_m(m: tuple[float, ...], u: tuple[float, ...]) -> tuple[float, ...]:
    """m made monotone in its weights by pooling adjacent violators: where a level weighs more than
    the better level above it (EM on few pairs, a u a random sample could not resolve), the run of
    levels is pooled into one ratio sum(m) / sum(u), and each level keeps its u and gets that ratio
    (its share of the pool's m in proportion to its u). m still sums to one; ordered levels are unchanged."""
    def ratio(pool: list[int]) -> float:
        return sum(m[i] for i in pool) / max(sum(u[i] for i in pool), 1e-300)

    pools: list[list[int]] = []
    for level in range(len(m)):
        pools.append([level])
        while len(pools) > 1 and ratio(pools[-2]) < ratio(pools[-1]):
            last = pools.pop()
            pools[-1].extend(last)
    out = list(m)
    for pool in pools:
        total_m, total_u = sum(m[i] for i in pool), sum(u[i] for i in pool)
        for i in pool:
            out[i] = total_m * u[i] / total_u if total_u > 0 else m[i]
    return tuple(out)


def probability(weight: float) -> float:
    return float(1.0 / (1.0 + 2.0 ** (-max(min(weight, 60.0), -60.0))))
