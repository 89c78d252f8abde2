"""Person names featurised column-wise: normalised form, order-free keys and blocking keys.

``features.block_keys`` and ``model.names.normalize_name`` say what a person's name features are;
here the same results are computed for a whole column of distinct names at once with pyarrow, so
Python runs once per distinct *word* and *token* (a few hundred thousand in a million records), not
once per name. A name with an Arabic article to join ("al Ahmad") or a title to drop ("Dr") takes
the per-name path, ``normalize_name_uncached``, so its result is the same either way.
"""

from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from moneytrail.model.names import (
    ARTICLES,
    abjad,
    clean_words,
    marked_skeleton,
    normalize_name_uncached,
    skeleton,
    title_tokens,
    unvowelled_skeleton,
)
from moneytrail.resolve.sorting import sorted_distinct

# As features.block_keys: the first four tokens; the last spelled out when nearly as long as the longest.
MAX_KEY_TOKENS, SPELLED_MIN, SPELLED_SLACK = 4, 4, 2
# Names featurised in slices side by side from this many on (fewer: a thread costs more than it saves).
SLICED_FROM = 20_000
_P, _EMPTY = pa.scalar("p:"), pa.scalar("")


@dataclass
class PersonNameColumns:
    norm: pa.Array  # one per input name
    nkey: pa.Array
    skey: pa.Array
    key_name: pa.Array  # index of the input name each blocking key belongs to
    key: pa.Array


def _array(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values


def _flat(texts: pa.Array) -> tuple[np.ndarray, pa.Array]:
    """(parent index, word) of every whitespace-separated word of ``texts``."""
    lists = pc.utf8_split_whitespace(texts)
    parent, words = pc.list_parent_indices(lists).to_numpy().astype(np.int64), pc.list_flatten(lists)
    nonempty = pc.not_equal(words, _EMPTY)  # "".split() is [], pyarrow's is [""]
    return parent[nonempty.to_numpy(zero_copy_only=False)], pc.filter(words, nonempty)


def _per_distinct(words: pa.Array, fn: object) -> tuple[pa.Array, pa.Array]:
    """(values, index into values per word): ``fn`` applied once per distinct word."""
    distinct = pc.unique(words)
    mapped = [fn(w) for w in distinct.to_pylist()]  # type: ignore[operator]
    return pa.array(mapped, pa.string()), pc.index_in(words, value_set=distinct)


def _joined(parent: np.ndarray, values: pa.Array, size: int, sort: bool, rank: np.ndarray | None = None) -> pa.Array:
    """Per parent 0..size-1, its values joined by a space (sorted when ``sort``, else in order).
    ``rank``: each value's place in the values' order, to sort by (equal values may rank apart: they
    join the same), a numpy sort of numbers rather than a table sort of strings.

    The words of a name are contiguous (``_flat`` lists them name by name), so each name's list is a
    slice: a list array over offsets, joined by one ``binary_join``, with no grouping."""
    values = _array(values.cast(pa.string()))
    nonempty = pc.not_equal(values, _EMPTY).to_numpy(zero_copy_only=False)
    parent, values = parent[nonempty], values.filter(pa.array(nonempty))
    if sort and rank is not None:
        order = _stable_order(parent, rank[nonempty])
        parent, values = parent[order], values.take(pa.array(order))
    elif sort or (len(parent) > 1 and bool((parent[1:] < parent[:-1]).any())):
        order = pc.sort_indices(pa.table({"p": pa.array(parent, pa.int64()), "v": values}),
                                sort_keys=[("p", "ascending"), ("v", "ascending")] if sort else [("p", "ascending")])
        parent, values = parent[order.to_numpy()], values.take(order)
    offsets = np.concatenate([[0], np.cumsum(np.bincount(parent, minlength=size))]).astype(np.int32)
    return _array(pc.binary_join(pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), values), " "))


_ARTICLE_TOKEN = "(^| )(" + "|".join(sorted(ARTICLES)) + ")( |$)"


def _titles() -> pa.Array:
    return pa.array(sorted(title_tokens()), pa.string())


