"""Comparison levels of candidate pairs: which level of each comparison a pair falls into.

Set-based SQL except one step: pairs of names that neither the order-free token key nor the
consonant-skeleton key settles are compared once per distinct pair of normalised names, people
column-wise with numpy, organisations by ``model.names.compare_names`` (``resolve.name_scores``).
The result, one row per pair, has a level column per comparison of ``resolve.model`` (null when a
record lacks the value), plus the values each level rests on, for the explanation:

    left_id, right_id, grp, key_freq, name_key_freq, name_freq, left_name, right_name, name_score, name_detail,
    person_name, org_name, identifier, birth_date, country, address, address_number,
    identifier_class, identifier_left, identifier_right, birth_date_left, ..., address_right

Levels count from 0 (best); the labels are in ``resolve.model``. Identifier levels read the
checksum status (``resolve.identifiers``): equal values that fail their checksum, and different
values of which one fails it, are separate, weaker levels.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pyarrow as pa

from moneytrail.engine import Engine
from moneytrail.model.names import SHORT_MARK
from moneytrail.resolve.arabic_script import abjad_table
from moneytrail.resolve.evidence_levels import EVIDENCE as EVIDENCE  # re-exported for callers
from moneytrail.resolve.evidence_levels import compare_evidence as compare_evidence  # re-exported (train)
from moneytrail.resolve.evidence_levels import (
    evidence_levels_sql,
    identifier_level_sql,
    left_evidence_sql,
    several_values_sql,
    single_value_levels_sql,
)
from moneytrail.resolve.features import PERSON_GROUP
from moneytrail.resolve.model import (
    ABJAD_LEVEL,
    ARABIC_NEAR_LEVEL,
    INITIAL_LEVEL,
    NAME_FLOORS,
    NEAR_IDENTICAL_LEVEL,
    PARTLY_SIMILAR_LEVEL,
    SIMILAR_LEVEL,
)
from moneytrail.resolve.name_scores import score_names

SKELETON_SCORE = 0.93  # names whose consonant skeletons agree token for token (model.names.TRANSLIT)
# ... when some of those skeletons are short ("sr" is shared by "shashara" and "shura"): the pair is compared
# token by token (a short skeleton counts with a close spelling, "oleh"/"oleg"), and is at least "similar".
SHORT_SKELETON_SCORE = 0.86
# Names of which one is written in Arabic script that agree token for token when the other is written
# in it by ICU (``model.names.abjad``): their own level, ABJAD_LEVEL, which EM weighs like any other.
ABJAD_SCORE = 0.95
# The level of names whose tokens agree only with other vowels (``name_alignment``'s weakest rule:
# one skeleton, spellings that differ beyond letters left out and one more), whatever their score:
# "partly similar". At 1M mixed-script records such a pair was one party in 0.4% of cases where
# the "near-identical" pairs agreeing by transliteration were in 74% (resolve-recall-17a.txt).
VOWELS_LEVEL = PARTLY_SIMILAR_LEVEL
FREQUENCIES = ("key_freq", "name_key_freq", "name_freq")  # records sharing a blocking key, a name key, a name


def initial_token_sql(norm: str) -> str:
    """Whether normalised name ``norm`` has a token of one letter or digit: a given name written as its initial.
    A normalised name's tokens are joined by single spaces (``model.names.normalize_name``): patterns, not a
    regular expression per name (a fifth of the named records' statement at 1M; the patterns cost a third of it)."""
    return f"({norm} LIKE '_' OR {norm} LIKE '_ %' OR {norm} LIKE '% _' OR {norm} LIKE '% _ %')"


def name_freq_sql(names: str) -> str:
    """(grp, name_key, n): how many records bear each name (order-free key), for term frequencies."""
    return f"SELECT grp, nkey AS name_key, count(DISTINCT entity_id) AS n FROM {names} GROUP BY grp, nkey"


def _letters_left_out_sql(left: str, right: str) -> str:
    """Two order-free name keys with one skeleton whose spellings differ by letters one leaves out and
    at most one more letter per token (a script without short vowels, a typo), not by other vowels
    (``model.names.vowels_differ``, per token; here on the whole key, the per-token rule decides the rest)."""
    tokens = f"(length({left}) - length(replace({left}, ' ', '')) + 1)"
    return f"levenshtein({left}, {right}) <= abs(length({left}) - length({right})) + {tokens}"


def norms_sql(names: tuple[str, ...]) -> str:
    """(grp, norm, norm_id): every distinct normalised name of the ``names`` relations, numbered (in no
    order). Name pairs carry the ids: the residual pairs are made distinct, and their scores joined
    back to millions of name pairs, on two numbers, not two strings."""
    every = " UNION ALL ".join(f"SELECT grp, norm FROM {n}" for n in dict.fromkeys(names))
    return f"SELECT grp, norm, row_number() OVER () AS norm_id FROM (SELECT DISTINCT grp, norm FROM ({every}) e) d"


def record_counts_sql(names: str, props: str) -> str:
    """Per record: its names, its evidence values (``nt``, 0 without) and, for a record with one (most), that
    value (ev_class, ev_value, ev_checksum), which ``evidence_levels.single_value_levels_sql`` levels beside the
    names. One grouping of names and values, joined to the names once (two cost about twice as much)."""
    return f"""
        SELECT entity_id, count(name) AS names, count(prop_class) AS nt, min(prop_class) AS ev_class,
               min(value) AS ev_value, min(checksum) AS ev_checksum
        FROM (SELECT entity_id, name, CAST(NULL AS VARCHAR) AS prop_class, CAST(NULL AS VARCHAR) AS value,
                     CAST(NULL AS VARCHAR) AS checksum FROM {names}
              UNION ALL
              SELECT entity_id, CAST(NULL AS VARCHAR), prop_class, value, checksum FROM {props}) e
        GROUP BY entity_id"""


def named_sql(names: str, props: str, *, freq: str, abjad: str, norms: str) -> str:
    """Each name row with how many names its record has (a pair of records with one each has one
    name pair, which needs no ranking: ``best_name_sql``) and how many records bear it (``freq``, 1
    when it has no row there). Joined to the candidate pairs once per side, instead of the name,
    its count and its frequency each joined to millions of pairs. ``name_id`` numbers the rows (in no
    order: numbering them in order costs a sort): the pairs carry it, not the name's text (millions of
    pairs, two names each, were most of what the pair tables held); ``norm_id`` is its norm's
    (``norms_sql``). ``abjad``: ``abjad_table``'s rows. ``nt``: how many evidence values its record has in
    ``props``, and ev_class, ev_value, ev_checksum the one when it has one (``record_counts_sql``)."""
    return f"""
        SELECT n.entity_id, n.grp, n.name, n.norm, n.nkey, n.skey, x.akey, x.wkey, coalesce(x.arabic, FALSE) AS arabic,
               n.grp = '{PERSON_GROUP}' AND {initial_token_sql("n.norm")} AS initial,
               k.names, coalesce(f.n, 1) AS freq, row_number() OVER () AS name_id, m.norm_id,
               k.nt, k.ev_class, k.ev_value, k.ev_checksum
        FROM {names} n JOIN ({record_counts_sql(names, props)}) k ON k.entity_id = n.entity_id
        LEFT JOIN {freq} f ON f.grp = n.grp AND f.name_key = n.nkey
        LEFT JOIN {abjad} x ON x.name = n.name AND n.grp = '{PERSON_GROUP}'
        JOIN {norms} m ON m.grp = n.grp AND m.norm = n.norm"""


def name_pairs_sql(pairs: str, left_named: str, right_named: str) -> str:
    """Every pair of names of every candidate pair (``named_sql`` relations), by the names' ids, with
    the score when a key settles it, how many records bear the commoner of the two names, whether
    the pair has one name pair, and whether an organisation's name has phrases (``best_name_sql``).
    ``abjad``: one name is written in Arabic script and the other agrees with it written so (ABJAD_LEVEL),
    by either of its keys (``person_names.abjad_keys``). ev_class, ev_left, ...: the two records' values when
    each has one, of one class (``single_value_levels_sql``)."""
    abjad = "(a.arabic <> b.arabic AND (a.akey = b.akey OR a.wkey = b.wkey) AND a.nkey <> b.nkey)"
    one = "a.nt = 1 AND b.nt = 1 AND a.ev_class = b.ev_class"
    values = ", ".join(f"CASE WHEN {one} THEN {side}.{column} END AS ev_{name}" for side, column, name in (
        ("a", "ev_class", "class"), ("a", "ev_value", "left"), ("b", "ev_value", "right"),
        ("a", "ev_checksum", "left_checksum"), ("b", "ev_checksum", "right_checksum")))
    return f"""
        SELECT c.left_id, c.right_id, c.grp, c.key_freq, c.name_key_freq, a.name_id AS left_name_id,
               b.name_id AS right_name_id, a.norm AS left_norm, b.norm AS right_norm,
               a.norm_id AS left_norm_id, b.norm_id AS right_norm_id,
               a.names = 1 AND b.names = 1 AS single,
               c.grp <> '{PERSON_GROUP}' AND (a.name LIKE '%(%' OR a.name LIKE '%,%' OR b.name LIKE '%(%'
                                             OR b.name LIKE '%,%') AS phrased,
               greatest(a.freq, b.freq) AS name_freq, {abjad} AS abjad, a.arabic OR b.arabic AS arabic,
               a.initial AND b.initial AS initials,
               CASE WHEN a.nkey = b.nkey THEN 1.0 WHEN {abjad} THEN {ABJAD_SCORE}
                    WHEN a.skey = b.skey AND a.skey NOT LIKE '%{SHORT_MARK}%'
                         AND {_letters_left_out_sql("a.nkey", "b.nkey")} THEN {SKELETON_SCORE} END AS quick_score,
               CASE WHEN a.nkey <> b.nkey AND a.skey = b.skey THEN {SHORT_SKELETON_SCORE} ELSE 0.0 END AS floor_score,
               {values}
        FROM {pairs} c JOIN {left_named} a ON a.entity_id = c.left_id
        JOIN {right_named} b ON b.entity_id = c.right_id"""


def leveled_name_pairs_sql(name_pairs: str) -> str:
    """``name_pairs`` (``name_pairs_sql``) with their evidence levels (``single_value_levels_sql``): what
    ``best_name_sql`` reads of them but the names' scores, and no values or names' text (``explain=False``).
    Written once, before the names are scored: the residual (``residual_names_sql``) and the levels both read
    it, where the candidate pairs were joined to the named records twice (a third of compare_pairs' SQL at 1M)."""
    return f"""
        SELECT left_id, right_id, grp, {", ".join(f"CAST({c} AS INTEGER) AS {c}" for c in FREQUENCIES)},
               left_name_id, right_name_id, left_norm_id, right_norm_id, single, quick_score, floor_score, abjad,
               arabic, initials, {", ".join(f"CAST(ev_{c} AS TINYINT) AS ev_{c}" for c in EVIDENCE)}
        FROM ({single_value_levels_sql(name_pairs)}) p"""


def several_names_sql(pairs: str, named: tuple[str, str]) -> str:
    """The candidate pairs with a record of several names (few: most have one), by a semi-join on their
    ids: ``best_name_sql`` ranks their name pairs alone, not a second join of every pair to the names."""
    return f"""
        SELECT * FROM {pairs}
        WHERE left_id IN (SELECT entity_id FROM {named[0]} WHERE names > 1)
           OR right_id IN (SELECT entity_id FROM {named[1]} WHERE names > 1)"""


def best_name_sql(name_pairs: str, name_scores: str, named: tuple[str, str], *, explain: bool = True,
                  ranked_pairs: str | None = None, evidence: bool = False) -> str:
    """The best-scoring name pair of each candidate pair, and its level. An organisation's name with
    phrases may have been compared by its designation (``features.designation_phrases``): the
    detail then says which forms were compared. A pair with one name pair (one name per record, the
    common case) is taken as it is; only the others are ranked (a window over millions of rows cost
    more than the rest of the statement), on their score, then their names' text (``named``: the
    left and right ``named_sql`` relations), from ``ranked_pairs`` when given (``several_names_sql``'s).
    ``name_scores`` is keyed by the norms' ids. ``explain=False``: no detail (built on demand).
    ``evidence``: the pairs carry ``single_value_levels_sql``'s columns ev_identifier, ..., passed on."""
    score = "coalesce(n.quick_score, greatest(coalesce(s.score, 0.0), n.floor_score))"
    # Names whose tokens agree only with other vowels (the alignment's weakest rule) are at most
    # "partly similar": in the levels of names agreeing by transliteration they are another party
    # nearly always (``VOWELS_LEVEL``).
    vowels_floor = dict(NAME_FLOORS)[VOWELS_LEVEL]
    # A pair that would be "similar" because a token agrees by its initial alone: INITIAL_LEVEL.
    similar = dict(NAME_FLOORS)[SIMILAR_LEVEL]
    # "near-identical" with a name in Arabic script (its short vowels absent, not one letter off): ARABIC_NEAR_LEVEL.
    near, identical = dict(NAME_FLOORS)[NEAR_IDENTICAL_LEVEL], dict(NAME_FLOORS)[0]
    # Two names that give the given name as its initial alone ("T. Peborim" / "Т. Пеборим") agree, however
    # alike, on the surname and that initial: INITIAL_LEVEL's evidence. Identical, at 1M they were one party
    # in 54% of pairs without a birth date (the initial level: 54%) yet weighed +4 bits as "identical".
    level = (f"WHEN abjad THEN {ABJAD_LEVEL} WHEN initials AND name_score >= {identical} THEN {INITIAL_LEVEL} "
             f"WHEN vowels AND name_score >= {vowels_floor} THEN {VOWELS_LEVEL} "
             f"WHEN initial AND name_score >= {similar} AND name_score < {dict(NAME_FLOORS)[INITIAL_LEVEL - 1]} "
             f"THEN {INITIAL_LEVEL} WHEN arabic AND name_score >= {near} AND name_score < {identical} "
             f"THEN {ARABIC_NEAR_LEVEL} "
             + " ".join(f"WHEN name_score >= {floor} THEN {i}" for i, floor in NAME_FLOORS))
    detail = """CASE WHEN n.phrased THEN 'compared as ' || n.left_norm || ' ~ ' || n.right_norm || ': ' ELSE '' END ||
                   CASE WHEN n.quick_score = 1.0 THEN 'same tokens after transliteration'
                        WHEN n.abjad THEN 'same tokens in Arabic script (ICU Latin-Arabic, short vowels left out)'
                        WHEN n.quick_score IS NOT NULL THEN 'same consonant skeleton per token (transliteration)'
                        WHEN n.floor_score > coalesce(s.score, 0.0)
                            THEN 'same consonant skeleton per token (transliteration), some of two letters or fewer'
                        ELSE coalesce(s.detail, '') END""" if explain else "CAST(NULL AS VARCHAR)"
    columns = f"""n.left_id, n.right_id, n.grp, n.key_freq, n.name_key_freq, n.name_freq, n.left_name_id,
                   n.right_name_id, {score} AS name_score, {detail} AS name_detail,
                   n.quick_score IS NULL AND coalesce(s.vowels, FALSE) AS vowels,
                   n.quick_score IS NULL AND coalesce(s.initial, FALSE) AS initial, n.abjad, n.arabic,
                   n.initials{"".join(f", n.ev_{c}" for c in EVIDENCE) if evidence else ""}"""

    carried = "".join(f", ev_{c}" for c in EVIDENCE) if evidence else ""

    def scored(pairs: str) -> str:
        return f"""{pairs} n LEFT JOIN {name_scores} s
              ON s.grp = n.grp AND s.left_norm_id = n.left_norm_id AND s.right_norm_id = n.right_norm_id"""
    return f"""
        SELECT t.*, CASE {level} ELSE {NAME_FLOORS[-1][0] + 1} END AS name_level
        FROM (
            SELECT {columns} FROM {scored(name_pairs)} WHERE n.single
            UNION ALL
            SELECT left_id, right_id, grp, key_freq, name_key_freq, name_freq, left_name_id, right_name_id,
                   name_score, name_detail, vowels, initial, abjad, arabic, initials{carried} FROM (
                SELECT {columns}, row_number() OVER (PARTITION BY n.left_id, n.right_id
                                                     ORDER BY {score} DESC, la.name, rb.name) AS rn
                FROM {scored(ranked_pairs or name_pairs)} JOIN {named[0]} la ON la.name_id = n.left_name_id
                JOIN {named[1]} rb ON rb.name_id = n.right_name_id
                WHERE NOT n.single
            ) r WHERE r.rn = 1
        ) t"""


def levels_sql(best_names: str, evidence: str, pairs: str, left_unnamed: str, right_unnamed: str, *,
               explain: bool = True, named: tuple[str, str] | None = None) -> str:
    """One row per pair: the name level in the column of its group (null when a record has no name:
    it is compared on its evidence alone), and each evidence level. ``explain=False``: without the
    values and name details (an in-memory column of nulls still costs its writing at millions of pairs).
    ``named``: the (left, right) ``named_sql`` relations the names' text is read from by their ids;
    without them the rows carry the ids (left_name_id, right_name_id) instead of the names.
    ``explain=False``: ``best_names`` carries the levels of the pairs with one value each (``best_name_sql``'s
    ``evidence``), and ``evidence`` holds those of the other pairs (of a record with several values, or none)."""
    pivot = []
    for comp in EVIDENCE:
        pivot.append(f"max(CASE WHEN comparison = '{comp}' THEN level END) AS {comp}")
        pivot.append(f"max(CASE WHEN comparison = '{comp}' THEN lv END) AS {comp}_left")
        pivot.append(f"max(CASE WHEN comparison = '{comp}' THEN rv END) AS {comp}_right")
    pivot.append("max(CASE WHEN comparison = 'identifier' THEN cls END) AS identifier_class")
    if explain:
        pivoted = f"SELECT left_id, right_id, {', '.join(pivot)} FROM {evidence} GROUP BY left_id, right_id"
    else:  # evidence_levels_sql(explain=False) has one row per pair already, and no values
        pivoted = f"SELECT left_id, right_id, {', '.join(EVIDENCE)} FROM {evidence}"
    values = ", e.{0}_left, e.{0}_right" if explain else ""
    raw = {c: f"e.{c}" if explain else f"coalesce(e.{c}, n.ev_{c})" for c in EVIDENCE}

    def typed(expr: str, name: str, kind: str) -> str:  # explain=False: narrower rows (levels TINYINT, counts
        # INTEGER) for the millions of pairs that relevel rewrites and training and scoring read again
        return f"{expr} AS {name}" if explain else f"CAST({expr} AS {kind}) AS {name}"
    evidence_cols = ", ".join(typed(identifier_level_sql(raw["identifier"], raw["birth_date"], raw["address"],
                                                         raw["address_number"]) if c == "identifier" else raw[c],
                                    c, "TINYINT") + values.format(c) for c in EVIDENCE)
    names = "a.name AS left_name, b.name AS right_name" if named else "n.left_name_id, n.right_name_id"
    by_id = (f"LEFT JOIN {named[0]} a ON a.name_id = n.left_name_id "
             f"LEFT JOIN {named[1]} b ON b.name_id = n.right_name_id") if named else ""
    return f"""
        SELECT n.left_id, n.right_id, n.grp, {", ".join(typed(f"n.{c}", c, "INTEGER") for c in FREQUENCIES)}, {names},
               coalesce(n.name_score, 0.0) AS name_score,{" n.name_detail," if explain else ""}
               {typed(f"CASE WHEN n.grp = '{PERSON_GROUP}' THEN n.name_level END", "person_name", "TINYINT")},
               {typed(f"CASE WHEN n.grp <> '{PERSON_GROUP}' THEN n.name_level END", "org_name", "TINYINT")},
               {evidence_cols}{", e.identifier_class" if explain else ""}
        FROM ({_with_unnamed_sql(best_names, pairs, left_unnamed, right_unnamed, evidence=not explain)}) n
        LEFT JOIN ({pivoted}) e ON e.left_id = n.left_id AND e.right_id = n.right_id {by_id}"""


def unnamed_sql(names: str, props: str) -> str:
    """Records with evidence but no name: the only ones a candidate pair can have without a name, as
    a record's blocking keys come from its names or its evidence (``features``)."""
    return f"SELECT entity_id FROM {props} EXCEPT SELECT entity_id FROM {names}"


def _with_unnamed_sql(best_names: str, pairs: str, left_unnamed: str, right_unnamed: str, *,
                      evidence: bool = False) -> str:
    """The compared name pairs, and the candidate pairs with no name comparison (a record without a name,
    ``unnamed_sql``) with null name columns. A union, and a semi-join on the unnamed records' ids (few),
    not an anti-join on the pairs (a hash table of every compared pair cost 13 CPU s at 1M records) or
    on the named records (two hash tables of every record): joining every candidate pair to the wide
    name table ran out of a 1 GB engine limit at 1M records."""
    return f"""
            SELECT left_id, right_id, grp, key_freq, name_key_freq, name_freq, left_name_id, right_name_id,
                   name_score, name_detail, name_level{"".join(f", ev_{c}" for c in EVIDENCE) if evidence else ""}
            FROM {best_names}
            UNION ALL
            SELECT c.left_id, c.right_id, c.grp, c.key_freq, c.name_key_freq, NULL, NULL, NULL, NULL, NULL,
                   NULL{", NULL" * len(EVIDENCE) if evidence else ""}
            FROM {pairs} c
            WHERE c.left_id IN (SELECT entity_id FROM {left_unnamed})
               OR c.right_id IN (SELECT entity_id FROM {right_unnamed})"""


_RESIDUAL_SCHEMA = pa.schema([("grp", pa.string()), ("left_norm", pa.string()), ("right_norm", pa.string()),
                              ("left_norm_id", pa.int64()), ("right_norm_id", pa.int64())])
def residual_names_sql(name_pairs: str, norms: str) -> str:
    """The distinct pairs of normalised names that no key settled, compared in Python: made distinct by
    their ids (``norms_sql``), their text read by id for the distinct pairs alone."""
    return f"""
        SELECT r.grp, a.norm AS left_norm, b.norm AS right_norm, r.left_norm_id, r.right_norm_id
        FROM (SELECT DISTINCT grp, left_norm_id, right_norm_id FROM {name_pairs} WHERE quick_score IS NULL) r
        JOIN {norms} a ON a.norm_id = r.left_norm_id JOIN {norms} b ON b.norm_id = r.right_norm_id"""


@dataclass(frozen=True)
class NamedTables:
    """``prepare_names``' scratch tables: what comparing pairs needs of the records alone, not of the pairs."""
    named: tuple[str, str]  # named_sql, left and right
    unnamed: tuple[str, str]  # unnamed_sql, left and right
    freq: str
    norms: str


def prepare_names(engine: Engine, left: tuple[str, str], right: tuple[str, str], scratch: Callable[[str], str], *,
                  names_into: str | None = None) -> NamedTables:
    """The records' tables ``compare_pairs`` reads (``left`` and ``right``: (names, props) relations),
    written before the candidate pairs are known (``resolve_case`` writes them while the birth keys
    are computed). ``names_into``: as ``compare_pairs``'."""
    if names_into is not None and right != left:
        raise ValueError("names_into needs one (names, props) pair on both sides")
    left_unnamed, right_unnamed, freq, left_named, right_named, norms = (
        scratch(s) for s in ("left_unnamed", "right_unnamed", "name_freq", "left_named", "right_named", "norms"))
    engine.create_scratch(left_unnamed, unnamed_sql(*left))
    if right != left:
        engine.create_scratch(right_unnamed, unnamed_sql(*right))
    engine.create_scratch(freq, name_freq_sql(left[0]))
    engine.create_scratch(norms, norms_sql((left[0], right[0])))
    with engine.run() as run:
        abjad = run.arrow(abjad_table(engine, (left[0], right[0])), hint="abjad").name
        engine.create_scratch(left_named, named_sql(*left, freq=freq, abjad=abjad, norms=norms))
        if right != left:
            engine.create_scratch(right_named, named_sql(*right, freq=freq, abjad=abjad, norms=norms))
    if names_into is not None:  # the names' text for the caller; the pair tables carry their ids
        engine.create_scratch(names_into, f"SELECT name_id, name, norm, norm_id FROM {left_named}")
    return NamedTables((left_named, right_named if right != left else left_named),
                       (left_unnamed, right_unnamed if right != left else left_unnamed), freq, norms)


def compare_pairs(engine: Engine, pairs: str, left: tuple[str, str], right: tuple[str, str], into: str,
                  scratch: Callable[[str], str], *, explain: bool = True, names_into: str | None = None,
                  prepared: NamedTables | None = None, beside: Callable[[], object] | None = None) -> str:
    """Levels of the candidate pairs in relation ``pairs`` (left_id, right_id, grp, key_freq, name_key_freq);
    ``left`` and ``right`` are (names, props) relations. Writes table ``into`` and returns its name.
    ``scratch(stem)`` names the intermediate tables (unique per run, so runs never collide).
    ``explain=False``: the levels without the values and name details they rest on (left out), which
    ``resolve.explain`` compares again for the pairs an explanation is asked for. ``names_into`` (one
    names relation on both sides): the levels carry the names' ids (left_name_id, right_name_id), and
    table ``names_into`` (name_id, name, norm, norm_id) holds their text, for the caller to read the pairs it keeps
    by (millions of candidate pairs' names are written and read back several times otherwise).
    ``prepared``: ``prepare_names``' tables for these relations (and ``names_into``), written already;
    dropped here as the rest. ``beside``: engine work that does not read these pairs (``resolve_case``: the
    training's exact-agreement rates), run while the names are scored in threads, which leave the engine idle."""
    tables = prepared or prepare_names(engine, left, right, scratch, names_into=names_into)
    named, norms = tables.named, tables.norms
    name_pairs, left_ev, evidence, ranked, leveled_pairs = (
        scratch(s) for s in ("name_pairs", "left_evidence", "evidence", "ranked_name_pairs", "leveled_name_pairs"))
    engine.create_scratch(name_pairs, name_pairs_sql(pairs, *named), view=True)
    engine.create_scratch(ranked, name_pairs_sql(f"({several_names_sql(pairs, named)})", *named), view=True)
    if not explain:  # the name pairs joined and leveled on their evidence once: the residual and levels read them
        engine.create_scratch(leveled_pairs, leveled_name_pairs_sql(name_pairs))
    residual = engine.query(residual_names_sql(name_pairs if explain else leveled_pairs, norms)).cast(_RESIDUAL_SCHEMA)
    # Names are scored in Python (one core) while the engine compares the evidence (it releases
    # the GIL while a statement runs): on two cores the two overlap instead of following each other.
    with engine.run() as run, ThreadPoolExecutor(1, thread_name_prefix="mt-names") as pool:
        scoring = pool.submit(score_names, residual, details=explain)
        del residual  # the names' text is held by the scoring only, and dropped from its result below
        # explain=False: the pairs of two records with one value each (most) are leveled beside their names
        # (single_value_levels_sql); only the others are joined to their values and grouped here
        compared = pairs if explain else f"({several_values_sql(pairs, named, tables.unnamed)})"
        engine.create_scratch(left_ev, left_evidence_sql(compared, left[1]))
        engine.create_scratch(evidence, evidence_levels_sql(left_ev, right[1], explain=explain))
        engine.drop_scratch(left_ev)
        if beside is not None:  # the evidence above is a fraction of the scoring's time: the engine would idle
            beside()
        name_scores = run.arrow(scoring.result().drop_columns(["left_norm", "right_norm"]), hint="name_scores").name
        # the best name pair of each candidate read straight into the levels, not written first
        leveled, ranked_leveled = (name_pairs, ranked) if explain else (leveled_pairs, None)
        best_names = f"""({best_name_sql(leveled, name_scores, named, explain=explain, ranked_pairs=ranked_leveled,
                                         evidence=not explain)}) best"""
        engine.create_scratch(into, levels_sql(best_names, evidence, pairs, *tables.unnamed, explain=explain,
                                               named=None if names_into is not None else named))
    for view in (name_pairs, ranked):
        engine.drop_scratch(view, view=True)
    for name in (evidence, tables.freq, *set(named), *set(tables.unnamed), norms,
                 *(() if explain else (leveled_pairs,))):
        engine.drop_scratch(name)
    return into
