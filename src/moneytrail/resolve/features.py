"""Features of party entities: normalised names, blocking keys and evidence values.

Names and evidence are read from FtM statements with SQL. Transliteration needs ICU, so names are
normalised in Python once per *distinct* name (names repeat across records and sources), then joined
back to entities in SQL. Evidence values are normalised with vectorised pyarrow compute.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from moneytrail.engine import Engine
from moneytrail.model.names import normalize_name_uncached, skeleton, skeleton_key, unvowelled_skeleton
from moneytrail.model.properties import identifier_classes, name_props, party_schemata, prop_classes
from moneytrail.resolve.evidence_values import address_keys, identifier_keys, normalise_props
from moneytrail.resolve.person_names import person_name_columns
from moneytrail.resolve.sorting import sorted_distinct

PERSON_GROUP, ORG_GROUP = "person", "org"
# From the FtM model (resolve.properties): every party schema and its name and evidence properties.
PARTY_SCHEMATA = party_schemata()
NAME_PROPS = name_props()
IDENTIFIER_CLASSES = identifier_classes()
PROP_CLASSES = prop_classes()
MAX_KEY_TOKENS = 4
# The last token is spelled out beside the longest when it has SPELLED_MIN letters or more and at
# most SPELLED_SLACK fewer than the longest.
SPELLED_MIN, SPELLED_SLACK = 4, 2


def _quoted(values: tuple[str, ...] | list[str]) -> str:
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)


def party_records_sql(statements: str = "statements", only_new: bool = False) -> str:
    """(entity_id, grp) of every person and organisation, named or not: a record without a name can
    still be resolved by its identifiers, birth date and address."""
    new_filter = (" AND entity_id NOT IN (SELECT entity_id FROM resolve_records)" if only_new else "")
    return f"""
        SELECT entity_id, CASE WHEN max(CASE WHEN schema = 'Person' THEN 1 ELSE 0 END) = 1
                               THEN '{PERSON_GROUP}' ELSE '{ORG_GROUP}' END AS grp
        FROM {statements} WHERE schema IN ({_quoted(PARTY_SCHEMATA)}){new_filter} GROUP BY entity_id"""


def party_names_sql(statements: str = "statements", only_new: bool = False) -> str:
    """(entity_id, grp, name): names of people and organisations; first+last names are combined.

    ``only_new`` keeps entities that resolution has not seen yet (absent from resolve_records). The
    parts are made distinct once, at the end (a UNION would make them distinct twice).
    """
    schemata = _quoted(PARTY_SCHEMATA)
    new_filter = (" AND entity_id NOT IN (SELECT entity_id FROM resolve_records)" if only_new else "")
    return f"""
        WITH party AS (
            SELECT entity_id, max(CASE WHEN schema = 'Person' THEN 1 ELSE 0 END) AS is_person
            FROM {statements} WHERE schema IN ({schemata}){new_filter} GROUP BY entity_id
        ), raw AS (
            SELECT entity_id, value AS name FROM {statements} WHERE prop IN ({_quoted(NAME_PROPS)})
            UNION ALL
            SELECT f.entity_id, f.value || ' ' || l.value AS name
            FROM {statements} f JOIN {statements} l ON l.entity_id = f.entity_id AND l.prop = 'lastName'
            WHERE f.prop = 'firstName'
            UNION ALL
            -- a person with only a first or only a last name is still named by it
            SELECT entity_id, value AS name FROM {statements} s WHERE prop IN ('firstName', 'lastName')
              AND NOT EXISTS (SELECT 1 FROM {statements} o WHERE o.entity_id = s.entity_id
                              AND o.prop IN ('firstName', 'lastName') AND o.prop <> s.prop)
        )
        SELECT DISTINCT r.entity_id,
               CASE WHEN p.is_person = 1 THEN '{PERSON_GROUP}' ELSE '{ORG_GROUP}' END AS grp, r.name
        FROM raw r JOIN party p ON p.entity_id = r.entity_id
        WHERE trim(r.name) <> ''"""


def party_props_sql(statements: str = "statements", only_new: bool = False, with_accounts: bool = True) -> str:
    """(entity_id, prop, value): evidence statements of party entities, plus the IBANs of accounts
    they hold (from the accounts table and from FtM BankAccount entities with a holder)."""
    schemata = _quoted(PARTY_SCHEMATA)
    new_filter = " AND entity_id NOT IN (SELECT entity_id FROM resolve_records)" if only_new else ""
    parts = [
        f"SELECT entity_id, prop, value FROM {statements} WHERE schema IN ({schemata}) "
        f"AND prop IN ({_quoted(list(PROP_CLASSES))}){new_filter}",
        f"SELECT h.value AS entity_id, 'iban' AS prop, i.value FROM {statements} h "
        f"JOIN {statements} i ON i.entity_id = h.entity_id AND i.prop = 'iban' WHERE h.prop = 'holder'",
    ]
    if with_accounts:
        parts.append("SELECT holder_entity_id AS entity_id, 'iban' AS prop, iban AS value FROM accounts "
                     "WHERE holder_entity_id IS NOT NULL AND iban IS NOT NULL")
    body = " UNION ".join(parts)
    if only_new:
        return f"SELECT * FROM ({body}) u WHERE entity_id NOT IN (SELECT entity_id FROM resolve_records)"
    return body


def block_keys(norm: str, grp: str) -> list[str]:
    """Blocking keys of one normalised name.

    People: the skeletons of each two tokens (order-free), so reordered and transliterated forms of
    a name share a key (a token spelled without vowels, as Arabic script romanises, both as its
    skeleton and as ``unvowelled_skeleton``: "thd" may be "Tehid"); plus the longest token (spelled
    out) with each other token's initial, so "O. Dmytrenko" meets "Oleh Dmytrenko" (``birth_keys``
    cover names misspelt in every pair). Organisations: each core token's skeleton. A one-token name
    is its own key. Keys that are too common are dropped at blocking time.
    """
    tokens = [t for t in norm.split() if t]
    if grp == ORG_GROUP:
        cores = {skeleton(t) for t in tokens if len(t) > 2 and t not in ("llc", "jsc", "plc", "lp", "llp")}
        return sorted(f"o:{s}" for s in cores if len(s) >= 2) or ([f"o:{norm}"] if norm else [])
    tokens = tokens[:MAX_KEY_TOKENS]
    if len(tokens) == 1:
        return [f"p:{skeleton(tokens[0]) or tokens[0]}"]
    skels = [skeleton(t) or t for t in tokens]
    # a token spelled without vowels keys its pairs by its letters too, not read as digraphs
    unjoined = [unvowelled_skeleton(t) or s for t, s in zip(tokens, skels, strict=True)]
    full = [i for i, t in enumerate(tokens) if len(t) >= 2]
    keys = {"p:" + "|".join(sorted((k[i], k[j]))) for k in (skels, unjoined) for i in full for j in full if i < j}
    if full:
        longest = max(full, key=lambda i: (len(tokens[i]), tokens[i]))
        # Spelled out, not skeletonised: a consonant skeleton with one initial is shared by too many.
        # The longest token, and the last when it is nearly as long (the surname in most sources;
        # when the longest is the misspelt given name, "nichooas campbell" still meets "nicholas
        # campbell"), not every token: a short given name with an initial makes crowded blocks
        # (a reordered "Dmytrenko Oleh" would key on "oleh" with a "d").
        last = full[-1]
        near = len(tokens[last]) >= max(SPELLED_MIN, len(tokens[longest]) - SPELLED_SLACK)
        spelled = {longest} | ({last} if near else set())
        keys.update(f"p:{tokens[i]}:{tokens[j][0]}" for i in spelled for j in range(len(tokens)) if j != i)
    return sorted(keys)


@dataclass
class Features:
    names: pa.Table  # entity_id, grp, name, norm, nkey, skey
    keys: pa.Table   # entity_id, grp, block_key
    props: pa.Table  # entity_id, prop_class, value, checksum ('valid' | 'invalid' | null)
    known: Future[pa.Table]  # ``records``, worked out in a thread
    # keys still being computed (extract_features(keys_pending=True)), not yet in ``keys``
    pending: tuple[Future[pa.Table], ...] = ()

    @property
    def records(self) -> pa.Table:
        """entity_id, grp: every record with a name or evidence (unnamed ones too), once each."""
        return self.known.result()

    def all_keys(self) -> pa.Table:
        """``keys`` and the pending keys (waiting for them)."""
        return pa.concat_tables([self.keys, *(f.result().cast(self.keys.schema) for f in self.pending)])


def designation_phrases(names: pa.Table) -> pa.Table:
    """(entity_id, grp, name, text): every name as itself (text = name), and each phrase of an
    organisation's name, split at commas, semicolons and parentheses, that holds a number and two
    words or more. A unit or branch named "Directorate for Special Programmes, Unit 4417" or
    "Управление специальных программ (войсковая часть 4417)" is listed by its numbered designation
    alone too ("Unit 4417"): the phrase is one more name of the record, compared as such. Phrases
    without a number (the parent's name, "Directorate for Special Programmes") are not: every unit of
    the parent shares them."""
    own = names.select(["entity_id", "grp", "name"]).append_column("text", names.column("name"))
    orgs = names.filter(pc.and_(pc.not_equal(names.column("grp"), PERSON_GROUP),
                                pc.match_substring_regex(names.column("name"), r"[,;()]")))
    if orgs.num_rows == 0:
        return own
    parts = pc.split_pattern_regex(orgs.column("name"), r"[,;()]")
    at = pc.list_parent_indices(parts)
    phrases = pa.table({"entity_id": pc.take(orgs.column("entity_id"), at), "grp": pc.take(orgs.column("grp"), at),
                        "name": pc.take(orgs.column("name"), at),
                        "text": pc.utf8_trim_whitespace(pc.list_flatten(parts))})
    words = pc.list_value_length(pc.utf8_split_whitespace(phrases.column("text")))
    phrases = phrases.filter(pc.and_(pc.match_substring_regex(phrases.column("text"), "[0-9]"),
                                     pc.greater_equal(words, 2)))
    return pa.concat_tables([own, phrases.cast(own.schema)])


def featurise_names(names: pa.Table) -> tuple[pa.Table, pa.Table]:
    """Normalise each distinct (grp, name) once and derive its blocking keys: people column-wise
    (``resolve.person_names``), organisations per distinct name (legal forms need rigour's rules).
    An organisation's numbered designation is featurised as one more name (``designation_phrases``):
    its row keeps the name it was read from."""
    named, keys = named_forms(names)
    return named, keys()


def named_forms(names: pa.Table) -> tuple[pa.Table, Callable[[], pa.Table]]:
    """``featurise_names``' named rows, and its keys still to expand per entity (``_entity_keys``, a second
    of one core at 1M): called when wanted, so the named rows go on while the keys are expanded."""
    names = designation_phrases(names)
    grp_col = names.column("grp").combine_chunks()
    name_col = names.column("text").combine_chunks()
    # the distinct (grp, name) forms in order of first appearance (as pc.unique) and each row's index:
    # names and groups numbered by a hash pass each, their pairs of numbers by one sort
    by_name, by_grp = name_col.dictionary_encode(), grp_col.dictionary_encode()
    groups = max(len(by_grp.dictionary), 1)
    code = by_name.indices.to_numpy().astype(np.int64) * groups + by_grp.indices.to_numpy().astype(np.int64)
    forms, first, form_of = np.unique(code, return_index=True, return_inverse=True)
    appearance = np.argsort(first, kind="stable")
    numbered = np.empty(len(forms), np.int64)
    numbered[appearance] = np.arange(len(forms))
    forms = forms[appearance]
    d_name = by_name.dictionary.take(pa.array(forms // groups))
    d_grp = by_grp.dictionary.take(pa.array(forms % groups))
    row_form = pa.array(numbered[form_of.ravel()])
    is_person = pc.equal(d_grp, PERSON_GROUP).to_numpy(zero_copy_only=False)
    person_at = np.flatnonzero(is_person)
    org_at = np.flatnonzero(~is_person)
    people = person_name_columns(pc.take(d_name, pa.array(person_at)))
    norms: list[str] = []
    nkeys: list[str] = []
    skeys: list[str] = []
    key_idx: list[int] = []
    key_val: list[str] = []
    for i, name in enumerate(pc.take(d_name, pa.array(org_at)).to_pylist()):
        norm = normalize_name_uncached(name, "Company")
        norms.append(norm)
        nkeys.append(" ".join(sorted(norm.split())))
        skeys.append(skeleton_key(norm))
        for key in block_keys(norm, ORG_GROUP):
            key_idx.append(i)
            key_val.append(key)
    # distinct index -> features: people first, then organisations
    order = np.concatenate([person_at, org_at]).astype(np.int64)
    back = np.empty(len(order), np.int64)
    back[order] = np.arange(len(order))
    norm_all = pa.concat_arrays([people.norm, pa.array(norms, pa.string())])
    nkey_all = pa.concat_arrays([people.nkey, pa.array(nkeys, pa.string())])
    skey_all = pa.concat_arrays([people.skey, pa.array(skeys, pa.string())])
    position = pc.take(pa.array(back), row_form)
    named = pa.table({"entity_id": names.column("entity_id"), "grp": grp_col, "name": names.column("name"),
                      "norm": pc.take(norm_all, position), "nkey": pc.take(nkey_all, position),
                      "skey": pc.take(skey_all, position)})
    named = named.filter(pc.not_equal(named.column("norm"), ""))
    # Expand keys per entity: take the (distinct name -> keys) rows for each entity's names.
    key_table = pa.table({"i": pa.concat_arrays([people.key_name.cast(pa.int64()),
                                                 pa.array(np.asarray(key_idx, np.int64) + len(person_at))]),
                          "block_key": pa.concat_arrays([people.key, pa.array(key_val, pa.string())])})
    return named, partial(_entity_keys, names.column("entity_id").combine_chunks(), grp_col,
                          position.to_numpy().astype(np.int64), key_table, len(order))


def _entity_keys(entity_id: pa.Array, grp: pa.Array, form: np.ndarray, key_table: pa.Table, forms: int) -> pa.Table:
    """(entity_id, grp, block_key), distinct: the keys of each name row's distinct form (``form``: its
    index into ``key_table``'s ``i``, which is sorted, so a form's keys are one slice), with the
    (entity, group, key) triples numbered and made distinct by one sort, not a join and a grouping
    of strings."""
    at = key_table.column("i").to_numpy().astype(np.int64)
    if len(at) > 1 and bool((at[1:] < at[:-1]).any()):
        key_table = key_table.take(pa.array(np.argsort(at, kind="stable")))
        at = key_table.column("i").to_numpy().astype(np.int64)
    starts = np.searchsorted(at, np.arange(forms + 1))
    counts = starts[form + 1] - starts[form]
    owner = np.repeat(np.arange(len(form)), counts)
    row = np.repeat(starts[form], counts) + np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    by_entity, by_group = entity_id.dictionary_encode(), grp.dictionary_encode()
    entities, groups = by_entity.dictionary, by_group.dictionary
    coded = key_table.column("block_key").combine_chunks().dictionary_encode()
    e = by_entity.indices.to_numpy().astype(np.int64)
    g = by_group.indices.to_numpy().astype(np.int64)
    k = coded.indices.to_numpy().astype(np.int64)
    width, size = max(len(coded.dictionary), 1), max(len(groups), 1)
    triples = sorted_distinct((e[owner] * size + g[owner]) * width + k[row])
    return pa.table({"entity_id": entities.take(pa.array(triples // (size * width))),
                     "grp": groups.take(pa.array((triples // width) % size)),
                     "block_key": coded.dictionary.take(pa.array(triples % width))})


def birth_keys(names: pa.Table, props: pa.Table, records: pa.Table | None = None) -> pa.Table:
    """(entity_id, grp, block_key): a person's birth date with the initials of each two name tokens
    (order-free), so two records whose names are both misspelt still meet when their birth dates
    agree. Two initials, not one: a date with one initial is shared by too many in a large case.
    The date alone is a key of every person in ``records`` (default: the named ones), so a record
    without a name meets its party's records by the date."""
    # (no distinct names first: the keys are made distinct per entity below); only people with a birth
    # date have such keys
    births = props.filter(pc.equal(props.column("prop_class"), "birth_date")).select(["entity_id", "value"])
    people = names.filter(pc.equal(names.column("grp"), PERSON_GROUP)).select(["entity_id", "grp", "norm"])
    persons = people.select(["entity_id"]) if records is None else \
        records.filter(pc.equal(records.column("grp"), PERSON_GROUP)).select(["entity_id"])
    # the three columns' entity ids numbered by one hash pass, for membership tests by number
    ids = pa.chunked_array([c for t in (births, people, persons) for c in t.column("entity_id").chunks],
                           births.schema.field("entity_id").type).combine_chunks().dictionary_encode("encode")
    id_of = np.split(ids.indices.to_numpy(), np.cumsum([births.num_rows, people.num_rows]))
    born_ids, person_ids = np.zeros(len(ids.dictionary), bool), np.zeros(len(ids.dictionary), bool)
    born_ids[id_of[0]], person_ids[id_of[2]] = True, True
    with_birth = born_ids[id_of[1]]
    people, people_id = people.filter(pa.array(with_birth)), id_of[1][with_birth]
    tokens = pc.utf8_split_whitespace(people.column("norm"))
    parent = pc.list_parent_indices(tokens).to_numpy().astype(np.int64)
    words = pc.list_flatten(tokens)
    # Each token's first letter, and its skeleton's (features.skeleton): a name written without short
    # vowels ("kbrl" for "Ekborol") starts with another letter; blocks of a date and two letters are small.
    initial = pc.utf8_slice_codeunits(words, 0, 1)
    kept = pc.not_equal(initial, "").to_numpy(zero_copy_only=False)
    parent, words, initial = parent[kept], words.filter(pa.array(kept)), initial.filter(pa.array(kept))
    distinct = pc.unique(words)
    consonant = pc.take(pa.array([(skeleton(w) or w)[:1] for w in distinct.to_pylist()], pa.string()),
                        pc.index_in(words, value_set=distinct))
    # Every two tokens of a name, in order: a name's tokens are consecutive rows, so the pairs are rows d
    # apart with one parent (no self-join); each pairs the first letter or the skeleton's of one with
    # the first letter or the skeleton's of the other. Letters and entities are numbered (letters in
    # sorted order, so the smaller number is the smaller letter), the (entity, letter, letter) codes
    # made distinct by one sort.
    letters = pc.unique(pa.concat_arrays([pc.unique(initial), pc.unique(consonant)])).sort()
    codes = [pc.index_in(x, value_set=letters).to_numpy().astype(np.int64) for x in (initial, consonant)]
    # entities numbered in order of first appearance among ``people`` (as dictionary_encode numbers them)
    present, first = np.unique(people_id, return_index=True)
    appearance = present[np.argsort(first, kind="stable")]
    number = np.full(len(ids.dictionary), -1, np.int64)
    number[appearance] = np.arange(len(appearance))
    entities, entity = ids.dictionary.take(pa.array(appearance)), number[people_id]
    width = max(len(letters), 1)
    coded = []
    for d in range(1, int(np.bincount(parent).max()) if len(parent) else 0):
        i = np.flatnonzero(parent[:-d] == parent[d:])
        for left in codes:
            for right in codes:
                a, b = left[i], right[i + d]
                coded.append((entity[parent[i]] * width + np.minimum(a, b)) * width + np.maximum(a, b))
    distinct_keys = sorted_distinct(np.concatenate(coded)) if coded else np.zeros(0, np.int64)
    # each (entity, letters) with each of the entity's birth dates: by the entities' numbers (the keys are
    # sorted by them), not a join of strings
    born = number[id_of[0]]
    by_entity = np.argsort(born, kind="stable")
    starts = np.searchsorted(born[by_entity], np.arange(len(entities) + 1))
    owner = distinct_keys // (width * width)
    counts = starts[owner + 1] - starts[owner]
    row = np.repeat(np.arange(len(distinct_keys)), counts)
    date_at = by_entity[np.repeat(starts[owner], counts) + np.arange(int(counts.sum()))
                        - np.repeat(np.cumsum(counts) - counts, counts)]
    low, high = (distinct_keys[row] // width) % width, distinct_keys[row] % width
    key = pc.binary_join_element_wise(pa.scalar("b"), births.column("value").take(pa.array(date_at, pa.int64())),
                                      pc.binary_join_element_wise(letters.take(pa.array(low)),
                                                                  letters.take(pa.array(high)), ""), ":")
    with_initials = pa.table({"entity_id": entities.take(pa.array(owner[row])),
                              "grp": pa.repeat(pa.scalar(PERSON_GROUP, pa.string()), len(row)), "block_key": key})
    # The date alone too, for records whose names were both replaced or misspelt: blocking drops it
    # where a date is shared by many (``blocking.DATE_BLOCK_SHARE``), as in any large population.
    alone = births.filter(pa.array(person_ids[id_of[0]]))
    date_key = pc.binary_join_element_wise(pa.scalar("d"), alone.column("value"), ":")
    dates = pa.table({"entity_id": alone.column("entity_id"),
                      "grp": pa.repeat(pa.scalar(PERSON_GROUP, pa.string()), alone.num_rows), "block_key": date_key})
    return pa.concat_tables([with_initials, dates.cast(with_initials.schema)])


def _known_records(parties: pa.Table, named: pa.Table, props: pa.Table) -> pa.Table:
    """(entity_id, grp) of the records with a name, and those without one but with evidence (blocked by
    identifiers and dates)."""
    known = pc.unique(pa.concat_arrays([named.column("entity_id").combine_chunks().cast(pa.string()),
                                        props.column("entity_id").combine_chunks().cast(pa.string())]))
    return parties.filter(pc.is_in(parties.column("entity_id"), value_set=known)).select(["entity_id", "grp"])


def extract_features(engine: Engine, statements: str = "statements", *, only_new: bool = False,
                     with_accounts: bool = True, keys_pending: bool = False,
                     with_props: Callable[[pa.Table], object] | None = None) -> Features:
    """``keys_pending``: return once names, evidence and records are ready, the birth and address keys
    still computing in threads (``Features.all_keys`` waits for them): the caller's engine work (it releases
    the GIL) runs beside them on the second core. ``with_props``: given the evidence while names are featurised."""
    names = engine.query(party_names_sql(statements, only_new))
    # Names are featurised in Python (one core) while the engine reads the records and evidence
    # and pyarrow normalises it (both release the GIL): on two cores they overlap.
    with ThreadPoolExecutor(1, thread_name_prefix="mt-features") as pool:
        featurised = pool.submit(named_forms, names)
        parties = engine.query(party_records_sql(statements, only_new))
        props = normalise_props(engine.query(party_props_sql(statements, only_new, with_accounts)))
        of_parties = pc.is_in(props.column("entity_id"), value_set=parties.column("entity_id").combine_chunks())
        props = props.filter(of_parties)
        if with_props is not None:
            with_props(props)
        named, keys = featurised.result()
    schema = pa.schema([named.schema.field("entity_id"), named.schema.field("grp"), ("block_key", pa.string())])
    # The records and keys are numpy sorts and pyarrow joins and groupings (they release the GIL): side by
    # side, and beside the caller's engine work (keys_pending), which stores the named rows meanwhile.
    pool = ThreadPoolExecutor(3, thread_name_prefix="mt-keys")
    records = pool.submit(_known_records, parties, named, props)

    def name_and_identifier_keys() -> pa.Table:
        name_keys = keys()
        return pa.concat_tables([name_keys, identifier_keys(records.result(), props).cast(name_keys.schema)])
    pending = (pool.submit(name_and_identifier_keys), pool.submit(lambda: birth_keys(named, props, records.result())),
               pool.submit(address_keys, named, props))
    pool.shutdown(wait=False)  # its threads end with their work
    features = Features(named, schema.empty_table(), props, records, pending)
    return features if keys_pending else Features(named, features.all_keys(), props, records)
