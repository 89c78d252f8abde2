"""The clustering's operating parameters (``pipeline.recluster``), recorded with every resolve run.

They are chosen on a validation population, never on the benchmark's test one: ``benchmarks/resolve.py
--part scale --seed 8`` is the validation seed, seed 7 (the default) the test seed
(benchmarks/results/resolve-validation-17q2.txt holds the sweep).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from moneytrail.resolve.attach import ATTACH_MARGIN
from moneytrail.resolve.cluster import AMBIGUOUS_MARGIN
from moneytrail.resolve.fragments import FRAGMENT_LEVELS, FRAGMENT_SIZE
from moneytrail.resolve.shared_neighbours import SHARED_BONUS

# The pipeline's operating values, chosen on the validation population (seed 8, 1M records) by F1, the rules'
# own defaults (2 bits, the Bayes decision 0) being where the sweep started: a lone record attaches on a best
# pair down to -0.5 bits (P .9736 -> .9723, R .9304 -> .9330), and a record between two clusters that must stay
# apart joins the one its best edge goes into when it beats the other by 1 bit (then P .9721, R .9334). A
# margin of 0 or attaching down to -1 bit gained recall at fewer than one true pair per false one.
REBUILD_MARGIN = 1.0
ATTACH_LEAST_WEIGHT = -0.5
# Then an ambiguous record joins the choice of which it left the smallest share of members unmatched when every
# other leaves more than a third more (``cluster._placed``): on seed 8, +4,206 true pairs and +1,159 false ones
# (R .9394 -> .9422, P .9727 -> .9720). A margin of a quarter added +924 / +1,066 more; counting members instead
# of shares placed fewer for as many false pairs (benchmarks/results/resolve-placed-17rc.txt).
PLACE_MARGIN = 0.34


@dataclass(frozen=True)
class ClusterParams:
    """``rebuild_margin``: bits by which a record's best edge into one cluster must beat its best edge into
    another that must stay apart, or the rebuild leaves it alone (``resolve.rebuild``); ``place_margin``:
    by how much more of their members (a share) the other clusters of such a record must leave unmatched
    for it to join the one that leaves least (``cluster._placed``; ``cluster.NEVER_PLACED``: it stays alone);
    ``shared_bonus``: the bits per share of other records an edge's two records share by which the rebuild
    takes it earlier (``resolve.shared_neighbours``; 0: the weights' order).
    ``bridge_margin``: the same as ``rebuild_margin`` for a record with an initial matched into several
    clusters (``resolve.bridges``).
    ``attach_min_weight`` and ``attach_margin``: the least weight of a lone record's best pair into a
    cluster, and how far every rival must stay below it, for it to attach (``resolve.attach``);
    ``attach_skip_levels``: the person-name levels (``resolve.model``'s numbers) at which it attaches only
    to a cluster holding its own birth date. ``fragment_levels``: the name levels at which a small cluster or
    lone record joins the cluster its best pair goes into below the match threshold, ``fragment_size`` the
    most records such a small cluster holds (``resolve.fragments``; no levels: none joins)."""

    rebuild_margin: float = REBUILD_MARGIN
    place_margin: float = PLACE_MARGIN
    shared_bonus: float = SHARED_BONUS
    bridge_margin: float = AMBIGUOUS_MARGIN
    attach_min_weight: float = ATTACH_LEAST_WEIGHT
    attach_margin: float = ATTACH_MARGIN
    attach_skip_levels: tuple[int, ...] = ()
    fragment_levels: tuple[int, ...] = FRAGMENT_LEVELS
    fragment_size: int = FRAGMENT_SIZE

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ClusterParams:
        """The parameters a run recorded (``resolve_runs.params``); those it did not record at their defaults."""
        defaults = cls()
        values: dict[str, Any] = {
            f.name: tuple(int(v) for v in data[f.name]) if isinstance(getattr(defaults, f.name), tuple)
            else int(data[f.name]) if isinstance(getattr(defaults, f.name), int) else float(data[f.name])
            for f in fields(cls) if f.name in data}
        return replace(defaults, **values)
