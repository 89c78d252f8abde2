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

NOT WIRED INTO resolve_case: 17ub's leaner statements (a spelled-keys table read once, the name test as a
join on the met records' skeleton tokens, stored pairs instead of a scan for shared keys) cost ~3.5 CPU s
for the candidates plus ~1.6 for comparing, scoring and storing them at 1M, against a budget of ~2
(benchmarks/results/resolve-recall-17ub.txt).
"""

from __future__ import annotations

from collections.abc import Callable

import pyarrow as pa
import pyarrow.compute as pc

from moneytrail.engine import Engine
from moneytrail.resolve.blocking import DEFAULT_MAX_BLOCK, SPELLED_KEY
from moneytrail.resolve.dated import dates_agree_sql

# The least length of a spelled token widened to its neighbours: a shorter token's one-edit neighbours are
# other names more often than its misspellings (seed 8: length 4 met 1.08M pairs, 5 met 560k, as many true).
RESCUE_MIN_LENGTH = 5
# The tokens of a skeleton key (``features.MAX_KEY_TOKENS``) the name test reads.
_SKELETON_TOKENS = 4


def spelled_keys_sql(keys: str) -> str:
    """(entity_id, grp, block_key, token, initial) of the spelled keys (``blocking.SPELLED_KEY``) of ``keys``:
    a tenth of all keys, read once and every later step's keys."""
    return f"""
        SELECT entity_id, grp, block_key, split_part(block_key, ':', 2) AS token,
               split_part(block_key, ':', 3) AS initial FROM {keys} WHERE block_key LIKE '{SPELLED_KEY}'"""


def lone_spelled_keys_sql(spelled: str, pairs: str, named: str) -> str:
    """(entity_id, grp, token, initial) of the spelled keys (``spelled_keys_sql``) of the records that have no
    pair at match or review in ``pairs`` and no name with an initial in ``named``."""
    return f"""
        SELECT entity_id, grp, token, initial FROM {spelled} WHERE entity_id NOT IN (
            SELECT left_id FROM {pairs} WHERE decision IN ('match', 'review')
            UNION SELECT right_id FROM {pairs} WHERE decision IN ('match', 'review')
            UNION SELECT entity_id FROM {named} WHERE initial)"""


def spelled_tokens_sql(spelled: str) -> str:
    """(token) the spelled keys of ``spelled`` spell, once each."""
    return f"SELECT DISTINCT token FROM {spelled}"


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


def met_pairs_sql(rescue_keys: str, spelled: str, named: str, *, max_block: int = DEFAULT_MAX_BLOCK,
                  new_ids: str | None = None) -> str:
    """(lone, other, grp, key_freq): the records of ``spelled`` without a name with an initial (``named``) that
    hold a key of ``rescue_keys`` (``neighbour_keys``) held by at most ``max_block`` records, with the record
    it widens. ``new_ids``: only pairs touching one of these records."""
    touch = (f" AND (r.entity_id IN (SELECT entity_id FROM {new_ids}) "
             f"OR k.entity_id IN (SELECT entity_id FROM {new_ids}))") if new_ids else ""
    return f"""
        SELECT r.entity_id AS lone, k.entity_id AS other, r.grp, min(f.n) AS key_freq
        FROM {rescue_keys} r
        JOIN (SELECT block_key, count(*) AS n FROM {spelled} WHERE block_key IN (SELECT block_key FROM {rescue_keys})
              GROUP BY block_key HAVING count(*) <= {int(max_block)}) f ON f.block_key = r.block_key
        JOIN {spelled} k ON k.block_key = r.block_key AND k.grp = r.grp AND k.entity_id <> r.entity_id
        WHERE k.entity_id NOT IN (SELECT entity_id FROM {named} WHERE initial){touch}
        GROUP BY r.entity_id, k.entity_id, r.grp"""


def met_names_sql(met: str, named: str) -> str:
    """(entity_id, skey) of the names without an initial of the records of ``met``."""
    return f"""
        SELECT entity_id, skey FROM {named} WHERE NOT initial
        AND entity_id IN (SELECT lone FROM {met} UNION SELECT other FROM {met})"""


