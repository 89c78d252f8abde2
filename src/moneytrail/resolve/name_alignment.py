"""``model.names.compare_names`` for many pairs of normalised person names at once, with numpy.

The rules are those of ``compare_names`` (one token pair at a time: exact, initial, same consonant
skeleton, close spelling by Jaro-Winkler; tokens aligned greedily, best pair first; the score is the
mean weight over the shorter name, softened by the longer name's extra tokens), computed as arrays:
token pairs are judged once per *distinct* pair of tokens (``resolve.token_pairs``: Jaro-Winkler in
rigour's Rust core, only where a bound from the tokens' letters says it can reach a rule's bar), and
the greedy alignment runs as at most ``MAX_TOKENS`` vectorised steps over a (pairs x tokens x tokens)
weight array. Names with more tokens than that are compared by ``compare_names`` itself.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from moneytrail.model.names import compare_names
from moneytrail.resolve.token_pairs import INITIAL_RULE, RULES, VOWELS_RULE, judge_token_pairs, round_like_python

MAX_TOKENS = 6


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
    out = np.full((len(norms), width), -1, np.int32)
    inside = pos < width
    out[parent[inside], pos[inside]] = ids[inside]
    return out, count


def _join_present(columns: list[pa.Array], separator: str) -> pa.Array:
    """Per row, the non-null, non-empty values of ``columns`` joined by ``separator`` (pyarrow's
    join with null_handling="skip" drops rows where every value is null, so nulls are made empty
    and the separators they leave are squeezed out)."""
    mark = "\x1e"
    joined = pc.binary_join_element_wise(*(pc.fill_null(c, "") for c in columns), mark)
    joined = pc.replace_substring_regex(joined, f"{mark}+", mark)
    joined = pc.replace_substring_regex(joined, f"^{mark}|{mark}$", "")
    return pc.replace_substring(joined, mark, separator)


def _sorted_unique(values: np.ndarray) -> np.ndarray:
    ordered = np.sort(values)
    return ordered[np.concatenate([[True], ordered[1:] != ordered[:-1]])] if len(ordered) else ordered


def _cells(lt: np.ndarray, rt: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """(which cells hold two tokens, their token pair codes) of the (names x tokens x tokens) grid of
    name pairs of ``lt.shape[1]`` tokens, cell (i, j) at i * width + j."""
    width = lt.shape[1]
    a = np.repeat(lt, width, axis=1)
    b = np.tile(rt, (1, width))
    valid = (a >= 0) & (b >= 0)
    return valid, a[valid].astype(np.int64) * size + b[valid]


def _align(lt: np.ndarray, rt: np.ndarray, ln: np.ndarray, rn: np.ndarray, index: np.ndarray,
           pair_weight: np.ndarray, pair_rule: np.ndarray) -> tuple[np.ndarray, list[np.ndarray],
                                                                  np.ndarray, np.ndarray]:
    """Greedy alignment of name pairs of at most ``lt.shape[1]`` tokens, ``index`` each cell's token
    pair (``_cells``' layout, -1: none): (raw score, the token pair chosen at each step (-1: none),
    left and right tokens left unused)."""
    n, width = lt.shape
    valid = index >= 0
    grid = np.where(valid, np.where(pair_rule[index] >= 0, pair_weight[index], -1.0), -1.0)
    if width == 2:
        return _align_two(lt, rt, ln, rn, index, grid, pair_rule)
    rows = np.arange(n)
    total = np.zeros(n)
    matched = np.zeros(n, np.int64)
    initials_only = np.ones(n, bool)
    chosen: list[np.ndarray] = []
    used_left = np.zeros((n, width), bool)
    used_right = np.zeros((n, width), bool)
    cells = grid.reshape(n, width, width)
    for step in range(width):
        best = grid.argmax(axis=1)
        value = grid[rows, best]
        hit = value > 0
        if not hit.any():
            break
        at, pair = rows[hit], index[rows, best]
        i, j = best[hit] // width, best[hit] % width
        total[hit] += value[hit]
        matched += hit
        initials_only &= ~hit | (pair_rule[pair] == 1)
        chosen.append(np.where(hit, pair, -1))
        used_left[at, i] = True
        used_right[at, j] = True
        if step < width - 1:  # no step reads the grid after the last
            cells[at, i, :] = -1.0
            cells[at, :, j] = -1.0
    return _scored(total, matched, initials_only, ln, rn), chosen, np.where(used_left, -1, lt), \
        np.where(used_right, -1, rt)


def _scored(total: np.ndarray, matched: np.ndarray, initials_only: np.ndarray, ln: np.ndarray,
            rn: np.ndarray) -> np.ndarray:
    """Raw score of each aligned pair of names, as ``compare_names`` scores an alignment."""
    short, long_ = np.minimum(ln, rn).astype(float), np.maximum(ln, rn).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        raw = np.where(matched > 0, (total / short) * (0.8 + 0.2 * short / long_), 0.0)
    return np.asarray(np.where((matched > 0) & initials_only, np.minimum(raw, 0.5), raw))


def _align_two(lt: np.ndarray, rt: np.ndarray, ln: np.ndarray, rn: np.ndarray, index: np.ndarray,
               grid: np.ndarray, pair_rule: np.ndarray) -> tuple[np.ndarray, list[np.ndarray],
                                                              np.ndarray, np.ndarray]:
    """``_align`` of names of at most two tokens (nearly all name pairs), in closed form: the greedy
    first pick is the best cell (the first of equals, as argmax), and the second can only be the
    cell crossing neither its token, (1 - i, 1 - j), at flat position 3 - first."""
    rows = np.arange(len(grid))
    first = grid.argmax(axis=1)
    second = 3 - first  # (1 - i) * 2 + (1 - j)
    value1, value2 = grid[rows, first], grid[rows, second]
    hit1, hit2 = value1 > 0, (value1 > 0) & (value2 > 0)
    pair1, pair2 = index[rows, first], index[rows, second]
    total = np.where(hit1, value1, 0.0) + np.where(hit2, value2, 0.0)
    initials_only = (~hit1 | (pair_rule[pair1] == 1)) & (~hit2 | (pair_rule[pair2] == 1))
    chosen = []
    if hit1.any():  # as the step loop: a step is recorded while some pair still matches
        chosen.append(np.where(hit1, pair1, -1))
        if hit2.any():
            chosen.append(np.where(hit2, pair2, -1))
    i, j = first // 2, first % 2
    free_left, free_right = lt.copy(), rt.copy()
    free_left[rows[hit1], i[hit1]], free_right[rows[hit1], j[hit1]] = -1, -1
    free_left[rows[hit2], 1 - i[hit2]], free_right[rows[hit2], 1 - j[hit2]] = -1, -1
    return _scored(total, hit1.astype(np.int64) + hit2, initials_only, ln, rn), chosen, free_left, free_right


def compare_person_names(left: pa.Array, right: pa.Array, *, details: bool = True) -> tuple[np.ndarray, pa.Array]:
    """(score, detail) of each pair of normalised person names: ``compare_names(l, r, "Person",
    normalized=True)``'s score and ``describe()`` (null without ``details``)."""
    scores, described, _, _ = compare_person_names_ruled(left, right, details=details)
    return scores, described


