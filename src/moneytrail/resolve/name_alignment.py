"""``model.names.compare_names`` for many pairs of normalised person names at once, with numpy.

The rules are those of ``compare_names`` (one token pair at a time: exact, initial, same consonant
skeleton, close spelling by Jaro-Winkler; tokens aligned greedily, best pair first; the score is the
mean weight over the shorter name, softened by the longer name's extra tokens), computed as arrays:
token pairs are judged once per *distinct* pair of tokens (Jaro-Winkler in rigour's Rust core), and
the greedy alignment runs as at most ``MAX_TOKENS`` vectorised steps over a (pairs x tokens x tokens)
weight array. Names with more tokens than that are compared by ``compare_names`` itself.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from rigour.text import jaro_winkler

from moneytrail.model.names import EXACT, INITIAL, SPELLING, TRANSLIT, compare_names, skeleton

MAX_TOKENS = 6
_RULES = ("exact", "initial", "transliteration", "spelling")


def _tokens(norms: pa.Array, width: int, vocabulary: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(token ids, padded -1, shape (n, width); token count per name)."""
    lists = pc.utf8_split_whitespace(norms)
    parent = pc.list_parent_indices(lists).to_numpy().astype(np.int64)
    words = pc.list_flatten(lists)
    keep = pc.not_equal(words, "").to_numpy(zero_copy_only=False)
    parent, words = parent[keep], pc.filter(words, pa.array(keep))
    count = np.bincount(parent, minlength=len(norms))
    starts = np.concatenate([[0], np.cumsum(count)[:-1]]).astype(np.int64)
    pos = np.arange(len(parent)) - starts[parent]
    ids = pc.index_in(words, value_set=vocabulary).to_numpy().astype(np.int64)
    out = np.full((len(norms), width), -1, np.int64)
    inside = pos < width
    out[parent[inside], pos[inside]] = ids[inside]
    return out, count


