"""Evidence values of party entities normalised to compare: identifiers upper-cased and stripped with
their checksum status, birth dates to the day, countries lower-cased, addresses as sorted words and
sorted numbers; and the blocking keys they give (shared identifiers, name words with address words).
Vectorised pyarrow compute, no Python loop over rows.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from moneytrail.model.properties import identifier_classes, prop_classes
from moneytrail.resolve.identifiers import INVALID, VALID, checksums

IDENTIFIER_CLASSES = identifier_classes()
PROP_CLASSES = prop_classes()


def normalise_props(props: pa.Table) -> pa.Table:
    """(entity_id, prop, value) -> (entity_id, prop_class, value, checksum) with comparable values;
    identifiers with a checksum format carry whether it holds."""
    if props.num_rows == 0:
        return pa.table({"entity_id": pa.array([], pa.string()), "prop_class": pa.array([], pa.string()),
                         "value": pa.array([], pa.string()), "checksum": pa.array([], pa.string())})
    classes = pa.array(list(PROP_CLASSES.values()), pa.string())
    idx = pc.index_in(props.column("prop"), value_set=pa.array(list(PROP_CLASSES), pa.string()))
    prop_class = pc.take(classes, idx)
    value = pc.utf8_trim_whitespace(props.column("value"))
    lower = pc.utf8_lower(value)
    is_id = pc.is_in(prop_class, value_set=pa.array(sorted(set(IDENTIFIER_CLASSES.values())), pa.string()))
    at_address = pc.fill_null(pc.equal(prop_class, "address"), False)
    # Each rule runs on the rows it applies to only (a million birth dates need no address tokens).
    address_at = np.flatnonzero(at_address.to_numpy(zero_copy_only=False))
    addresses = pc.take(lower, pa.array(address_at, pa.int64()))
    clean = pc.if_else(
        is_id, _on_rows(is_id, lambda v: pc.replace_substring_regex(pc.utf8_upper(v), r"[^0-9A-Z]", ""), value),
        pc.if_else(pc.equal(prop_class, "birth_date"), pc.utf8_slice_codeunits(value, 0, 10),
                   pc.if_else(at_address, _scattered(_sorted_tokens(addresses, digits=False), address_at,
                                                     len(value)), lower)))
    status = checksums(pa.table({"prop": props.column("prop"), "value": clean}))
    out = pa.table({"entity_id": props.column("entity_id"), "prop_class": prop_class, "value": clean,
                    "checksum": status})
    # An address is compared as two parts, its words (street, town, region) and its numbers (house,
    # flat, postcode), each with its own m and u, as Splink compares address fields apart: a house
    # number and postcode agreeing beside the street and town is more than either alone.
    numbers = pa.table({"entity_id": pc.take(props.column("entity_id"), pa.array(address_at, pa.int64())),
                        "prop_class": pa.array(["address_number"] * len(address_at), pa.string()),
                        "value": _sorted_tokens(addresses, digits=True),
                        "checksum": pa.nulls(len(address_at), pa.string())})
    out = pa.concat_tables([out, numbers.cast(out.schema)])
    out = out.filter(pc.and_(pc.is_valid(out.column("prop_class")), pc.not_equal(out.column("value"), "")))
    return _distinct_values(out)


def _distinct_values(values: pa.Table) -> pa.Table:
    """Each (entity_id, prop_class, value) once: a value checked by two properties is valid over invalid
    over unchecked. The triples are numbered, the status ranked, and the last of each triple kept
    after one sort of int64 codes (a grouping of the strings cost five times as much)."""
    codes = [values.column(c).combine_chunks().dictionary_encode() for c in ("entity_id", "prop_class", "value")]
    sizes = [max(len(c.dictionary), 1) for c in codes]
    if sizes[0] * sizes[1] * sizes[2] * 3 >= 2 ** 62:  # codes would overflow int64
        grouped = values.group_by(["entity_id", "prop_class", "value"]).aggregate([("checksum", "max")])
        return grouped.rename_columns(["entity_id", "prop_class", "value", "checksum"])
    status = pa.array([None, INVALID, VALID], pa.string())
    rank = pc.fill_null(pc.index_in(values.column("checksum"), value_set=status.drop_null()), -1).to_numpy() + 1
    e, c, v = (code.indices.to_numpy().astype(np.int64) for code in codes)
    ordered = np.sort(((e * sizes[1] + c) * sizes[2] + v) * 3 + rank)
    kept = ordered[np.concatenate([ordered[1:] // 3 != ordered[:-1] // 3, [True]])] if len(ordered) else ordered
    triple = kept // 3
    return pa.table({"entity_id": codes[0].dictionary.take(pa.array(triple // (sizes[1] * sizes[2]))),
                     "prop_class": codes[1].dictionary.take(pa.array((triple // sizes[2]) % sizes[1])),
                     "value": codes[2].dictionary.take(pa.array(triple % sizes[2])),
                     "checksum": status.take(pa.array(kept % 3))})


def _scattered(values: pa.Array, at: np.ndarray, size: int) -> pa.Array:
    """``values`` placed at rows ``at`` of an array of ``size`` rows, null elsewhere."""
    position = np.full(size, -1, np.int64)
    position[at] = np.arange(len(at))
    return pc.take(values, pa.array(position, pa.int64(), mask=position < 0))


def _on_rows(mask: pa.Array, fn: Callable[[pa.Array], pa.Array], values: pa.Array) -> pa.Array:
    """``fn`` of the rows of ``values`` where ``mask`` holds, null elsewhere."""
    at = np.flatnonzero(pc.fill_null(mask, False).to_numpy(zero_copy_only=False))
    return _scattered(fn(pc.take(values, pa.array(at, pa.int64()))), at, len(values))


def _sorted_tokens(text: pa.Array, digits: bool | None = None) -> pa.Array:
    """Address tokens sorted, so "207 curtis place rosewood garden" and "207 rosewood garden curtis
    place" are equal and a typo in either is a small edit, whatever order the source wrote them in.
    ``digits``: only the tokens with a digit (True), only those without (False), or all (None)."""
    text = text.combine_chunks() if isinstance(text, pa.ChunkedArray) else text
    # Letters, marks and digits of every script: Arrow's regex engine (RE2) reads \w as ASCII only, which
    # emptied Cyrillic and Arabic addresses.
    tokens = pc.utf8_split_whitespace(pc.replace_substring_regex(text, r"[^\p{L}\p{M}\p{N}]+", " "))
    flat = pa.table({"p": pc.list_parent_indices(tokens), "t": pc.list_flatten(tokens)})
    if digits is not None:
        numeric = pc.match_substring_regex(flat.column("t"), r"\p{Nd}")  # digits of any script (١٢ too)
        flat = flat.filter(numeric if digits else pc.invert(numeric))
    flat = flat.take(pc.sort_indices(flat, sort_keys=[("p", "ascending"), ("t", "ascending")]))
    # each text's tokens are now one slice: a list array over offsets, joined at once (no grouping)
    counts = np.bincount(flat.column("p").to_numpy().astype(np.int64), minlength=len(text))
    offsets = pa.array(np.concatenate([[0], np.cumsum(counts)]).astype(np.int32), pa.int32())
    return pc.binary_join(pa.ListArray.from_arrays(offsets, flat.column("t").combine_chunks()), " ")


def identifier_keys(names: pa.Table, props: pa.Table) -> pa.Table:
    """(entity_id, grp, block_key) for each identifier value: a shared IBAN or tax id is a candidate
    pair whatever the names say. ``names``: any table of (entity_id, grp), names or records."""
    ids = props.filter(pc.is_in(props.column("prop_class"),
                                value_set=pa.array(sorted(set(IDENTIFIER_CLASSES.values())), pa.string())))
    # the records that hold one only (few): not a grouping of every record to join a handful
    holders = names.filter(pc.is_in(names.column("entity_id"), value_set=pc.unique(ids.column("entity_id"))))
    groups = holders.select(["entity_id", "grp"]).group_by(["entity_id", "grp"]).aggregate([])
    joined = ids.join(groups, "entity_id")
    key = pc.binary_join_element_wise(pa.scalar("i"), joined.column("prop_class"), joined.column("value"), ":")
    return pa.table({"entity_id": joined.column("entity_id"), "grp": joined.column("grp"), "block_key": key})


def address_keys(names: pa.Table, props: pa.Table) -> pa.Table:
    """(entity_id, grp, block_key): each word of a record's name with each word of its address
    (three letters or more: a street, a town, a postcode), so records that share a surname or a
    given name and a street or town meet, though their other name words differ (a replaced given
    name, a surname misspelt beyond its keys). A name word and an address word together are rare:
    the blocks are small, and blocking drops the crowded ones (``blocking.ADDRESS_BLOCK_SHARE``)."""
    # the names of records with an address only (none at all in many cases): not every name split and grouped
    places = props.filter(pc.is_in(props.column("prop_class"), value_set=pa.array(["address", "address_number"])))
    names = names.filter(pc.is_in(names.column("entity_id"), value_set=pc.unique(places.column("entity_id"))))
    named = names.select(["entity_id", "grp", "norm"]).group_by(["entity_id", "grp", "norm"]).aggregate([])
    words = pc.utf8_split_whitespace(named.column("norm"))
    at = pc.list_parent_indices(words)
    name_words = pa.table({"entity_id": pc.take(named.column("entity_id"), at), "grp": pc.take(named.column("grp"), at),
                           "word": pc.list_flatten(words)})
    name_words = name_words.filter(pc.greater_equal(pc.utf8_length(name_words.column("word")), 2))
    name_words = name_words.group_by(["entity_id", "grp", "word"]).aggregate([])
    parts = pc.utf8_split_whitespace(places.column("value"))
    at = pc.list_parent_indices(parts)
    place_words = pa.table({"entity_id": pc.take(places.column("entity_id"), at), "place": pc.list_flatten(parts)})
    place_words = place_words.filter(pc.greater_equal(pc.utf8_length(place_words.column("place")), 3))
    place_words = place_words.group_by(["entity_id", "place"]).aggregate([])
    joined = name_words.join(place_words, "entity_id", join_type="inner")
    key = pc.binary_join_element_wise(pa.scalar("a"), joined.column("word"), joined.column("place"), ":")
    return pa.table({"entity_id": joined.column("entity_id"), "grp": joined.column("grp"), "block_key": key})