def _distinct_names(left: pa.Array, right: pa.Array, ids: tuple[np.ndarray, np.ndarray] | None
                    ) -> tuple[pa.Array, np.ndarray]:
    """(the distinct names of ``left`` and ``right``, each left row's then each right row's index into
    them): names are tokenised once each, not once per pair. ``ids``: numbers of the names, equal for
    equal names (``comparisons.norms_sql``' ids), numbered without hashing the text."""
    both = pa.concat_arrays([left, right])
    if ids is None:
        coded = both.dictionary_encode()
        return coded.dictionary, coded.indices.to_numpy().astype(np.int64)
    number = np.concatenate(ids).astype(np.int64)
    top = int(number.max(initial=0)) + 1
    if int(number.min(initial=0)) < 0 or top > 8 * len(number) + 1024:  # sparse numbers: unique by sorting
        present, first, at = np.unique(number, return_index=True, return_inverse=True)
        return both.take(pa.array(first)), at.ravel()
    first = np.zeros(top, np.int64)
    first[number[::-1]] = np.arange(len(number) - 1, -1, -1)
    seen = np.zeros(top, bool)
    seen[number] = True
    present = np.flatnonzero(seen)
    slot = np.zeros(top, np.int64)
    slot[present] = np.arange(len(present))
    return both.take(pa.array(first[present])), slot[number]