def _token_pairs(vocabulary: list[str], left: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weight and rule (index into _RULES, -1: no match) of each token pair (ids), as _token_match does."""
    size = len(left)
    weight = np.zeros(size)
    rule = np.full(size, -1, np.int64)
    lengths = np.array([len(t) for t in vocabulary], np.int64)
    firsts = np.array([t[:1] for t in vocabulary], dtype=object)
    skels = [skeleton(t) for t in vocabulary]
    skel_ids = pc.index_in(pa.array(skels, pa.string()), value_set=pc.unique(pa.array(skels, pa.string()))) \
        .to_numpy().astype(np.int64)
    skel_len = np.array([len(s) for s in skels], np.int64)
    exact = left == right
    weight[exact], rule[exact] = EXACT, 0
    short = ~exact & ((lengths[left] == 1) | (lengths[right] == 1))
    initial = short & (firsts[left] == firsts[right])
    weight[initial], rule[initial] = INITIAL, 1
    same_skel = (skel_ids[left] == skel_ids[right]) & (skel_len[left] > 0)
    sure_skel = ~exact & ~short & same_skel & (skel_len[left] >= 3)
    weight[sure_skel], rule[sure_skel] = TRANSLIT, 2
    rest = np.flatnonzero(~exact & ~short & ~sure_skel)
    jw = np.array([jaro_winkler(vocabulary[a], vocabulary[b]) for a, b in zip(left[rest].tolist(),
                                                                               right[rest].tolist(), strict=True)])
    if len(rest):
        skel_near = same_skel[rest] & (jw >= 0.85)
        weight[rest[skel_near]], rule[rest[skel_near]] = TRANSLIT, 2
        spelling = ~skel_near & (jw >= 0.92)
        weight[rest[spelling]] = [round(SPELLING * x, 4) for x in jw[spelling].tolist()]
        rule[rest[spelling]] = 3
    return weight, rule


def _join_present(columns: list[pa.Array], separator: str) -> pa.Array:
    """Per row, the non-null, non-empty values of ``columns`` joined by ``separator`` (pyarrow's
    join with null_handling="skip" drops rows where every value is null, so nulls are made empty
    and the separators they leave are squeezed out)."""
    mark = "\x1e"
    joined = pc.binary_join_element_wise(*(pc.fill_null(c, "") for c in columns), mark)
    joined = pc.replace_substring_regex(joined, f"{mark}+", mark)
    joined = pc.replace_substring_regex(joined, f"^{mark}|{mark}$", "")
    return pc.replace_substring(joined, mark, separator)


def compare_person_names(left: pa.Array, right: pa.Array) -> tuple[np.ndarray, list[str | None]]:
    """(score, detail) of each pair of normalised person names: ``compare_names(l, r, "Person",
    normalized=True)``'s score and ``describe()``."""
    n = len(left)
    scores = np.zeros(n)
    if n == 0:
        return scores, []
    vocabulary = pc.unique(pa.concat_arrays([pc.list_flatten(pc.utf8_split_whitespace(left)),
                                             pc.list_flatten(pc.utf8_split_whitespace(right))]))
    vocabulary = pc.filter(vocabulary, pc.not_equal(vocabulary, ""))
    words = vocabulary.to_pylist()
    lt, ln = _tokens(left, MAX_TOKENS, vocabulary)
    rt, rn = _tokens(right, MAX_TOKENS, vocabulary)
    slow = (ln > MAX_TOKENS) | (rn > MAX_TOKENS)
    empty = ~slow & ((ln == 0) | (rn == 0))
    width = int(max(1, min(MAX_TOKENS, max(ln[~slow].max(initial=1), rn[~slow].max(initial=1)))))
    lt, rt = lt[:, :width], rt[:, :width]
    # every token pair of every name pair, judged once per distinct pair of tokens
    a = np.repeat(lt, width, axis=1)
    b = np.tile(rt, (1, width))
    valid = (a >= 0) & (b >= 0)
    code = np.where(valid, a * len(words) + b, -1)
    distinct, inverse = np.unique(code[valid], return_inverse=True)
    pair_weight, pair_rule = _token_pairs(words, distinct // len(words), distinct % len(words))
    weights = np.full(code.shape, -1.0)
    weights[valid] = np.where(pair_rule[inverse] >= 0, pair_weight[inverse], -1.0)
    rules = np.full(code.shape, -1, np.int64)
    rules[valid] = pair_rule[inverse]
    flat_index = np.full(code.shape, -1, np.int64)
    flat_index[valid] = inverse
    rows = np.arange(n)
    total = np.zeros(n)
    matched = np.zeros(n, np.int64)
    initials_only = np.ones(n, bool)
    chosen: list[np.ndarray] = []  # per step: distinct token-pair index chosen, -1 when none
    used_left = np.zeros((n, width), bool)
    used_right = np.zeros((n, width), bool)
    grid = weights.reshape(n, width, width).copy()
    for _ in range(width):
        best = grid.reshape(n, -1).argmax(axis=1)
        value = grid.reshape(n, -1)[rows, best]
        hit = value > 0
        i, j = best // width, best % width
        total[hit] += value[hit]
        matched += hit
        initials_only &= ~hit | (rules[rows, best] == 1)
        chosen.append(np.where(hit, flat_index[rows, best], -1))
        used_left[rows[hit], i[hit]] = True
        used_right[rows[hit], j[hit]] = True
        grid[rows[hit], i[hit], :] = -1.0
        grid[rows[hit], :, j[hit]] = -1.0
        if not hit.any():
            break
    short = np.minimum(ln, rn).astype(float)
    long_ = np.maximum(ln, rn).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        raw = np.where(matched > 0, (total / short) * (0.8 + 0.2 * short / long_), 0.0)
    raw = np.where((matched > 0) & initials_only, np.minimum(raw, 0.5), raw)
    scores = np.array([round(x, 4) for x in np.clip(raw, 0.0, 1.0).tolist()])  # Python's rounding, as compare_names
    scores[empty] = 0.0
    described = np.full(len(distinct), None, dtype=object)
    for k in np.unique(np.concatenate(chosen)).tolist():
        if k >= 0:
            x, y = words[int(distinct[k] // len(words))], words[int(distinct[k] % len(words))]
            described[k] = f"{x}~{y} ({_RULES[pair_rule[k]]} {pair_weight[k]:.2f})"
    descriptions = pa.array(described.tolist(), pa.string())
    vocab = pa.array(words, pa.string())

    def pick(values: pa.Array, index: np.ndarray) -> pa.Array:
        return pc.take(values, pa.array(index, pa.int64(), mask=index < 0))

    matches = _join_present([pick(descriptions, c) for c in chosen], "; ")
    unmatched = _join_present([pick(vocab, np.where(used_left[:, c], -1, lt[:, c])) for c in range(width)]
                              + [pick(vocab, np.where(used_right[:, c], -1, rt[:, c])) for c in range(width)], " ")
    unmatched = pc.if_else(pc.equal(unmatched, ""), unmatched,
                           pc.binary_join_element_wise("unmatched: ", unmatched, ""))
    details = _join_present([matches, unmatched], "; ").to_pylist()
    for p in np.flatnonzero(slow).tolist():
        comparison = compare_names(left[p].as_py(), right[p].as_py(), "Person", normalized=True)
        scores[p], details[p] = comparison.score, comparison.describe()
    return scores, details
