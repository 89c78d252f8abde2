"""Clustering matched pairs into canonical entities, under the analyst's judgements.

Edges are merged strongest first (positive judgements, then by probability). Two clusters are never
joined when a negative judgement spans them, so a "not the same" answer splits a cluster even when a
chain of high-scoring pairs would connect the two records. The model's own negative evidence (a
pair with similar names whose identifiers or birth dates contradict) is weighed, not obeyed: two
clusters join while the match weights of all pairs compared between them sum above zero
(``WeighedClusters``), so one record whose date was replaced does not split a party whose other
records vouch for it, while a chain through one record still cannot join two namesakes. The loop
runs over matched pairs only (the survivors of blocking and scoring), never over raw records.
"""

from __future__ import annotations

from collections.abc import Iterable

# Two edges of a record whose weights (bits) differ by less than this say equally well where it belongs.
AMBIGUOUS_MARGIN = 2.0
# The weight of a cannot-link that nothing outweighs (an analyst's negative judgement): finite, so sums
# stay numbers, and beyond any sum of positive judgements (``EDGE_CAP`` each).
HARD_CANNOT_LINK, EDGE_CAP = -1e12, 1e9


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

    def apart(self, x: str, y: str) -> bool:
        """Whether clusters (roots) x and y must stay apart."""
        return y in self.forbidden.get(x, ())


class WeighedClusters(Clusters):
    """Union-find that joins two clusters only while the match weights of every pair compared between
    them (matched edges, and negative evidence with its own weight) sum above zero: the log-odds
    that the two are one party, taking each pair as independent evidence (Fellegi-Sunter's own
    assumption). Several records vouching for a join outweigh one that contradicts it, and several
    contradicting records outweigh one bridge. A cannot-link of ``HARD_CANNOT_LINK`` never gives way."""

    def __init__(self, pairs: Iterable[tuple[str, str, float]]) -> None:
        super().__init__()
        # root -> root -> summed weight of the pairs between the two clusters (only pairs compared)
        self.cross: dict[str, dict[str, float]] = {}
        for a, b, w in pairs:
            ra, rb = self.find(a), self.find(b)
            if ra != rb:
                w = min(w, EDGE_CAP)
                self.cross.setdefault(ra, {})[rb] = self.cross.get(ra, {}).get(rb, 0.0) + w
                self.cross.setdefault(rb, {})[ra] = self.cross[ra][rb]

    def union(self, a: str, b: str) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        if self.cross.get(ra, {}).get(rb, 0.0) <= 0:
            return False
        if self.size[ra] < self.size[rb]:
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.size[ra] += self.size[rb]
        mine = self.cross.setdefault(ra, {})
        mine.pop(rb, None)
        for other, w in self.cross.pop(rb, {}).items():
            if other == ra:
                continue
            theirs = self.cross[other]
            theirs.pop(rb, None)
            mine[other] = theirs[ra] = mine.get(other, 0.0) + w
        return True

    def apart(self, x: str, y: str) -> bool:
        return self.cross.get(x, {}).get(y, 1.0) <= 0


def cluster_pairs(edges: Iterable[tuple[str, str]], cannot_link: Iterable[tuple[str, str]]) -> Clusters:
    """Merge ``edges`` in the order given (strongest first) under the cannot-link constraints."""
    clusters = Clusters(cannot_link)
    for a, b in edges:
        clusters.union(a, b)
    return clusters


def cluster_weighed(edges: list[tuple[str, str]], weights: list[float],
                    negative: list[tuple[str, str, float]]) -> WeighedClusters:
    """Merge ``edges`` strongest first while the pairs between two clusters weigh above zero, in
    passes until none joins (a join refused early can be outweighed once a cluster has grown)."""
    clusters = WeighedClusters([(a, b, w) for (a, b), w in zip(edges, weights, strict=True)] + negative)
    for a, b in edges:
        clusters.find(a), clusters.find(b)
    joined = True
    while joined:
        joined = False
        for a, b in edges:
            if clusters.find(a) != clusters.find(b) and clusters.union(a, b):
                joined = True
    return clusters


def cluster_consistent(edges: list[tuple[str, str]], cannot_link: Iterable[tuple[str, str]],
                       weights: list[float] | None = None, margin: float = AMBIGUOUS_MARGIN,
                       cannot_weights: list[float] | None = None) -> Clusters:
    """Clusters that never hold a cannot-link pair, without paying for constraints everywhere.

    First plain connected components of ``edges`` (strongest first). A component holding no
    cannot-link pair stands as it is. The few that hold one (a chain joined two records whose
    identifiers or birth dates contradict, or that an analyst judged apart) are rebuilt from their
    own edges, strongest first, refusing every join a cannot-link forbids: the weakest link of
    the chain is the one dropped. With ``weights`` (match weight per edge, bits), a record of such
    a component whose best edges into two clusters that must stay apart are within ``margin`` of
    each other is ambiguous (a record without a birth date, named like two namesakes whose dates
    differ): it joins neither, its pairs stay for review, instead of going where the order falls.
    With ``weights`` and ``cannot_weights`` too (the cannot-links' own match weights, bits;
    ``HARD_CANNOT_LINK`` for a judgement), a component is rebuilt by ``cluster_weighed`` instead:
    a contradiction is evidence of its own weight, not a veto.
    """
    plain = cluster_pairs(edges, [])
    cannot = list(cannot_link)
    costs = cannot_weights if cannot_weights is not None else [HARD_CANNOT_LINK] * len(cannot)
    conflicts = [(a, b, w) for (a, b), w in zip(cannot, costs, strict=True)
                 if a in plain.parent and b in plain.parent and plain.find(a) == plain.find(b)]
    if not conflicts:
        return plain
    broken = {plain.find(a) for a, _, _ in conflicts}
    inside = [k for k, (a, _) in enumerate(edges) if plain.find(a) in broken]

    def rebuild(keep: list[int]) -> Clusters:
        if weights is None or cannot_weights is None:
            return cluster_pairs((edges[k] for k in keep), [(a, b) for a, b, _ in conflicts])
        return cluster_weighed([edges[k] for k in keep], [weights[k] for k in keep], conflicts)

    rebuilt = rebuild(inside)
    if weights is not None:
        ambiguous = _ambiguous(rebuilt, [(*edges[k], weights[k]) for k in inside], margin)
        inside = [k for k in inside if edges[k][0] not in ambiguous and edges[k][1] not in ambiguous]
        rebuilt = rebuild(inside)
    out = Clusters()
    for a, b in edges:
        if plain.find(a) not in broken:
            out.union(a, b)
    for members in rebuilt.groups().values():
        for m in members[1:]:
            out.union(members[0], m)
        out.find(members[0])
    return out


def _ambiguous(clusters: Clusters, edges: list[tuple[str, str, float]], margin: float) -> set[str]:
    """Records whose best edges into two clusters that must stay apart are within ``margin``."""
    best: dict[str, dict[str, float]] = {}
    for a, b, w in edges:
        for here, there in ((a, b), (b, a)):
            into = best.setdefault(here, {})
            root = clusters.find(there)
            into[root] = max(into.get(root, w), w)
    out = set()
    for record, into in best.items():
        roots = sorted(into, key=lambda r: -into[r])
        for i, x in enumerate(roots):
            if any(clusters.apart(x, y) and abs(into[x] - into[y]) < margin for y in roots[i + 1:]):
                out.add(record)
                break
    return out
