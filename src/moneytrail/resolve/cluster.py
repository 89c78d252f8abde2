"""Clustering matched pairs into canonical entities, under the analyst's judgements.

Edges are merged strongest first (positive judgements, then by probability). Two clusters are never
joined when a negative judgement spans them, so a "not the same" answer splits a cluster even when a
chain of high-scoring pairs would connect the two records. The model's own contradictions (similar
names, contradicting identifiers or birth dates) forbid a join too, unless a third record vouches
for both records on evidence beyond names (``vouched``): then the contradiction is one record's
replaced or mistyped value, not two namesakes. The loop runs over matched pairs only (the survivors
of blocking and scoring), never over raw records.
"""

from __future__ import annotations

from collections.abc import Iterable

from moneytrail.resolve.model import (
    ABJAD_LEVEL,
    IDENTICAL_LEVEL,
    INITIAL_LEVEL,
    NEAR_IDENTICAL_LEVEL,
    VARIANT_LEVEL,
)
from moneytrail.resolve.shared_neighbours import shared_neighbours_of

# Two edges of a record whose weights (bits) differ by less than this say equally well where it belongs.
AMBIGUOUS_MARGIN = 2.0
# An ambiguous record is never placed in one of its clusters (``_placed``): it joins none.
NEVER_PLACED = float("inf")
# The name levels at which two names agree in spelling short of identically (a learned variant, one letter
# off, a given name's initial): what a writing in Arabic script, without its short vowels, cannot show.
SPELLED_LEVELS = (VARIANT_LEVEL, NEAR_IDENTICAL_LEVEL, INITIAL_LEVEL)
# The weight of a cannot-link nothing outweighs (an analyst's negative judgement).
HARD_CANNOT_LINK = float("-inf")