def compare_person_names_ruled(left: pa.Array, right: pa.Array, *, details: bool = True,
                               ids: tuple[np.ndarray, np.ndarray] | None = None
                               ) -> tuple[np.ndarray, pa.Array, np.ndarray, np.ndarray]:
    """``compare_person_names``, and per pair whether its alignment leans on a token pair whose
    vowels differ (``model.names.VOWELS_DIFFER``: one skeleton, spellings that differ beyond letters
    left out and one more): the weakest rule of the alignment, which ``comparisons.best_name_sql``
    reads to keep such pairs out of the levels of names agreeing by transliteration; and whether it
    matched a token by its initial ("T. Peborim" / "Tinmi Peborim"), which puts a pair that would be
    "similar" in a level of its own (``model.INITIAL_LEVEL``). ``ids``: as ``_distinct_names``'."""
    n = len(left)
    if n == 0:
        return np.zeros(0), pa.array([], pa.string()), np.zeros(0, bool), np.zeros(0, bool)
    vowels = np.zeros(n, bool)
    initials = np.zeros(n, bool)
    names, at = _distinct_names(left, right, ids)
    vocabulary = pc.unique(pc.list_flatten(pc.utf8_split_whitespace(names)))
    vocabulary = pc.filter(vocabulary, pc.not_equal(vocabulary, ""))
    words = vocabulary.to_pylist()
    size = max(len(words), 1)
    tokens, counts = _tokens(names, MAX_TOKENS, vocabulary)
    left_at, right_at = at[:n], at[n:]
    ln, rn = counts[left_at], counts[right_at]
    slow = (ln > MAX_TOKENS) | (rn > MAX_TOKENS)
    # every token pair of every name pair, judged once per distinct pair of tokens: the pairs of
    # names of each width form a grid of cells, whose codes one hash pass numbers
    width_of = np.clip(np.maximum(ln, rn), 1, MAX_TOKENS)
    grids = []
    for width in range(1, MAX_TOKENS + 1):
        rows = np.flatnonzero((width_of == width) & ~slow)
        if len(rows):
            grids.append((width, rows, *_cells(tokens[left_at[rows], :width], tokens[right_at[rows], :width], size)))
    coded = pa.array(np.concatenate([g[3] for g in grids] or [np.zeros(0, np.int64)])).dictionary_encode()
    distinct = coded.dictionary.to_numpy()
    numbered = coded.indices.to_numpy()
    pair_weight, pair_rule = judge_token_pairs(words, distinct // size, distinct % size)
    described = np.full(len(distinct), None, dtype=object)
    descriptions_of: list[pa.Array] = []
    raw = np.zeros(n)
    order: list[np.ndarray] = []
    parts: list[tuple[list[np.ndarray], np.ndarray, np.ndarray]] = []
    start = 0
    for width, rows, valid, codes in grids:
        index = np.full(valid.shape, -1, np.int64)
        index[valid] = numbered[start:start + len(codes)]
        start += len(codes)
        score, chosen, free_left, free_right = _align(tokens[left_at[rows], :width], tokens[right_at[rows], :width],
                                                      ln[rows], rn[rows],
                                                      index, pair_weight, pair_rule)
        raw[rows] = score
        for step in chosen:
            vowels[rows] |= (step >= 0) & (pair_rule[np.maximum(step, 0)] == VOWELS_RULE)
            initials[rows] |= (step >= 0) & (pair_rule[np.maximum(step, 0)] == INITIAL_RULE)
        order.append(rows)
        parts.append((chosen, free_left, free_right))
    scores = round_like_python(np.clip(raw, 0.0, 1.0))  # Python's rounding, as compare_names
    slow_rows = np.flatnonzero(slow).tolist()
    if not details:
        for p in slow_rows:
            comparison = compare_names(left[p].as_py(), right[p].as_py(), "Person", normalized=True)
            scores[p] = comparison.score
            vowels[p] = any(m.rule == RULES[VOWELS_RULE] for m in comparison.matches)
            initials[p] = any(m.rule == RULES[INITIAL_RULE] for m in comparison.matches)
        return scores, pa.nulls(n, pa.string()), vowels, initials
    for k in _sorted_unique(np.concatenate([c for chosen, _, _ in parts for c in chosen] or [np.zeros(0, np.int64)])):
        if k >= 0:
            x, y = words[int(distinct[k] // size)], words[int(distinct[k] % size)]
            described[k] = f"{x}~{y} ({RULES[pair_rule[k]]} {pair_weight[k]:.2f})"
    descriptions = pa.array(described.tolist(), pa.string())
    vocab = pa.array(words, pa.string())

    def pick(values: pa.Array, index: np.ndarray) -> pa.Array:
        return pc.take(values, pa.array(index, pa.int64(), mask=index < 0))

    for chosen, free_left, free_right in parts:
        matches = _join_present([pick(descriptions, c) for c in chosen], "; ") if chosen else \
            pa.array([""] * len(free_left), pa.string())
        unmatched = _join_present([pick(vocab, free_left[:, c]) for c in range(free_left.shape[1])]
                                  + [pick(vocab, free_right[:, c]) for c in range(free_right.shape[1])], " ")
        unmatched = pc.if_else(pc.equal(unmatched, ""), unmatched,
                               pc.binary_join_element_wise("unmatched: ", unmatched, ""))
        descriptions_of.append(_join_present([matches, unmatched], "; "))
    placed = np.concatenate(order) if order else np.zeros(0, np.int64)
    text = pa.array([""] * n, pa.string())
    if len(placed):
        position = np.full(n, -1, np.int64)
        position[placed] = np.arange(len(placed))
        text = pc.take(pa.concat_arrays(descriptions_of), pa.array(position, mask=position < 0))
    if slow_rows:
        values = text.to_pylist()
        for p in slow_rows:
            comparison = compare_names(left[p].as_py(), right[p].as_py(), "Person", normalized=True)
            scores[p], values[p] = comparison.score, comparison.describe()
            vowels[p] = any(m.rule == RULES[VOWELS_RULE] for m in comparison.matches)
            initials[p] = any(m.rule == RULES[INITIAL_RULE] for m in comparison.matches)
        text = pa.array(values, pa.string())
    return scores, pc.fill_null(text, ""), vowels, initials
