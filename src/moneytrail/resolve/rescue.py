"""A second, targeted blocking pass for the records the first one left without a match or review pair.

Blocking (``resolve.blocking``) pairs records that share a key: two tokens' skeletons, or the longest token
spelled out with another token's initial (``features.block_keys``). A name misspelt in that longest token
("serekh vellanva" for "Serek Vellanvo") shares no key with its party's records, and broader keys for
every record cost too much (a one-deletion neighbourhood of every spelled token: +14.9M candidates at 1M,
benchmarks/results/resolve-recall-17y.txt). Record-linkage systems rescue the records a first pass left
unmatched with a broader second pass over those records only; here that is a record with no pair at match
or review after scoring. Its spelled keys are widened to the spelled tokens within one edit of its own
(symmetric deletion: two tokens one deletion each from a common form, so one letter replaced, added,
dropped or two swapped), found among the tokens the case's keys spell, not computed for every record: each
such key ("p:vellanvo:s") is a key some records hold already, and those records are the rescue's
candidates. Keys held by more than ``max_block`` records are left out, as blocking leaves them.

A pair so found is compared only when its names could agree beyond the one spelling (neither has an
initial, and they share a full token's skeleton) and its birth dates do not contradict (``dated``'s test).
The pairs are compared and scored like the first pass's, by the same model (no retraining), and stored
the same way; clustering and ``resolve.attach`` then place the record. At 1M (validation seed 8, main
57e7cf4's stored pairs) the pass made 72,850 candidates, stored 1,952 matches (1,780 true) and 458 reviews
(201 true), and after clustering put 2,594 more true and 513 more false pairs in one cluster. Records with
an initial were left out: their widened keys met 49k more pairs, whose stored reviews added 899 true pairs
in one cluster for 1,199 false ones (benchmarks/results/resolve-recall-17rb.txt).
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from moneytrail.engine import Engine
from moneytrail.resolve.blocking import DEFAULT_MAX_BLOCK, SPELLED_KEY, kept_blocks_sql
from moneytrail.resolve.dated import dates_agree_sql

# The least length of a spelled token widened to its neighbours: a shorter token's one-edit neighbours are
# other names more often than its misspellings (seed 8: length 4 met 1.08M pairs, 5 met 560k, as many true).
RESCUE_MIN_LENGTH = 5
# The tokens of a skeleton key (``features.MAX_KEY_TOKENS``) the name test reads.
_SKELETON_TOKENS = 4


def lone_spelled_keys_sql(keys: str, pairs: str, named: str) -> str:
    """(entity_id, grp, token, initial) of the spelled keys (``blocking.SPELLED_KEY``) of the records of
    ``keys`` that have no pair at match or review in ``pairs`` and no name with an initial in ``named``."""
    return f"""
        SELECT entity_id, grp, split_part(block_key, ':', 2) AS token, split_part(block_key, ':', 3) AS initial
        FROM {keys} WHERE block_key LIKE '{SPELLED_KEY}' AND entity_id NOT IN (
            SELECT left_id FROM {pairs} WHERE decision IN ('match', 'review')
            UNION SELECT right_id FROM {pairs} WHERE decision IN ('match', 'review')
            UNION SELECT entity_id FROM {named} WHERE initial)"""


def spelled_tokens_sql(keys: str) -> str:
    """(token) the spelled keys of ``keys`` spell, once each."""
    return f"SELECT DISTINCT split_part(block_key, ':', 2) AS token FROM {keys} WHERE block_key LIKE '{SPELLED_KEY}'"


def deletion_forms(tokens: pa.Array, min_length: int = RESCUE_MIN_LENGTH) -> pa.Table:
    """(token, form): each token of at least ``min_length`` letters as it is and with each one letter left out."""
    tokens = pc.unique(tokens.filter(pc.greater_equal(pc.utf8_length(tokens), min_length)))
    lengths = pc.utf8_length(tokens).to_numpy(zero_copy_only=False)
    parts = [pa.table({"token": tokens, "form": tokens})]
    for at in range(int(lengths.max(initial=0))):
        has = pa.array(lengths > at)
        kept = tokens.filter(has)
        form = pc.binary_join_element_wise(pc.utf8_slice_codeunits(kept, 0, at),
                                           pc.utf8_slice_codeunits(kept, at + 1), "")
        parts.append(pa.table({"token": kept, "form": form}))
    return pa.concat_tables(parts)


def neighbour_keys(lone: pa.Table, vocabulary: pa.Array, min_length: int = RESCUE_MIN_LENGTH) -> pa.Table:
    """(entity_id, grp, block_key): each lone record's spelled keys (``lone_spelled_keys_sql``'s rows) with
    its token replaced by each token of ``vocabulary`` within one edit of it (a common deletion form)."""
    near = deletion_forms(lone.column("token").combine_chunks(), min_length).join(
        deletion_forms(vocabulary, min_length).rename_columns(["neighbour", "form"]), "form")
    near = near.filter(pc.not_equal(near.column("token"), near.column("neighbour")))
    near = near.group_by(["token", "neighbour"]).aggregate([])
    keyed = lone.join(near, "token")
    key = pc.binary_join_element_wise("p:", keyed.column("neighbour"), ":", keyed.column("initial"), "")
    out = pa.table({"entity_id": keyed.column("entity_id"), "grp": keyed.column("grp"), "block_key": key})
    return out.group_by(["entity_id", "grp", "block_key"]).aggregate([])


def _names_agree_sql(a: str, b: str) -> str:
    """Whether named rows ``a`` and ``b`` (``comparisons.named_sql``) could agree beyond one spelling: neither
    has an initial, and a full token's skeleton of one (``skey``'s, not a one-letter one) is one of the other's."""
    shared = " OR ".join(
        f"(length(split_part({a}.skey, ' ', {i})) > 1 AND split_part({a}.skey, ' ', {i}) NOT LIKE '~_' "
        f"AND ' ' || {b}.skey || ' ' LIKE '% ' || split_part({a}.skey, ' ', {i}) || ' %')"
        for i in range(1, _SKELETON_TOKENS + 1))
    return f"(NOT {a}.initial AND NOT {b}.initial AND ({shared}))"