def normalise_person_names(names: pa.Array) -> pa.Array:
    """``normalize_name_uncached(name, "Person")`` of every name, computed per distinct word."""
    parent, words = _flat(names)
    distinct = pc.unique(words)
    cleaned = pa.array(clean_words(distinct.to_pylist()), pa.string())
    # a word holding an article, or starting with a title (``is_title_token``, as a set of tokens)
    special_distinct = pc.or_(pc.match_substring_regex(cleaned, _ARTICLE_TOKEN),
                              pc.is_in(pc.replace_substring_regex(cleaned, " .*", ""), value_set=_titles()))
    position = pc.index_in(words, value_set=distinct)
    flat_clean = pc.take(cleaned, position)
    special_word = pc.take(special_distinct, position).to_numpy(zero_copy_only=False)
    norm = _joined(parent, flat_clean, len(names), sort=False)
    special = np.zeros(len(names), bool)
    special[parent[special_word]] = True
    if special.any():  # articles to join, titles to drop: the per-name rules
        where = np.flatnonzero(special)
        redone = [normalize_name_uncached(n, "Person") for n in pc.take(names, pa.array(where)).to_pylist()]
        position = np.arange(len(names), dtype=np.int64)
        position[where] = len(names) + np.arange(len(where))
        norm = pc.take(pa.concat_arrays([_array(norm), pa.array(redone, pa.string())]), pa.array(position))
    return norm


def _stable_order(major: np.ndarray, minor: np.ndarray) -> np.ndarray:
    """``np.lexsort((minor, major))`` of non-negative int64 keys, as one stable sort of combined
    keys (about a third of lexsort's time on keys nearly in order already)."""
    width = int(minor.max(initial=0)) + 1
    if int(major.max(initial=0)) >= np.iinfo(np.int64).max // width:
        return np.lexsort((minor, major))
    return np.argsort(major.astype(np.int64) * width + minor, kind="stable")


def _rank(values: pa.Array) -> np.ndarray:
    """Each value's place in the values sorted as pyarrow sorts strings."""
    rank = np.empty(len(values), np.int64)
    rank[pc.sort_indices(values).to_numpy()] = np.arange(len(values))
    return rank


