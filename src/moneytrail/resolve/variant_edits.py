"""Spelling edits the case shows to be variants of one name, or to tell two people apart, learned without labels.

Two spellings a letter or two apart ("Daryukav" / "Daryukov", "Sermah" / "Serma") are as often one
person written twice as two people whose names happen to be close ("Daryukav" / "Daryuyukav"): the
name score cannot tell them apart, but the *edit* between the tokens can. As in learnable string edit
distances (Ristad & Yianilos 1998; Bilenko & Mooney 2003), each edit is weighed by how often it
separates tokens of pairs that are one party and of pairs that are two: here without labels, from the
case's own candidate pairs, those whose birth dates agree (one party, nearly always) against those whose
birth dates contradict (two). An edit is the part two tokens do not share once their common prefix
and suffix are stripped, of up to two letters a side, with where it is (start, middle, end):
"E:>h" is an "h" added at a token's end, "M:a>o" an "a" for an "o" inside (the two sides in order,
so an edit and its reverse are one). A name pair's edits are those of each of its left tokens and the
right token closest to it (fewest letters a side once their common prefix and suffix are stripped).

The learned table (edit -> log-odds, natural log) belongs to the model (``ResolveModel.variant_edits``),
so a model reused on another case re-levels its pairs alike. ``relevel_sql`` then moves candidate pairs
whose names are near-identical, similar or partly similar: to ``model.VARIANT_LEVEL`` when every edit
is a known variant, to ``model.SEPARATED_LEVEL`` when one edit tells parties apart; EM weighs both
levels as any other. The untrained default (an empty table) changes nothing.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from itertools import pairwise
from typing import NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from moneytrail.engine import Engine
from moneytrail.resolve.model import (
    NEAR_IDENTICAL_LEVEL,
    PARTLY_SIMILAR_LEVEL,
    SEPARATED_LEVEL,
    SIMILAR_LEVEL,
    VARIANT_LEVEL,
    ResolveModel,
)

MAX_EDIT = 2  # letters a side: a longer difference is no spelling edit
MAX_LETTERS = 24  # letters of a token compared
BATCH = 100_000  # name pairs aligned at once
WIDTH = 4  # tokens per name compared (few names have more)
MIN_PAIRS = 20  # pairs an edit must separate to enter the table
VARIANT_AT = 1.0  # log-odds (nats) an edit needs to count as a variant ...
SEPARATES_AT = -1.0  # ... or as telling parties apart
# The levels a learned edit moves pairs from: near-identical, similar, partly similar (not the initial
# level, whose difference is a token's initial, nor the rule-decided identical and Arabic-script ones).
MOVABLE = (NEAR_IDENTICAL_LEVEL, SIMILAR_LEVEL, PARTLY_SIMILAR_LEVEL)


def token_edit(left: str, right: str) -> str:
    """The edit between two tokens: "<where>:<one side>><other side>" (sides in order), or "" when they
    differ by more than MAX_EDIT letters a side once their common prefix and suffix are stripped."""
    start = 0
    while start < min(len(left), len(right)) and left[start] == right[start]:
        start += 1
    end = 0
    while end < min(len(left), len(right)) - start and left[-1 - end] == right[-1 - end]:
        end += 1
    a, b = left[start:len(left) - end], right[start:len(right) - end]
    if len(a) > MAX_EDIT or len(b) > MAX_EDIT:
        return ""
    where = "S" if start == 0 else "E" if end == 0 else "M"
    a, b = sorted((a, b))
    return f"{where}:{a}>{b}"


def _token_ids(norms: pa.Array) -> tuple[np.ndarray, pa.Array]:
    """Token ids of each name, (n, WIDTH), padded -1, and the words they index (one hashing pass)."""
    lists = pc.utf8_split_whitespace(norms)
    parent = pc.list_parent_indices(lists).to_numpy().astype(np.int64)
    encoded = pc.dictionary_encode(pc.list_flatten(lists))
    starts = np.concatenate([[0], np.cumsum(np.bincount(parent, minlength=len(norms)))[:-1]]).astype(np.int64)
    pos = np.arange(len(parent)) - starts[parent]
    ids = encoded.indices.to_numpy().astype(np.int64)
    out = np.full((len(norms), WIDTH), -1, np.int64)
    inside = pos < WIDTH
    out[parent[inside], pos[inside]] = ids[inside]
    return out, encoded.dictionary


class _Words(NamedTuple):
    """The vocabulary's words, their letters (up to MAX_LETTERS), code points read from each end, first and last."""
    words: list[str]
    lengths: np.ndarray
    forward: np.ndarray
    backward: np.ndarray
    first: np.ndarray
    last: np.ndarray

    @classmethod
    def of(cls, words: list[str]) -> _Words:
        lengths = np.minimum(np.fromiter(map(len, words), np.int64, len(words)), MAX_LETTERS)
        forward, backward = _letters(words), _letters(words, reverse=True)
        return cls(words, lengths, forward, backward, forward[:, 0].copy(), backward[:, 0].copy())