class Clusters:
    """Union-find with cannot-link constraints between members."""

    def __init__(self, cannot_link: Iterable[tuple[str, str]] = ()) -> None:
        self.parent: dict[str, str] = {}
        self.size: dict[str, int] = {}
        # root -> the roots of clusters it must never join; kept only for judged records (few).
        self.forbidden: dict[str, set[str]] = {}
        for a, b in cannot_link:
            self.forbidden.setdefault(self.find(a), set()).add(self.find(b))
            self.forbidden.setdefault(self.find(b), set()).add(self.find(a))

    def find(self, x: str) -> str:
        parent = self.parent
        if x not in parent:
            parent[x] = x
            self.size[x] = 1
            return x
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    def union(self, a: str, b: str) -> bool:
        """Join the clusters of a and b unless a negative judgement forbids it; True if joined."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        fa, fb = self.forbidden.get(ra), self.forbidden.get(rb)
        if (fa and rb in fa) or (fb and ra in fb):
            return False
        if self.size[ra] < self.size[rb]:
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.size[ra] += self.size[rb]
        moved = self.forbidden.pop(rb, None)
        if moved:
            for other in moved:
                peers = self.forbidden.get(other)
                if peers is not None:
                    peers.discard(rb)
                    peers.add(ra)
            self.forbidden.setdefault(ra, set()).update(moved)
        return True

    def groups(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for x in self.parent:
            out.setdefault(self.find(x), []).append(x)
        return out


def cluster_pairs(edges: Iterable[tuple[str, str]], cannot_link: Iterable[tuple[str, str]]) -> Clusters:
    """Merge ``edges`` in the order given (strongest first) under the cannot-link constraints."""
    clusters = Clusters(cannot_link)
    for a, b in edges:
        clusters.union(a, b)
    return clusters


def vouched(edges: list[tuple[str, str]], supports: list[float], cannot_link: list[tuple[str, str]],
            cannot_weights: list[float]) -> list[bool]:
    """Which contradictions a third record outweighs: c and d contradict (their pair weighs w < 0),
    but some record x is matched with both, each match with more support than -w (support: the
    evidence beyond names, bits: an address, an identifier, a birth date that agree). Then c and d
    each agree with x on more than names, so one of them carries a replaced or mistyped value (a
    party's record whose birth date and id were swapped for others, but whose address is the
    party's). Names alone never vouch: namesakes share them, and a third record cannot agree on a
    birth date with two namesakes whose birth dates differ."""
    near: dict[str, dict[str, float]] = {}
    for (a, b), s in zip(edges, supports, strict=True):
        near.setdefault(a, {})[b] = max(near.get(a, {}).get(b, 0.0), s)
        near.setdefault(b, {})[a] = near[a][b]
    out = []
    for (c, d), w in zip(cannot_link, cannot_weights, strict=True):
        nc, nd = near.get(c, {}), near.get(d, {})
        if len(nc) > len(nd):
            nc, nd = nd, nc
        out.append(w > HARD_CANNOT_LINK and any(x in nd and s > -w and nd[x] > -w for x, s in nc.items()))
    return out


def cluster_consistent(edges: list[tuple[str, str]], cannot_link: Iterable[tuple[str, str]],
                       weights: list[float] | None = None, margin: float = AMBIGUOUS_MARGIN,
                       cannot_weights: list[float] | None = None, supports: list[float] | None = None,
                       levels: list[int] | None = None, place_margin: float = NEVER_PLACED,
                       shared_bonus: float = 0.0) -> Clusters:
    """Clusters that never hold a cannot-link pair, without paying for constraints everywhere.

    First plain connected components of ``edges`` (strongest first). A component holding no
    cannot-link pair stands as it is. The few that hold one (a chain joined two records whose
    identifiers or birth dates contradict, or that an analyst judged apart) are rebuilt from their
    own edges, strongest first, refusing every join a cannot-link forbids: the weakest link of
    the chain is the one dropped. With ``weights`` (match weight per edge, bits), a record of such
    a component whose best edges into two clusters that must stay apart are within ``margin`` of
    each other is ambiguous (a record without a birth date, named like two namesakes whose dates
    differ): it joins neither, its pairs stay for review, instead of going where the order falls.
    With ``levels`` (each edge's name level, best 0; -1 unknown), when the best cluster holds the
    record's name as spelt (``IDENTICAL_LEVEL``), a cluster whose names agree with it only at a worse
    level is no rival (``resolve.attach``'s rule, kept to that level: an Arabic-script writing fits a
    variant spelling as well, and at 1M such tops were another party's cluster in 2,195 of 2,349 pairs).
    With ``cannot_weights`` (each cannot-link's own match weight, ``HARD_CANNOT_LINK`` for a
    judgement) and ``supports`` (each edge's evidence beyond names), a contradiction that a third
    record ``vouched`` for is dropped before the rebuild. With ``place_margin``, an ambiguous record
    joins the cluster ``_placed`` chooses of its best one and its rivals, when the evidence there tells
    which (``NEVER_PLACED``, the default: it joins none). With ``shared_bonus`` and ``weights``, the rebuild
    takes an edge as weighing that many bits more per share of other records its two records share
    (``resolve.shared_neighbours``); the ambiguity test reads the weights themselves.
    """
    plain = cluster_pairs(edges, [])
    cannot = list(cannot_link)
    inside_cannot = [k for k, (a, b) in enumerate(cannot)
                     if a in plain.parent and b in plain.parent and plain.find(a) == plain.find(b)]
    conflicts = [cannot[k] for k in inside_cannot]
    if conflicts and cannot_weights is not None and supports is not None:
        broken_roots = {plain.find(a) for a, _ in conflicts}
        local = [k for k, (a, _) in enumerate(edges) if plain.find(a) in broken_roots]
        given = vouched([edges[k] for k in local], [supports[k] for k in local], conflicts,
                        [cannot_weights[k] for k in inside_cannot])
        conflicts = [pair for pair, gone in zip(conflicts, given, strict=True) if not gone]
    if not conflicts:
        return plain
    broken = {plain.find(a) for a, _ in conflicts}
    inside = [k for k, (a, _) in enumerate(edges) if plain.find(a) in broken]
    if weights is not None and shared_bonus:
        shares = shared_neighbours_of([edges[k] for k in inside])
        inside = [inside[j] for j in sorted(range(len(inside)),
                                            key=lambda j: -(weights[inside[j]] + shared_bonus * shares[j]))]
    rebuilt = cluster_pairs((edges[k] for k in inside), conflicts)
    if weights is not None:
        ambiguous = _ambiguous(rebuilt, [(*edges[k], weights[k]) for k in inside], margin,
                               None if levels is None else [levels[k] for k in inside], place_margin, conflicts)

        def side(x: str) -> str | None:  # an ambiguous record's placed cluster (None: alone), else its own
            return ambiguous[x] if x in ambiguous else rebuilt.find(x)

        inside = [k for k in inside if (edges[k][0] not in ambiguous and edges[k][1] not in ambiguous)
                  or (side(edges[k][0]) is not None and side(edges[k][0]) == side(edges[k][1]))]
        rebuilt = cluster_pairs((edges[k] for k in inside), conflicts)
    out = Clusters()
    for a, b in edges:
        if plain.find(a) not in broken:
            out.union(a, b)
    for members in rebuilt.groups().values():
        for m in members[1:]:
            out.union(members[0], m)
        out.find(members[0])
    return out


def _ambiguous(clusters: Clusters, edges: list[tuple[str, str, float]], margin: float,
               levels: list[int] | None = None, place_margin: float = NEVER_PLACED,
               cannot_link: Iterable[tuple[str, str]] = ()) -> dict[str, str | None]:
    """Records whose best edge and their best edge into a cluster that must stay apart from the
    best one's are within ``margin``. Only the best cluster is weighed against its rivals: two weak
    edges into two namesakes' clusters that tie say nothing when the record's best edge, bits
    above both, goes to a third cluster (an undated record matching its own party's records at 5
    bits and two namesakes' at 1.4 belongs with its party). With ``levels``, a cluster met only at a
    worse name level is no rival of one holding the record's name as spelt: at a million records
    a record named exactly as its party's cluster met a namesake's cluster through an Arabic-script
    or variant spelling within the margin, and was cut off from both. Each ambiguous record maps to the
    cluster (root) ``_placed`` puts it in, None if it stays alone."""
    best: dict[str, dict[str, float]] = {}
    named: dict[str, dict[str, list[int]]] = {}  # each (record, cluster)'s name levels
    for k, (a, b, w) in enumerate(edges):
        for here, there in ((a, b), (b, a)):
            into = best.setdefault(here, {})
            root = clusters.find(there)
            into[root] = max(into.get(root, w), w)
            named.setdefault(here, {}).setdefault(root, []).append(-1 if levels is None else levels[k])
    against: dict[str, set[str]] = {}  # the clusters holding a record each record contradicts
    for c, d in cannot_link:
        against.setdefault(c, set()).add(clusters.find(d))
        against.setdefault(d, set()).add(clusters.find(c))
    out: dict[str, str | None] = {}
    for record, into in best.items():
        top = max(into, key=lambda r: into[r])
        apart = clusters.forbidden.get(top, set())
        # an unknown level (-1) makes a cluster a rival; only a top cluster named as spelt outranks worse ones
        top_level = min((x for x in named[record][top] if x >= 0), default=None)
        outranks = top_level == IDENTICAL_LEVEL
        rivals = [y for y in into if y != top and into[top] - into[y] < margin
                  and not (outranks and min(named[record][y]) > IDENTICAL_LEVEL)]
        if any(y in apart for y in rivals):
            own = clusters.find(record)
            members = {y: clusters.size[y] - (y == own) for y in (top, *rivals)}
            choices = {y: ((members[y] - len(named[record][y])) / members[y],
                           min(named[record][y]) if levels is not None else None)
                       for y in (top, *rivals) if y not in against.get(record, set())}
            out[record] = _placed(choices, place_margin)
    return out


def _placed(choices: dict[str, tuple[float, int | None]], place_margin: float) -> str | None:
    """The cluster an ambiguous record joins, if any, of its best cluster and the rivals within the margin
    that hold no record it contradicts (``choices``: the share of each one's members, the record not
    counted, that it did not match, and its best name level there, -1 unknown, None not known at all).

    None when one of them holds the record's name as spelt: namesakes named alike, told apart by their
    birth dates only, and the record has none. A cluster met only through the Arabic script
    (``ABJAD_LEVEL``) gives way to one met at a spelling level (``SPELLED_LEVELS``): a Latin spelling
    carries the vowels an Arabic writing lacks. Of those left, the one with the least share unmatched,
    when every other's is at least ``place_margin`` more: the record's pairs with a cluster's other
    members scored below the match threshold, though the cluster's own matches put them with the ones it
    matched. At 1M (seed 8; analysis of main 57e7cf4's 7,448 ambiguous records): where a spelling
    level met one cluster and the Arabic script the other, the spelling's was the record's party in 811
    of 848 records with two clusters; met through the Arabic script both ways, the one with fewer members
    unmatched in 1,697 of 2,617; named as spelt both ways, in 932 of 1,981, no better than chance.
    Measured effect: ``cluster_params.PLACE_MARGIN``."""
    levels = {level for _, level in choices.values()}
    if not choices or place_margin == NEVER_PLACED or any(v is not None and v <= IDENTICAL_LEVEL for v in levels):
        return None
    spelled = any(level in SPELLED_LEVELS for level in levels)
    unmatched = {y: n for y, (n, level) in choices.items() if not (spelled and level == ABJAD_LEVEL)}
    ranked = sorted(unmatched, key=lambda y: unmatched[y])
    if len(ranked) > 1 and unmatched[ranked[1]] - unmatched[ranked[0]] < place_margin:
        return None
    return ranked[0]