def person_name_columns(names: pa.Array, *, slices: int = 2) -> PersonNameColumns:
    """Normalised form, order-free token and skeleton keys, and blocking keys of distinct person names.

    A name's features are its own tokens' alone, so ``slices`` slices of the names are featurised
    side by side (most of the work is pyarrow and numpy kernels, which release the GIL: on two cores
    the slices overlap) and put back together: the same features, the keys of a name in another order."""
    if slices < 2 or len(names) < SLICED_FROM:
        return _person_name_columns(names)
    bounds = [len(names) * i // slices for i in range(slices + 1)]
    spans = list(itertools.pairwise(bounds))
    with ThreadPoolExecutor(slices - 1, thread_name_prefix="mt-person-names") as pool:
        rest = [pool.submit(_person_name_columns, names.slice(a, b - a)) for a, b in spans[1:]]
        parts = [_person_name_columns(names.slice(0, bounds[1]))] + [r.result() for r in rest]
    return PersonNameColumns(
        norm=pa.concat_arrays([p.norm for p in parts]), nkey=pa.concat_arrays([p.nkey for p in parts]),
        skey=pa.concat_arrays([p.skey for p in parts]),
        key_name=pa.concat_arrays([pc.add(p.key_name.cast(pa.int64()), a) for p, (a, _) in zip(parts, spans,
                                                                                               strict=True)]),
        key=pa.concat_arrays([p.key for p in parts]))


def _person_name_columns(names: pa.Array) -> PersonNameColumns:
    norm = normalise_person_names(names)
    parent, tokens = _flat(norm)
    distinct = pc.unique(tokens)
    at = pc.index_in(tokens, value_set=distinct)
    words = distinct.to_pylist()
    skel_words = [skeleton(t) or t for t in words]
    skel = pc.take(pa.array(skel_words, pa.string()), at)
    unjoined = pc.take(pa.array([unvowelled_skeleton(t) or s for t, s in zip(words, skel_words, strict=True)],
                                pa.string()), at)
    sure_words = pa.array([marked_skeleton(t) for t in words], pa.string())
    sure = pc.take(sure_words, at)
    # each token's (and its marked skeleton's) rank in the (byte) order of the distinct tokens' values,
    # for sorting by a number rather than a string
    at_np = at.to_numpy()
    rank, sure_rank = _rank(distinct)[at_np], _rank(sure_words)[at_np]
    size = len(names)
    nkey = _joined(parent, tokens, size, sort=True, rank=rank)
    skey = _joined(parent, sure, size, sort=True, rank=sure_rank)
    key_name, key = _block_keys(parent, tokens, skel, unjoined, rank, size)
    return PersonNameColumns(norm, nkey, skey, key_name, key)


# A name holding a letter of the Arabic blocks (Arabic, its supplement, presentation forms) is written in Arabic.
ARABIC_LETTER = "[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]"


_DOUBLED_LETTER = "|".join(c + c for c in "abcdefghijklmnopqrstuvwxyz")


def abjad_keys(names: pa.Array, norms: pa.Array) -> tuple[pa.Array, pa.Array, pa.Array]:
    """(order-free key of the normalised tokens written in Arabic script, ``model.names.abjad``; the same
    with an Arabic-script name's letters as written, a letter twice in a row kept twice (another name's
    key is its first); whether the name itself is written in Arabic script) of every (name, normalised
    name), per distinct token. An Arabic name's own key is that of its romanisation, written back: the
    key of the name as ICU reads it, on both sides of a pair alike. Its second key serves names whose
    Latin spelling has a vowel between the two ("ڤلرر", read "vlrr", is "Velrara"), the first those that
    write one letter twice ("الله", read "allh", is "Allah")."""
    parent, tokens = _flat(norms)
    arabic = pc.match_substring_regex(names, ARABIC_LETTER)
    forms, at = _per_distinct(tokens, abjad)
    # sorted by the forms' ranks (numbers), not by their text
    akey = _joined(parent, pc.take(forms, at), len(norms), sort=True, rank=_rank(forms)[at.to_numpy()])
    # the Arabic names with a letter twice in a row (the others' keys are one), their tokens again as written
    doubled = pc.and_(pc.fill_null(arabic, False), pc.match_substring_regex(norms, _DOUBLED_LETTER))
    rows = np.flatnonzero(doubled.to_numpy(zero_copy_only=False))
    if not len(rows):
        return akey, akey, arabic
    sub_parent, sub_tokens = _flat(pc.take(norms, pa.array(rows)))
    own, own_at = _per_distinct(sub_tokens, lambda t: abjad(t, written=True))
    written = _joined(sub_parent, pc.take(own, own_at), len(rows), sort=True, rank=_rank(own)[own_at.to_numpy()])
    position = np.arange(len(norms), dtype=np.int64)
    position[rows] = len(norms) + np.arange(len(rows))
    return akey, pc.take(pa.concat_arrays([akey, written]), pa.array(position)), arabic


def _ranges(starts: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(owner, row) of every row of the ranges [starts[k], starts[k] + counts[k])."""
    owner = np.repeat(np.arange(len(counts)), counts)
    return owner, np.repeat(starts, counts) + np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts,
                                                                                         counts)


def _block_keys(parent: np.ndarray, tokens: pa.Array, skel: pa.Array, unjoined: pa.Array, rank: np.ndarray,
                size: int) -> tuple[pa.Array, pa.Array]:
    """``features.block_keys(norm, "person")`` for every name, as (name index, key) rows; ``unjoined``: each
    token's ``unvowelled_skeleton`` (its skeleton when it has vowels); ``rank``: each token's place in the
    tokens' order (ties broken by spelling as by the strings)."""
    counts = np.bincount(parent, minlength=size)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    pos = np.arange(len(parent)) - starts[parent]
    keep = pos < MAX_KEY_TOKENS
    p, pos = parent[keep], pos[keep]
    tok = pc.filter(tokens, pa.array(keep))
    sk = pc.filter(skel, pa.array(keep))
    uj = pc.filter(unjoined, pa.array(keep))
    length = pc.utf8_length(tok).to_numpy().astype(np.int64)
    n = np.minimum(counts, MAX_KEY_TOKENS)
    parts_name: list[np.ndarray] = []
    parts_key: list[pa.Array] = []
    single = n[p] == 1
    parts_name.append(p[single])
    parts_key.append(pc.binary_join_element_wise(_P, pc.filter(sk, pa.array(single)), _EMPTY))
    multi = ~single
    full = multi & (length >= 2)
    flat = pa.table({"p": p, "pos": pos, "tok": tok})
    fulls = flat.append_column("sk", sk).append_column("uj", uj).append_column("len", pa.array(length)) \
        .filter(pa.array(full))
    # Rows are name by name, in token order: the pairs within a name are rows d apart (d < MAX_KEY_TOKENS)
    # with one parent, so no join is needed. Every two full tokens: their skeletons, order-free.
    fp = fulls.column("p").to_numpy()
    f_sk, f_uj = fulls.column("sk"), fulls.column("uj")
    # the pairs of a name with a token spelled without vowels again, by its letters (``unjoined``)
    f_unvowelled = pc.not_equal(f_uj, f_sk).to_numpy(zero_copy_only=False)
    for d in range(1, MAX_KEY_TOKENS):
        i = np.flatnonzero(fp[:-d] == fp[d:]) if len(fp) > d else np.zeros(0, np.int64)
        u = i[f_unvowelled[i] | f_unvowelled[i + d]]
        for rows, column in ((i, f_sk), (u, f_uj)):
            a, b = column.take(pa.array(rows)), column.take(pa.array(rows + d))
            parts_name.append(fp[rows])
            parts_key.append(pc.binary_join_element_wise(_P, pc.binary_join_element_wise(
                pc.min_element_wise(a, b), pc.max_element_wise(a, b), "|"), _EMPTY))
    # the longest full token (ties: the greater spelling) and the last full one when nearly as long,
    # spelled out, with each other token's initial
    f_len, f_pos = length[full], pos[full]
    f_rank = rank[keep][full]
    top_len, top_rank = f_len.max(initial=0), f_rank.max(initial=0)  # longest first, then the greater spelling
    order = _stable_order(fp, (top_len - f_len) * (top_rank + 1) + top_rank - f_rank)
    op = fp[order]
    first = np.concatenate([[True], op[1:] != op[:-1]]) if len(op) else np.zeros(0, bool)
    longest = fulls.select(["p", "pos", "tok"]).take(pa.array(order[first]))
    last_mask = np.concatenate([fp[1:] != fp[:-1], [True]]) if len(fp) else np.zeros(0, bool)
    last = fulls.filter(pa.array(last_mask))
    longest_len = np.zeros(size, np.int64)
    longest_pos = np.full(size, -1, np.int64)
    longest_len[op[first]] = f_len[order[first]]
    longest_pos[op[first]] = f_pos[order[first]]
    last_p, last_len = last.column("p").to_numpy(), last.column("len").to_numpy()
    near = (last_len >= SPELLED_MIN) & (last_len >= longest_len[last_p] - SPELLED_SLACK) \
        & (last.column("pos").to_numpy() != longest_pos[last_p])  # the longest itself is spelled once
    spelled = pa.concat_tables([longest, last.filter(pa.array(near)).select(["p", "pos", "tok"])])
    # each spelled token with every other token of its name (the rows of its name among ``others``)
    others = flat.filter(pa.array(multi))
    o_p = others.column("p").to_numpy()
    o_start = np.searchsorted(o_p, np.arange(size + 1))
    s_p = spelled.column("p").to_numpy()
    owner, other = _ranges(o_start[s_p], o_start[s_p + 1] - o_start[s_p])
    apart = spelled.column("pos").to_numpy()[owner] != others.column("pos").to_numpy()[other]
    owner, other = owner[apart], other[apart]
    parts_name.append(s_p[owner])
    parts_key.append(pc.binary_join_element_wise(_P, pc.binary_join_element_wise(
        spelled.column("tok").take(pa.array(owner)),
        pc.utf8_slice_codeunits(others.column("tok").take(pa.array(other)), 0, 1), ":"), _EMPTY))
    # distinct (name, key): the keys numbered by one hash pass, the pairs of numbers by one sort
    names_of = np.concatenate(parts_name).astype(np.int64)
    coded = pa.chunked_array([_array(k) for k in parts_key], pa.string()).combine_chunks().dictionary_encode()
    code = coded.indices.to_numpy().astype(np.int64)
    width = max(len(coded.dictionary), 1)
    pairs = sorted_distinct(names_of * width + code)
    keys = pa.table({"p": pa.array(pairs // width, pa.int64()), "key": coded.dictionary.take(pa.array(pairs % width))})
    return keys.column("p").combine_chunks(), keys.column("key").combine_chunks()