def skeleton_tokens_sql(met_names: str) -> str:
    """(entity_id, token) the full tokens' skeletons (``skey``'s, not an initial's) of ``met_names``' names."""
    ones = " UNION ".join(
        f"SELECT entity_id, split_part(skey, ' ', {i}) AS token FROM {met_names}"
        for i in range(1, _SKELETON_TOKENS + 1))
    return f"SELECT entity_id, token FROM ({ones}) t WHERE length(token) > 1 AND token NOT LIKE '~_'"


def agreeing_sql(met: str, tokens: str) -> str:
    """The pairs of ``met`` whose names could agree beyond one spelling: they share a full token's skeleton
    (``skeleton_tokens_sql``'s ``tokens``)."""
    return f"""
        SELECT DISTINCT p.lone, p.other, p.grp, p.key_freq FROM {met} p
        JOIN {tokens} a ON a.entity_id = p.lone JOIN {tokens} b ON b.entity_id = p.other AND b.token = a.token"""


def rescue_pairs_sql(agreeing: str, pairs: str, props: str) -> str:
    """(left_id, right_id, grp, key_freq, name_key_freq) with left_id < right_id: the pairs of ``agreeing``
    not stored in ``pairs`` already and whose birth dates in ``props`` do not contradict. (A pair the first
    pass compared and left below review scores the same again, and is left out again.)"""
    return f"""
        WITH ordered AS (
            SELECT CASE WHEN lone < other THEN lone ELSE other END AS left_id,
                   CASE WHEN lone < other THEN other ELSE lone END AS right_id, grp, key_freq FROM {agreeing}
        ), born AS (
            SELECT entity_id, value FROM {props} WHERE prop_class = 'birth_date'
            AND entity_id IN (SELECT lone FROM {agreeing} UNION SELECT other FROM {agreeing})
        ), apart AS (
            SELECT p.left_id, p.right_id FROM ordered p JOIN born a ON a.entity_id = p.left_id
            JOIN born b ON b.entity_id = p.right_id
            GROUP BY p.left_id, p.right_id HAVING NOT bool_or({dates_agree_sql("a.value", "b.value")})
        )
        -- a pair of two lone records each other's neighbours is met from both sides: once
        SELECT left_id, right_id, grp, min(key_freq) AS key_freq, min(key_freq) AS name_key_freq FROM ordered p
        WHERE NOT EXISTS (SELECT 1 FROM apart x WHERE x.left_id = p.left_id AND x.right_id = p.right_id)
        AND NOT EXISTS (SELECT 1 FROM {pairs} x WHERE x.left_id = p.left_id AND x.right_id = p.right_id)
        GROUP BY left_id, right_id, grp"""


def rescue_candidates(engine: Engine, into: str, *, named: str, scratch: Callable[[str], str],
                      keys: str = "resolve_keys", pairs: str = "resolve_pairs", props: str = "resolve_props",
                      max_block: int = DEFAULT_MAX_BLOCK, new_ids: str | None = None,
                      min_length: int = RESCUE_MIN_LENGTH) -> int:
    """Write the rescue pass's candidate pairs (``rescue_pairs_sql``) into scratch table ``into``, after the
    first pass's pairs are scored and stored in ``pairs``; their count. ``scratch(stem)`` names the steps."""
    spelled, met, met_names, tokens, agreeing = (scratch(s) for s in (
        "rescue_spelled", "rescue_met", "rescue_met_names", "rescue_tokens", "rescue_agreeing"))
    engine.create_scratch(spelled, spelled_keys_sql(keys))
    lone = engine.query(lone_spelled_keys_sql(spelled, pairs, named))
    vocabulary = engine.query(spelled_tokens_sql(spelled)).column("token").combine_chunks()
    widened = neighbour_keys(lone.cast(pa.schema([(f.name, pa.string()) for f in lone.schema])), vocabulary,
                             min_length)
    with engine.run() as run:
        rescue_keys = run.arrow(widened, hint="rs_rescue_keys").name
        engine.create_scratch(met, met_pairs_sql(rescue_keys, spelled, named, max_block=max_block, new_ids=new_ids))
    engine.drop_scratch(spelled)
    engine.create_scratch(met_names, met_names_sql(met, named))
    engine.create_scratch(tokens, skeleton_tokens_sql(met_names))
    engine.create_scratch(agreeing, agreeing_sql(met, tokens))
    engine.create_scratch(into, rescue_pairs_sql(agreeing, pairs, props))
    for table in (met, met_names, tokens, agreeing):
        engine.drop_scratch(table)
    return int(engine.scalar(f"SELECT count(*) FROM {into}"))
