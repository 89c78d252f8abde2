"""How two tokens of person names agree, for many distinct token pairs at once, with numpy.

``model.names.compare_names``' rules for one token pair (exact, initial, same consonant skeleton,
close spelling by Jaro-Winkler, a skeleton whose spellings have other vowels), judged over arrays of
token ids into a vocabulary: Jaro-Winkler in rigour's Rust core, only where a bound from the tokens'
letters says it can reach a rule's bar. ``resolve.name_alignment`` aligns names on these judgements.
"""

from __future__ import annotations

import string

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from rigour import env
from rigour._core import raw_jaro_winkler, raw_levenshtein  # typed (_core.pyi); uncached, untruncated; pinned <3

from moneytrail.model.names import EXACT, INITIAL, SPELLING, TRANSLIT, VOWELS_DIFFER, skeleton

RULES = ("exact", "initial", "transliteration", "spelling", "vowels differ")
INITIAL_RULE, VOWELS_RULE = 1, 4
_LETTERS = string.ascii_lowercase + string.digits


def judge_token_pairs(vocabulary: list[str], left: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weight and rule (index into RULES, -1: no match) of each token pair (ids), as ``model.names``'
    _token_match judges one."""
    size = len(left)
    weight = np.zeros(size)
    rule = np.full(size, -1, np.int64)
    lengths = np.fromiter(map(len, vocabulary), np.int64, len(vocabulary))
    firsts = np.array([ord(t[0]) if t else -1 for t in vocabulary], np.int64)
    skels = pa.array(map(skeleton, vocabulary), pa.string(), size=len(vocabulary))
    skel_ids = pc.index_in(skels, value_set=pc.unique(skels)).to_numpy().astype(np.int64)
    skel_len = pc.utf8_length(skels).to_numpy().astype(np.int64)
    exact = left == right
    weight[exact], rule[exact] = EXACT, 0
    short = ~exact & ((lengths[left] == 1) | (lengths[right] == 1))
    initial = short & (firsts[left] == firsts[right])
    weight[initial], rule[initial] = INITIAL, 1
    same_skel = (skel_ids[left] == skel_ids[right]) & (skel_len[left] > 0)
    sure_skel = ~exact & ~short & same_skel & (skel_len[left] >= 3)
    weight[sure_skel], rule[sure_skel] = TRANSLIT, 2
    # Jaro-Winkler only where it can reach the rule's bar: Jaro is at most (2 + shorter/longer) / 3,
    # and Winkler's prefix bonus (at most 0.4 of the rest) needs the first letters to agree.
    ratio = np.minimum(lengths[left], lengths[right]) / np.maximum(np.maximum(lengths[left], lengths[right]), 1)
    jaro_max = (2 + ratio) / 3
    reach = np.where(firsts[left] == firsts[right], jaro_max + 0.4 * (1 - jaro_max), jaro_max)
    bar = np.where(same_skel, 0.85, 0.92) - 1e-9
    rest = np.flatnonzero(~exact & ~short & ~sure_skel & (reach >= bar))
    rest = rest[_jaro_winkler_bound(vocabulary, left[rest], right[rest]) >= bar[rest]]
    jw = _jaro_winkler(vocabulary, left[rest], right[rest])
    if len(rest):
        skel_near = same_skel[rest] & (jw >= 0.85)
        weight[rest[skel_near]], rule[rest[skel_near]] = TRANSLIT, 2
        spelling = ~skel_near & (jw >= 0.92)
        weight[rest[spelling]] = round_like_python(SPELLING * jw[spelling])
        rule[rest[spelling]] = 3
    # A shared skeleton of two spellings that differ beyond dropped letters and one more: other vowels
    # (model.names.VOWELS_DIFFER), or a close spelling when Jaro-Winkler says more.
    skeletal = np.flatnonzero(rule == 2)
    if len(skeletal):
        moved = skeletal[_vowels_differ(vocabulary, left[skeletal], right[skeletal])]
        jw_moved = _jaro_winkler(vocabulary, left[moved], right[moved])
        spelled = np.where(jw_moved >= 0.92, np.round(SPELLING * jw_moved, 4), 0.0)
        weight[moved] = np.where(spelled > VOWELS_DIFFER, spelled, VOWELS_DIFFER)
        rule[moved] = np.where(spelled > VOWELS_DIFFER, 3, 4)
    return weight, rule


def _pairwise(measure: object, vocabulary: list[str], left: np.ndarray, right: np.ndarray,
              kind: type) -> np.ndarray:
    """``measure`` (a function of rigour's core) of each pair of token ids, the tokens cut to
    rigour's length limit as its cached functions cut them; mapped, not looped in bytecode."""
    limit = env.MAX_NAME_LENGTH
    cut = [t[:limit] for t in vocabulary]
    pairs = map(measure, map(cut.__getitem__, left.tolist()), map(cut.__getitem__, right.tolist()))  # type: ignore[call-overload]
    return np.fromiter(pairs, kind, len(left))


def _letter_masks(words: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Per word, (a bit mask of its letters, how many of its letters repeat one before them): a bit for
    each letter of a normalised token; any other letter shares one of the rest."""
    extra = 64 - len(_LETTERS)
    letters = np.frombuffer("".join(words).encode("utf-32-le"), np.uint32).astype(np.int64)  # code points
    ascii_bits = len(_LETTERS) + np.arange(128) % extra
    ascii_bits[[ord(c) for c in _LETTERS]] = np.arange(len(_LETTERS))
    bit = np.where(letters < 128, ascii_bits[np.minimum(letters, 127)], len(_LETTERS) + letters % extra)
    lengths = np.fromiter(map(len, words), np.int64, len(words))
    masks = np.zeros(len(words), np.uint64)
    filled = lengths > 0  # reduceat reads one letter at an empty word's start: empty words keep 0
    if filled.any():
        starts = (np.cumsum(lengths) - lengths)[filled]
        masks[filled] = np.bitwise_or.reduceat(np.left_shift(np.uint64(1), bit.astype(np.uint64)), starts)
    repeats = lengths - np.bitwise_count(masks).astype(np.int64)
    return masks, repeats


def _heads(words: list[str]) -> np.ndarray:
    """Each word's first four letters packed in a number, the first in the highest byte (0: none; a letter
    past Latin-1 reads "?", so two such letters count as equal)."""
    return np.fromiter((int.from_bytes(t[:4].encode("latin-1", "replace").ljust(4, b"\0")) for t in words),
                       np.int64, len(words))


def _jaro_winkler_bound(vocabulary: list[str], left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """An upper bound of ``_jaro_winkler`` of each pair of token ids, to skip pairs that cannot reach
    a rule's bar. Jaro's matching letters are at most the letters the two tokens share: at most the
    distinct letters both hold (``_letter_masks``, letters sharing a bit counted together) and the
    fewer of their repeated letters. So Jaro is at most (shared / len(a) + shared / len(b) + 1) / 3,
    and Winkler adds 0.1 of the rest per letter of the common prefix, up to four (``_heads``: first
    four letters that are equal or both absent, which only ever counts more)."""
    cut = [t[:env.MAX_NAME_LENGTH] for t in vocabulary]
    masks, repeats = _letter_masks(cut)
    shared = np.bitwise_count(masks[left] & masks[right]).astype(np.int64) + np.minimum(repeats[left],
                                                                                       repeats[right])
    lengths = np.fromiter(map(len, cut), np.int64, len(cut))
    with np.errstate(divide="ignore", invalid="ignore"):
        jaro = np.where(shared > 0, (shared / lengths[left] + shared / lengths[right] + 1) / 3, 0.0)
    heads = _heads(cut)
    apart = heads[left] ^ heads[right]
    prefix = np.where(apart >> 24 != 0, 0, np.where(apart >> 16 != 0, 1, np.where(apart >> 8 != 0, 2,
                                                                                  np.where(apart != 0, 3, 4))))
    return np.asarray(jaro + 0.1 * prefix * (1 - jaro))


def _jaro_winkler(vocabulary: list[str], left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """``rigour.text.jaro_winkler`` of each pair of token ids, from its Rust core without the
    per-call cache (every pair here is distinct): the same truncation; its cutoff (scores of 0.6
    or less read 0) is left out, as every rule here needs 0.85 or more."""
    return _pairwise(raw_jaro_winkler, vocabulary, left, right, float)


def _vowels_differ(vocabulary: list[str], left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """``model.names.vowels_differ`` of each pair of token ids (Levenshtein from rigour's core)."""
    lengths = np.fromiter(map(len, vocabulary), np.int64, len(vocabulary))
    edits = _pairwise(raw_levenshtein, vocabulary, left, right, np.int64)
    return np.asarray(edits > np.abs(lengths[left] - lengths[right]) + 1)


def round_like_python(values: np.ndarray, digits: int = 4) -> np.ndarray:
    """``round(x, digits)`` of every value, as Python rounds (the nearest double to the correctly
    rounded decimal): numpy's rounding (scale, round half to even, scale back) agrees except where
    the scaled value lies within float error of a half; those few are rounded by Python."""
    out = np.round(values, digits)
    scaled = np.asarray(values, float) * 10.0 ** digits
    near_half = np.abs(scaled - np.floor(scaled) - 0.5) < 1e-6
    if near_half.any():
        out[near_half] = [round(x, digits) for x in np.asarray(values)[near_half].tolist()]
    return out