def rescue_pairs_sql(rescue_keys: str, keys: str, named: str, props: str, *, max_block: int = DEFAULT_MAX_BLOCK,
                     new_ids: str | None = None) -> str:
    """(left_id, right_id, grp, key_freq, name_key_freq) with left_id < right_id: the records of ``keys`` that
    hold a key of ``rescue_keys`` (``neighbour_keys``), paired with the record it widens, when the two share
    no key of ``keys`` (blocking met them already, or left them out on purpose), their names could agree
    (``_names_agree_sql`` on ``named``) and their birth dates in ``props`` do not contradict. ``key_freq``:
    how many records hold the key that met them. ``new_ids``: only pairs touching one of these records."""
    touch = (f" AND (p.lone IN (SELECT entity_id FROM {new_ids}) "
             f"OR p.other IN (SELECT entity_id FROM {new_ids}))") if new_ids else ""
    return f"""
        WITH freq AS ({kept_blocks_sql(keys, max_block=max_block, among=rescue_keys)}),
        met AS (
            SELECT r.entity_id AS lone, k.entity_id AS other, r.grp, min(f.n) AS key_freq
            FROM {rescue_keys} r JOIN freq f ON f.block_key = r.block_key
            JOIN {keys} k ON k.block_key = r.block_key AND k.grp = r.grp AND k.entity_id <> r.entity_id
            GROUP BY 1, 2, 3
        ), named AS (
            SELECT p.* FROM met p JOIN {named} a ON a.entity_id = p.lone JOIN {named} b ON b.entity_id = p.other
            WHERE 1 = 1{touch}
            GROUP BY p.lone, p.other, p.grp, p.key_freq
            HAVING bool_or({_names_agree_sql("a", "b")})
        ), shared AS (
            -- driven by the pairs: the lone record's keys, then whether the other holds one
            SELECT DISTINCT p.lone, p.other FROM named p JOIN {keys} a ON a.entity_id = p.lone
            JOIN {keys} b ON b.entity_id = p.other AND b.block_key = a.block_key AND b.grp = a.grp
        ), born AS (
            SELECT entity_id, value FROM {props} WHERE prop_class = 'birth_date'
        ), apart AS (
            SELECT p.lone, p.other FROM named p JOIN born a ON a.entity_id = p.lone JOIN born b ON b.entity_id = p.other
            GROUP BY 1, 2 HAVING NOT bool_or({dates_agree_sql("a.value", "b.value")})
        ), kept AS (
            SELECT * FROM named p WHERE NOT EXISTS (SELECT 1 FROM shared x WHERE x.lone = p.lone AND x.other = p.other)
            AND NOT EXISTS (SELECT 1 FROM apart x WHERE x.lone = p.lone AND x.other = p.other)
        )
        -- a pair of two lone records each other's neighbours is met from both sides: once
        SELECT CASE WHEN lone < other THEN lone ELSE other END AS left_id,
               CASE WHEN lone < other THEN other ELSE lone END AS right_id,
               grp, min(key_freq) AS key_freq, min(key_freq) AS name_key_freq FROM kept GROUP BY 1, 2, 3"""


def rescue_candidates(engine: Engine, into: str, *, named: str, keys: str = "resolve_keys",
                      pairs: str = "resolve_pairs", props: str = "resolve_props", max_block: int = DEFAULT_MAX_BLOCK,
                      new_ids: str | None = None, min_length: int = RESCUE_MIN_LENGTH) -> int:
    """Write the rescue pass's candidate pairs (``rescue_pairs_sql``) into scratch table ``into``, after the
    first pass's pairs are scored and stored in ``pairs``; their count."""
    lone = engine.query(lone_spelled_keys_sql(keys, pairs, named))
    if not lone.num_rows:
        engine.create_scratch(into, "SELECT CAST(NULL AS VARCHAR) AS left_id, CAST(NULL AS VARCHAR) AS right_id, "
                              "CAST(NULL AS VARCHAR) AS grp, CAST(NULL AS BIGINT) AS key_freq, "
                              "CAST(NULL AS BIGINT) AS name_key_freq WHERE 1 = 0")
        return 0
    vocabulary = engine.query(spelled_tokens_sql(keys)).column("token").combine_chunks()
    widened = neighbour_keys(lone.cast(pa.schema([(f.name, pa.string()) for f in lone.schema])), vocabulary,
                             min_length)
    with engine.run() as run:
        rescue_keys = run.arrow(widened, hint="rs_rescue_keys").name
        engine.create_scratch(into, rescue_pairs_sql(rescue_keys, keys, named, props, max_block=max_block,
                                                     new_ids=new_ids))
    return int(engine.scalar(f"SELECT count(*) FROM {into}"))

