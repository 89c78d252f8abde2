"""Blocking: which pairs of records are worth comparing. Set-based SQL over the key tables.

Two records are a candidate pair when they share a key: a name key (see features.block_keys) or
an identifier value (features.identifier_keys). Keys held by more than ``max_block`` records say
little (a common first name with a common initial) and would make the join quadratic: dropped.
Pairs met by a spelled key alone whose names are plainly apart are dropped too (``self_pairs_sql``).
"""

from __future__ import annotations

DEFAULT_MAX_BLOCK = 200
# A birth date alone ("d:" keys) is a block only while few share it (a twentieth of max_block): names
# differ within it, so nearly every pair it makes is compared for nothing once a population is large
# enough for dates to repeat by chance, while a party's own records (FEBRL's up to six) still meet.
DATE_BLOCK_SHARE = 20
# A person's longest name token spelled out with another token's initial (features.block_keys): the key
# that lets "O. Dmytrenko" meet "Oleh Dmytrenko", and a misspelt given name its party's.
SPELLED_KEY = "p:%:%"
SPELLING_BAR = 0.92  # model.names: the least Jaro-Winkler of two tokens the spelling rule matches


def _name_key_sql(key: str, n: str) -> str:
    """The key's frequency when it is a name key (features.block_keys: "p:" people, "o:" organisations)."""
    return f"CASE WHEN substr({key}, 1, 2) IN ('p:', 'o:') THEN {n} END"


def kept_blocks_sql(keys: str, *, max_block: int = DEFAULT_MAX_BLOCK, among: str | None = None) -> str:
    """(block_key, n) of the keys of ``keys`` that blocking compares records on: held by at most
    ``max_block`` records (a birth-date key by a DATE_BLOCK_SHARE-th of that). ``among``: a relation of
    block_key to count only those keys of (``resolve.attach`` asks of a few)."""
    only = f" WHERE block_key IN (SELECT block_key FROM {among})" if among else ""
    return f"""
        SELECT block_key, count(*) AS n FROM {keys}{only} GROUP BY block_key
        HAVING count(*) <= CASE WHEN block_key LIKE 'd:%' THEN {int(max_block) // DATE_BLOCK_SHARE}
                                ELSE {int(max_block)} END"""


def _two_tokens_sql(names: str) -> str:
    """(entity_id, t1, t2, skey, akey, arabic) of the records of one name (``comparisons.named_sql``) of two
    tokens, neither an initial: the names whose pairs ``self_pairs_sql`` may leave out."""
    return f"""
        SELECT entity_id, split_part(nkey, ' ', 1) AS t1, split_part(nkey, ' ', 2) AS t2, skey, akey, arabic
        FROM {names} WHERE names = 1 AND nkey LIKE '% %' AND nkey NOT LIKE '% % %' AND NOT initial"""


def spelling_reach_sql(x: str, y: str) -> str:
    """Whether the spelling rule could match tokens ``x`` and ``y`` (``model.names``: Jaro-Winkler at least
    SPELLING_BAR), by an upper bound of Jaro-Winkler in portable SQL (``name_alignment`` skips pairs by a
    like one): Jaro's matching letters are at most the letters of each token that the other holds
    (``translate`` deletes those), and Winkler adds at most four tenths of the rest (a common prefix of
    four), so Jaro must reach (bar - 0.4) / 0.6."""
    def held(a: str, b: str) -> str:
        return f"length({a}) - length(translate({a}, {b}, ''))"

    jaro = (SPELLING_BAR - 0.4) / 0.6 - 1e-9
    # (m / |x| + m / |y| + 1) / 3 >= jaro, m at most the letters held
    return f"least({held(x, y)}, {held(y, x)}) * (1.0 / length({x}) + 1.0 / length({y})) >= {3 * jaro - 1}"


def self_pairs_sql(keys: str, *, max_block: int = DEFAULT_MAX_BLOCK,
                   new_ids: str | None = None, names: str | None = None) -> str:
    """(left_id, right_id, grp, key_freq, name_key_freq) with left_id < right_id, from one set of records.

    ``key_freq`` is how many records hold the rarest key the pair shares, ``name_key_freq`` the
    same over name keys only (null when the pair met by an identifier or a date alone): a rare name
    agreeing is stronger evidence than a common one (term frequency, as in Fellegi-Sunter/Splink).

    With ``new_ids`` (a relation of entity_id) only pairs touching a new record are produced: an
    incremental run compares newcomers with everything, and nothing old with anything old.

    With ``names`` (the records' ``comparisons.named_sql`` relation) a pair met by spelled keys alone
    (SPELLED_KEY) is left out when its names, one each of two full tokens, share one token and the
    other tokens can match by no rule of ``model.names``: their skeletons differ and Jaro-Winkler
    cannot reach the spelling rule's bar (``spelling_reach_sql``). Its names then score one token of
    two, "names share a token, others differ", below "partly similar", and sharing no other key it
    has no equal identifier, birth date or address word to lift it: no such pair is ever kept,
    and at 1M records they were a third of all candidates. (Two full names with one given name each
    meet by that key only when their given names' skeletons differ.)
    """
    touch = (f" AND (a.entity_id IN (SELECT entity_id FROM {new_ids}) "
             f"OR b.entity_id IN (SELECT entity_id FROM {new_ids}))") if new_ids else ""
    spelled = f", bool_and(a.block_key LIKE '{SPELLED_KEY}') AS spelled" if names else ""
    pairs = f"""
        SELECT a.entity_id AS left_id, b.entity_id AS right_id, a.grp, min(a.n) AS key_freq,
               min({_name_key_sql("a.block_key", "a.n")}) AS name_key_freq{spelled}
        FROM k a JOIN k b ON a.block_key = b.block_key AND a.grp = b.grp AND a.entity_id < b.entity_id
        WHERE 1 = 1{touch}
        GROUP BY a.entity_id, b.entity_id, a.grp"""
    head = f"""
        WITH freq AS ({kept_blocks_sql(keys, max_block=max_block)}),
        k AS (SELECT k.entity_id, k.grp, k.block_key, f.n FROM {keys} k JOIN freq f ON f.block_key = k.block_key)"""
    if not names:
        return head + pairs
    columns = "left_id, right_id, grp, key_freq, name_key_freq"
    # only the pairs met by spelled keys alone are joined to their names (a name of another shape: kept)
    return f"""{head},
        pairs AS ({pairs}),
        two AS ({_two_tokens_sql(names)}),
        spelled AS (
            SELECT p.*, a.skey <> b.skey AND NOT (a.arabic <> b.arabic AND a.akey = b.akey)
                        AND (a.t1 IN (b.t1, b.t2) OR a.t2 IN (b.t1, b.t2)) AS apart,
                   CASE WHEN a.t1 IN (b.t1, b.t2) THEN a.t2 ELSE a.t1 END AS x,
                   CASE WHEN b.t1 IN (a.t1, a.t2) THEN b.t2 ELSE b.t1 END AS y
            FROM pairs p LEFT JOIN two a ON a.entity_id = p.left_id LEFT JOIN two b ON b.entity_id = p.right_id
            WHERE p.spelled)
        SELECT {columns} FROM pairs WHERE NOT spelled
        UNION ALL
        SELECT {columns} FROM spelled WHERE NOT coalesce(apart AND NOT ({spelling_reach_sql("x", "y")}), FALSE)"""


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