def _letters(words: list[str], reverse: bool = False) -> np.ndarray:
    """Code points of each word, (words, MAX_LETTERS), zero-padded (reversed: read from its end)."""
    cut = [w[::-1][:MAX_LETTERS] if reverse else w[:MAX_LETTERS] for w in words]
    return np.array(cut or [""], dtype=f"<U{MAX_LETTERS}").view(np.int32).reshape(-1, MAX_LETTERS)


def _shared(left: np.ndarray, right: np.ndarray, limit: np.ndarray) -> np.ndarray:
    """How many leading letters two rows of code points share, at most ``limit``."""
    agree = np.zeros((len(left), left.shape[1] + 1), bool)
    agree[:, :-1] = (left == right) & (np.arange(left.shape[1]) < limit[:, None])
    return np.asarray(np.argmin(agree, axis=1))  # the first letter that differs


def _affixes(vocab: _Words, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per token pair (ids into the vocabulary): the letters of their common prefix, and of their common
    suffix in what the prefix leaves (as token_edit strips them); numpy over code points, in chunks."""
    prefix, suffix = np.zeros(len(a), np.int64), np.zeros(len(a), np.int64)
    for at in range(0, len(a), 250_000):
        rows = slice(at, at + 250_000)
        x, y = a[rows], b[rows]
        shorter = np.minimum(vocab.lengths[x], vocab.lengths[y])
        prefix[rows] = _shared(vocab.forward[x], vocab.forward[y], shorter)
        suffix[rows] = _shared(vocab.backward[x], vocab.backward[y], shorter - prefix[rows])
    return prefix, suffix


def _closest(vocab: _Words, lt: np.ndarray, rt: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per left token of each name pair: (letters a side it differs by from its closest right token,
    capped at MAX_EDIT + 1; that token pair's code, left id * words + right id)."""
    size, width = len(vocab.words), lt.shape[1]
    # (pairs, width * width) cells, every left token beside every right token: contiguous, as numpy is
    # slow over broadcast axes of four
    across, down = np.repeat(np.arange(width), width), np.tile(np.arange(width), width)
    a, b = lt[:, across], rt[:, down]
    cells = a * size + b
    valid = (a >= 0) & (b >= 0)
    # Only token pairs that can be an edit apart are measured: lengths at most MAX_EDIT apart, and a
    # first or a last letter shared (else nothing is stripped and both whole tokens are the edit).
    la, lb = vocab.lengths[a], vocab.lengths[b]
    candidate = valid & (a != b) & (np.abs(la - lb) <= MAX_EDIT) & (
        (vocab.first[a] == vocab.first[b]) | (vocab.last[a] == vocab.last[b]) | (np.maximum(la, lb) <= MAX_EDIT))
    # distinct token pairs by hashing (pyarrow), not sorting millions of cells
    encoded = pc.dictionary_encode(pa.array(cells[candidate]))
    distinct, inverse = encoded.dictionary.to_numpy(), encoded.indices.to_numpy()
    x, y = distinct // size, distinct % size
    prefix, suffix = _affixes(vocab, x, y)
    apart = np.maximum(vocab.lengths[x], vocab.lengths[y]) - prefix - suffix
    grid = np.full(cells.shape, MAX_EDIT + 1, np.int8)
    grid[valid & (a == b)] = 0
    grid[candidate] = np.minimum(apart, MAX_EDIT + 1)[inverse]
    grid, cells = grid.reshape(-1, width, width), cells.reshape(-1, width, width)
    best = np.argmin(grid, axis=2)
    return (np.take_along_axis(grid, best[:, :, None], axis=2)[:, :, 0],
            np.take_along_axis(cells, best[:, :, None], axis=2)[:, :, 0])


def _edit_texts(vocab: _Words, a: np.ndarray, b: np.ndarray) -> pa.Array:
    """token_edit of each token pair that is an edit apart (on their first MAX_LETTERS letters, as the
    alignment compares them), numpy over code points: the core is at most MAX_EDIT letters a side."""
    prefix, suffix = _affixes(vocab, a, b)
    cores = []
    for ids in (a, b):
        size = vocab.lengths[ids] - prefix - suffix
        at = np.minimum(prefix[:, None] + np.arange(MAX_EDIT), MAX_LETTERS - 1)
        letters = np.where(np.arange(MAX_EDIT) < size[:, None], np.take_along_axis(vocab.forward[ids], at, 1), 0)
        cores.append(np.ascontiguousarray(letters, np.int32).view(f"<U{MAX_EDIT}")[:, 0])
    low, high = np.where(cores[0] <= cores[1], cores[0], cores[1]), np.where(cores[0] <= cores[1], cores[1], cores[0])
    where = np.where(prefix == 0, "S:", np.where(suffix == 0, "E:", "M:"))
    return pa.array(np.char.add(np.char.add(np.char.add(where, low), ">"), high), pa.string())


def name_edits(left: pa.Array, right: pa.Array) -> tuple[np.ndarray, list[str]]:
    """The edits of each pair of normalised names: (codes (n, WIDTH), -1 where a left token is missing or
    equals a right token; the edits the codes index, "" for a token no right token is an edit away from).
    Each left token is paired with the right token it differs least from (fewest letters a side once
    their common prefix and suffix are stripped; the first on ties)."""
    norms = pc.dictionary_encode(pa.concat_arrays([left, right]))
    index = norms.indices.to_numpy().astype(np.int64)
    return norm_pair_edits(index[:len(left)], index[len(left):], norms.dictionary)


def norm_pair_edits(left: np.ndarray, right: np.ndarray, norms: pa.Array, *,
                    parts: int = 1) -> tuple[np.ndarray, list[str]]:
    """``name_edits`` of the pairs of ``norms`` at positions ``left``, ``right``. Each norm is split once,
    each distinct pair of norms and each distinct token pair measured once (per part), numpy over (pairs x
    tokens x tokens). ``parts``: the pairs measured in that many consecutive parts, each in a thread (numpy
    and arrow release the GIL), their edits merged into the one list a single part gives."""
    if len(left) == 0:
        return np.full((0, WIDTH), -1, np.int64), []
    tokens, vocabulary = _token_ids(norms)
    vocab = _Words.of(vocabulary.to_pylist())
    bounds = np.linspace(0, len(left), parts + 1).astype(np.int64)
    cuts = [slice(int(at), int(end)) for at, end in pairwise(bounds) if end > at]
    if len(cuts) == 1:
        return _pair_edits(left, right, tokens, vocab)
    with ThreadPoolExecutor(len(cuts), thread_name_prefix="mt-edit-parts") as pool:
        return merged_edits(list(pool.map(lambda cut: _pair_edits(left[cut], right[cut], tokens, vocab), cuts)))


def _pair_edits(left: np.ndarray, right: np.ndarray, tokens: np.ndarray, vocab: _Words) -> tuple[np.ndarray, list[str]]:
    """``norm_pair_edits`` of the pairs at norm positions ``left``, ``right``, the norms' ``_token_ids``
    and their words given."""
    count = len(tokens)
    by_norms = pc.dictionary_encode(pa.array(left * count + right))
    distinct = by_norms.dictionary.to_numpy()
    lt, rt = tokens[distinct // count], tokens[distinct % count]
    size = len(vocab.words)
    nearest, chosen = np.zeros(lt.shape, np.int8), np.zeros(lt.shape, np.int64)
    # pairs of names of at most two tokens (nearly all) on a 2 x 2 grid, not WIDTH x WIDTH: the cells
    # beyond a name's tokens are never closest; in batches, the (pairs x tokens x tokens) arrays stay small
    wide = (lt[:, 2] >= 0) | (rt[:, 2] >= 0)
    for width, which in ((2, np.flatnonzero(~wide)), (WIDTH, np.flatnonzero(wide))):
        for at in range(0, len(which), BATCH):
            rows = which[at:at + BATCH]
            nearest[rows, :width], chosen[rows, :width] = _closest(vocab, lt[rows, :width], rt[rows, :width])
    differs = (lt >= 0) & (nearest > 0)
    codes = np.full(lt.shape, -1, np.int64)
    beyond = differs & (nearest > MAX_EDIT)
    kept = differs & ~beyond
    chosen_pairs = pc.dictionary_encode(pa.array(chosen[kept]))
    pairs = chosen_pairs.dictionary.to_numpy()
    # the edits in sorted order, "" first: arrow sorts strings by their UTF-8 bytes, in code point order as Python
    texts = pc.dictionary_encode(_edit_texts(vocab, pairs // size, pairs % size))
    order = pc.sort_indices(texts.dictionary).to_numpy()
    label = np.empty(len(order), np.int64)
    label[order] = np.arange(1, len(order) + 1)
    codes[kept] = label[texts.indices.to_numpy()][chosen_pairs.indices.to_numpy()]
    codes[beyond] = 0
    return codes[by_norms.indices.to_numpy()], ["", *texts.dictionary.take(order).to_pylist()]


def learn_table(codes: np.ndarray, edits: list[str], same: np.ndarray, apart: np.ndarray) -> dict[str, float]:
    """Edit -> smoothed log-odds (nats) of one party among the name pairs with ``codes`` (``name_edits``):
    how often it separates the tokens of pairs that are surely one party (``same``) against pairs that are
    surely two (``apart``), each pair counted once per edit. Edits seen in fewer than MIN_PAIRS pairs, and
    differences beyond an edit (""), are left out."""
    n_same, n_apart = max(int(same.sum()), 1), max(int(apart.sum()), 1)
    once = np.sort(codes, axis=1)  # each pair counts an edit once: repeats in a row are dropped
    once[:, 1:][once[:, 1:] == once[:, :-1]] = -1
    counts = np.zeros((len(edits), 2))
    for k, mask in enumerate((same, apart)):
        chosen = once[mask]
        counts[:, k] = np.bincount(chosen[chosen >= 0], minlength=len(edits))[:len(edits)]
    table = {}
    for edit, (s, a) in zip(edits, counts.tolist(), strict=True):
        if edit and s + a >= MIN_PAIRS:
            table[edit] = round(math.log((s + 1) / n_same) - math.log((a + 1) / n_apart), 2)
    return table


def classify(codes: np.ndarray, edits: list[str], table: dict[str, float]) -> np.ndarray:
    """Per name pair: 1 when every edit is a learned variant, -1 when one tells parties apart, else 0."""
    odds = np.array([table.get(e, math.nan) if e else math.nan for e in edits] + [math.nan])
    at = odds[np.where(codes >= 0, codes, len(edits))]
    present = codes >= 0
    separates = (present & (at <= SEPARATES_AT)).any(axis=1)
    variant = present.any(axis=1) & ~(present & ~(at >= VARIANT_AT)).any(axis=1)
    return np.where(separates, -1, np.where(variant, 1, 0)).astype(np.int64)


def movable_pairs_sql(levels: str, names: str, birth_date_apart: int) -> str:
    """The distinct name pairs (by id, with their norms' ids) of the person pairs at a MOVABLE level, with
    whether a pair of them has birth dates that agree (``same``) or contradict (``apart``); the norms' text
    is read once per norm (``norm_texts_sql``), not per pair."""
    return f"""
        SELECT g.left_name_id, g.right_name_id, a.norm_id AS left_norm_id, b.norm_id AS right_norm_id,
               g.same, g.apart
        FROM (SELECT left_name_id, right_name_id, max(CASE WHEN birth_date = 0 THEN 1 ELSE 0 END) AS same,
                     max(CASE WHEN birth_date = {birth_date_apart} THEN 1 ELSE 0 END) AS apart
              FROM {levels} WHERE person_name IN ({", ".join(map(str, MOVABLE))})
              GROUP BY left_name_id, right_name_id) g
        JOIN {names} a ON a.name_id = g.left_name_id JOIN {names} b ON b.name_id = g.right_name_id
        WHERE a.norm_id <> b.norm_id"""


def norm_texts_sql(names: str, wanted: str) -> str:
    """(norm_id, norm) of the norms whose ids ``wanted`` lists."""
    return f"""SELECT norm_id, min(norm) AS norm FROM {names}
               WHERE norm_id IN (SELECT norm_id FROM {wanted}) GROUP BY norm_id"""


def relevel_sql(levels: str, moves: str, columns: list[str]) -> str:
    """``levels`` with person_name moved by ``moves`` (left_name_id, right_name_id, verdict)."""
    cols = ", ".join(f"""CASE WHEN m.verdict = 1 THEN {VARIANT_LEVEL} WHEN m.verdict = -1 THEN {SEPARATED_LEVEL}
                              ELSE l.person_name END AS person_name""" if c == "person_name" else f"l.{c}"
                     for c in columns)
    return f"""
        SELECT {cols} FROM {levels} l LEFT JOIN {moves} m
          ON m.left_name_id = l.left_name_id AND m.right_name_id = l.right_name_id
         AND l.person_name IN ({", ".join(map(str, MOVABLE))})"""


def relevel(engine: Engine, levels: str, names: str, model: ResolveModel, scratch: Callable[[str], str], *,
            learn: bool, beside: Callable[[], object] | None = None) -> tuple[str, ResolveModel]:
    """Move the person pairs of ``levels`` (``compare_pairs`` with ``names_into=names``) by the model's
    learned edits, learning them first when ``learn``. Returns the levels table (a new one when pairs
    moved) and the model (with the learned table). ``beside``: engine work that reads neither ``levels``
    nor the model's edits, run (once, whatever the path) while the edits are measured in a thread."""
    if not learn and not model.variant_edits:  # nothing to learn, no table to move pairs by
        if beside is not None:
            beside()
        return levels, model
    birth_apart = len(model.comparison("birth_date").labels) - 1
    pairs = engine.query(movable_pairs_sql(levels, names, birth_apart))
    ids = [pairs.column(f"{side}_norm_id").cast(pa.int64()) for side in ("left", "right")]  # as any engine types them
    wanted = pa.table({"norm_id": pc.unique(pa.chunked_array([*ids[0].chunks, *ids[1].chunks], pa.int64()))})
    with engine.run() as run:
        norms = engine.query(norm_texts_sql(names, run.arrow(wanted, hint="variant_norms").name))
    # numpy and arrow in a thread (they release the GIL) while the engine does the caller's work
    with ThreadPoolExecutor(1, thread_name_prefix="mt-edits") as pool:
        measured = pool.submit(_learn_and_classify, pairs, ids, norms, model, learn)
        if beside is not None:
            beside()
        model, verdict = measured.result()
    if verdict is None:
        return levels, model
    moved = pairs.select(["left_name_id", "right_name_id"]).append_column("verdict", pa.array(verdict))
    moved = moved.filter(pc.not_equal(moved.column("verdict"), 0))
    columns = engine.query(f"SELECT * FROM {levels} LIMIT 0").schema.names
    into = scratch("variant_levels")
    with engine.run() as run:
        moves = run.arrow(moved, hint="variant_moves").name
        engine.create_scratch(into, relevel_sql(levels, moves, columns))
    engine.drop_scratch(levels)
    return into, model


def merged_edits(parts: list[tuple[np.ndarray, list[str]]]) -> tuple[np.ndarray, list[str]]:
    """``norm_pair_edits`` of consecutive parts of the pairs, as one call over them all returns it: the
    edits of every part in one sorted list ("" first), each part's codes renumbered into it."""
    edits = ["", *sorted(set().union(*(part_edits[1:] for _, part_edits in parts)))]
    at = {edit: k for k, edit in enumerate(edits)}
    renumbered = []
    for codes, part_edits in parts:
        label = np.array([at[edit] for edit in part_edits] + [-1], np.int64)  # -1 (no edit) stays -1
        renumbered.append(label[codes])
    return np.concatenate(renumbered) if renumbered else np.full((0, WIDTH), -1, np.int64), edits


def _learn_and_classify(pairs: pa.Table, ids: list[pa.ChunkedArray], norms: pa.Table, model: ResolveModel,
                        learn: bool, parts: int = 2) -> tuple[ResolveModel, np.ndarray | None]:
    """``relevel``'s Python: the movable pairs' edits, the table learned from them when ``learn``, and each
    pair's verdict (None: no table or no pair, nothing moves). Measured and classified in ``parts`` parts in
    threads: beside the engine's ``estimate_u``, then alone, one thread left the second core idle."""
    known = norms.column("norm_id").cast(pa.int64())
    with ThreadPoolExecutor(parts, thread_name_prefix="mt-edit-parts") as pool:
        at = list(pool.map(lambda side: pc.index_in(side, value_set=known).to_numpy().astype(np.int64), ids))
        codes, edits = norm_pair_edits(at[0], at[1], norms.column("norm").combine_chunks(), parts=parts)
        if learn:
            table = learn_table(codes, edits, pairs.column("same").to_numpy() == 1,
                                pairs.column("apart").to_numpy() == 1)
            model = model.with_variant_edits(table)
        if not model.variant_edits or pairs.num_rows == 0:
            return model, None
        variant_edits = model.variant_edits
        verdicts = pool.map(lambda rows: classify(rows, edits, variant_edits), np.array_split(codes, parts))
        return model, np.concatenate(list(verdicts))
