"""Blocking: which pairs of records are worth comparing. Set-based SQL over the key tables.

Two records are a candidate pair when they share a key: a name key (see features.block_keys) or
an identifier value (features.identifier_keys). Keys held by more than ``max_block`` records say
little (a common first name with a common initial) and would make the join quadratic: dropped.
"""

from __future__ import annotations

DEFAULT_MAX_BLOCK = 200
# A birth date alone ("d:" keys) is a block only while few share it (a twentieth of max_block): names
# differ within it, so nearly every pair it makes is compared for nothing once a population is large
# enough for dates to repeat by chance, while a party's own records (FEBRL's up to six) still meet.
DATE_BLOCK_SHARE = 20


def _name_key_sql(key: str, n: str) -> str:
    """The key's frequency when it is a name key (features.block_keys: "p:" people, "o:" organisations)."""
    return f"CASE WHEN substr({key}, 1, 2) IN ('p:', 'o:') THEN {n} END"


def self_pairs_sql(keys: str, *, max_block: int = DEFAULT_MAX_BLOCK,
                   new_ids: str | None = None) -> str:
    """(left_id, right_id, grp, key_freq, name_key_freq) with left_id < right_id, from one set of records.

    ``key_freq`` is how many records hold the rarest key the pair shares, ``name_key_freq`` the
    same over name keys only (null when the pair met by an identifier or a date alone): a rare name
    agreeing is stronger evidence than a common one (term frequency, as in Fellegi-Sunter/Splink).

    With ``new_ids`` (a relation of entity_id) only pairs touching a new record are produced: an
    incremental run compares newcomers with everything, and nothing old with anything old.
    """
    touch = (f" AND (a.entity_id IN (SELECT entity_id FROM {new_ids}) "
             f"OR b.entity_id IN (SELECT entity_id FROM {new_ids}))") if new_ids else ""
    return f"""
        WITH freq AS (SELECT block_key, count(*) AS n FROM {keys} GROUP BY block_key
                      HAVING count(*) <= CASE WHEN block_key LIKE 'd:%' THEN {int(max_block) // DATE_BLOCK_SHARE}
                                              ELSE {int(max_block)} END),
        k AS (SELECT k.entity_id, k.grp, k.block_key, f.n FROM {keys} k JOIN freq f ON f.block_key = k.block_key)
        SELECT a.entity_id AS left_id, b.entity_id AS right_id, a.grp, min(a.n) AS key_freq,
               min({_name_key_sql("a.block_key", "a.n")}) AS name_key_freq
        FROM k a JOIN k b ON a.block_key = b.block_key AND a.grp = b.grp AND a.entity_id < b.entity_id
        WHERE 1 = 1{touch}
        GROUP BY a.entity_id, b.entity_id, a.grp"""


def cross_pairs_sql(left_keys: str, right_keys: str, *, max_block: int = DEFAULT_MAX_BLOCK) -> str:
    """(left_id, right_id, grp, key_freq, name_key_freq): pairs between two sets of records (case x list entities).

    Key frequency is counted on the left (case) side; a list entry is compared with at most
    ``max_block`` case records per key.
    """
    return f"""
        WITH freq AS (SELECT block_key, count(*) AS n FROM {left_keys} GROUP BY block_key
                      HAVING count(*) <= {int(max_block)})
        SELECT a.entity_id AS left_id, b.entity_id AS right_id, a.grp, min(f.n) AS key_freq,
               min({_name_key_sql("a.block_key", "f.n")}) AS name_key_freq
        FROM {left_keys} a JOIN freq f ON f.block_key = a.block_key
        JOIN {right_keys} b ON b.block_key = a.block_key AND b.grp = a.grp
        GROUP BY a.entity_id, b.entity_id, a.grp"""
