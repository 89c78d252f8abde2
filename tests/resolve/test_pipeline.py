from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence

import pyarrow as pa

from moneytrail.resolve.attach import alone_sql, compared_below_sql, facing_sql, lone_edges_sql
from moneytrail.resolve.cluster_params import ClusterParams
from moneytrail.resolve.explain import explain_pair, explain_pairs
from moneytrail.resolve.judgements import record_judgement, uncertain_pairs
from moneytrail.resolve.model import INITIAL_LEVEL, NEAR_IDENTICAL_LEVEL
from moneytrail.resolve.pipeline import edge_pairs_sql, latest_cluster_params, recluster, resolve_case
from moneytrail.store import Case
from moneytrail.store.entities import account_holders_sql

AddStatements = Callable[[Case, Iterable[tuple[str, str, str, str, str]]], None]


def canonical(case: Case) -> dict[str, str]:
    return {str(a): str(b) for a, b in case.engine.rows("SELECT entity_id, canonical_id FROM entity_canonical")}


def case_model_id(case: Case) -> str:
    return str(case.engine.scalar("SELECT DISTINCT model_id FROM resolve_pairs"))


def same(case: Case, a: str, b: str) -> bool:
    mapping = canonical(case)
    return mapping.get(a, a) == mapping.get(b, b)


def test_cross_script_records_merge_and_namesakes_stay_apart(people_case: Case) -> None:
    result = resolve_case(people_case)
    assert result.mode == "full" and result.new_entities == 9
    assert same(people_case, "bank-1", "reg-1")  # Cyrillic vs Latin, reordered, same birth date
    assert same(people_case, "bank-3", "reg-3")  # Arabic vs Latin, same passport
    assert same(people_case, "bank-5", "reg-5")  # ООО vs Ltd, same registration number
    assert not same(people_case, "bank-1", "reg-2")  # other first name, other birth date
    assert not same(people_case, "reg-5", "reg-6")


def test_identifiers_that_contradict_names_keep_records_apart(people_case: Case) -> None:
    resolve_case(people_case)
    # reg-3 and reg-4 have the same name, but their passports differ.
    assert not same(people_case, "reg-3", "reg-4")
    stored = people_case.engine.rows("SELECT * FROM resolve_pairs WHERE left_id = 'reg-3' AND right_id = 'reg-4'")
    # Scored below the review threshold; kept only as negative evidence for clustering (same
    # name, contradicting passports), so no chain through other records can join them.
    assert [row[6] for row in stored] == ["distinct"]


def test_every_match_explains_values_rules_and_weights(people_case: Case) -> None:
    resolve_case(people_case)
    row = people_case.engine.rows(
        "SELECT explanation, weight FROM resolve_pairs WHERE left_id = 'bank-1' AND right_id = 'reg-1'")[0]
    assert row[0] is None  # stored as levels; the explanation is built when asked for
    explanation = explain_pair(people_case, "bank-1", "reg-1")
    assert explanation is not None
    by_signal = {s["signal"]: s for s in explanation["signals"]}
    assert by_signal["name"]["left"] == "Oleh Dmytrenko" and by_signal["name"]["right"] == "Дмитренко Олег"
    assert "transliteration" in by_signal["name"]["detail"]
    assert by_signal["birth_date"]["rule"] == "birth date equal" and by_signal["birth_date"]["weight"] > 0
    # The waterfall adds up (each contribution is rounded to 3 decimals in the JSON).
    assert abs(explanation["prior"] + sum(s["weight"] for s in explanation["signals"]) - row[1]) < 0.01
    assert explanation["model"] == case_model_id(people_case)


def test_negative_judgement_splits_and_survives_rerun(people_case: Case) -> None:
    resolve_case(people_case)
    assert same(people_case, "bank-1", "reg-1")
    record_judgement(people_case, "reg-1", "bank-1", "negative")
    recluster(people_case)
    assert not same(people_case, "bank-1", "reg-1")
    resolve_case(people_case, full=True)
    assert not same(people_case, "bank-1", "reg-1")


def test_positive_judgement_merges_and_survives_rerun(people_case: Case) -> None:
    resolve_case(people_case)
    assert not same(people_case, "reg-3", "reg-4")
    record_judgement(people_case, "reg-3", "reg-4", "positive")
    resolve_case(people_case, full=True)
    assert same(people_case, "reg-3", "reg-4")
    # The model's contradiction (bank-3's passport differs from reg-4's) gives way to a third record
    # that vouches for both beyond their names: reg-3 shares bank-3's passport (more support than the
    # contradiction weighs), and the analyst says reg-3 is reg-4. So bank-3 joins the judged cluster.
    scored = {(str(a), str(b)): (float(w), float(s)) for a, b, w, s in people_case.engine.rows(
        "SELECT left_id, right_id, weight, support FROM resolve_pairs WHERE left_id = 'bank-3'")}
    assert scored[("bank-3", "reg-4")][0] < 0 < scored[("bank-3", "reg-4")][0] + scored[("bank-3", "reg-3")][1]
    assert same(people_case, "bank-3", "reg-4")
    # An analyst's "not the same" is never outweighed; the positive judgement still holds.
    record_judgement(people_case, "bank-3", "reg-4", "negative")
    recluster(people_case)
    assert not same(people_case, "bank-3", "reg-4") and same(people_case, "reg-3", "reg-4")


def test_clustering_parameters_are_recorded_with_the_run_and_reused_when_reclustering(people_case: Case) -> None:
    chosen = ClusterParams(rebuild_margin=1.5, attach_min_weight=-0.25, attach_skip_levels=(NEAR_IDENTICAL_LEVEL,))
    resolve_case(people_case, cluster=chosen)
    recorded = json.loads(str(people_case.engine.scalar(
        "SELECT params FROM resolve_runs ORDER BY started_at DESC LIMIT 1")))
    assert recorded["rebuild_margin"] == 1.5 and recorded["attach_skip_levels"] == [NEAR_IDENTICAL_LEVEL]
    assert latest_cluster_params(people_case) == chosen != ClusterParams()


def test_uncertain_pairs_leave_review_once_judged(case: Case, add_rows: AddStatements) -> None:
    add_rows(case, [("a", "Person", "name", "Oleh Dmytrenko", "s1"),
                          ("b", "Person", "name", "Oleg Dmitrenko", "s2")])
    resolve_case(case)
    pairs = uncertain_pairs(case)
    assert [(p["left_id"], p["right_id"]) for p in pairs] == [("a", "b")]
    assert not same(case, "a", "b")
    record_judgement(case, "a", "b", "unsure")
    assert uncertain_pairs(case) == []
    assert len(uncertain_pairs(case, include_unsure=True)) == 1


def test_incremental_run_compares_only_new_records(people_case: Case, add_rows: AddStatements) -> None:
    first = resolve_case(people_case)
    canonical_before = canonical(people_case)["reg-1"]
    add_rows(people_case, [("docs-1", "Person", "name", "Dmitrenko, Oleg", "docs"),
                                 ("docs-1", "Person", "birthDate", "1980-04-12", "docs")])
    second = resolve_case(people_case)
    assert second.mode == "incremental" and second.new_entities == 1
    assert second.candidate_pairs < first.candidate_pairs + 3  # only pairs touching docs-1
    new_pairs = people_case.engine.rows("SELECT left_id, right_id FROM resolve_pairs WHERE run_id = ?",
                                        [second.run_id])
    assert new_pairs and all("docs-1" in pair for pair in new_pairs)
    # The newcomer joins the existing cluster, which keeps its canonical id.
    assert canonical(people_case)["docs-1"] == canonical_before == canonical(people_case)["bank-1"]
    third = resolve_case(people_case)
    assert third.new_entities == 0 and third.candidate_pairs == 0


def test_resolved_accounts_become_one_node(people_case: Case) -> None:
    people_case.engine.execute("INSERT INTO accounts (account_key, account_id, holder_entity_id) VALUES "
                               "('b1:1', '1', 'bank-1'), ('r1:2', '2', 'reg-1')")
    resolve_case(people_case)
    holders = dict(people_case.engine.rows(account_holders_sql()))
    assert holders["b1:1"] == holders["r1:2"]


def test_shared_iban_from_accounts_links_records(case: Case, add_rows: AddStatements) -> None:
    add_rows(case, [("a", "Person", "name", "Selim Karavan", "s1"),
                          ("b", "Person", "name", "S. Karavan", "s2")])
    case.engine.execute("INSERT INTO accounts (account_key, account_id, holder_entity_id, iban) VALUES "
                        "('x:1', '1', 'a', 'DE89 3704 0044 0532 0130 00'), ('y:1', '1', 'b', 'DE89370400440532013000')")
    resolve_case(case)
    stored = case.engine.rows("SELECT left_id, right_id FROM resolve_pairs")
    explanation = next(iter(explain_pairs(case, stored).values()))
    identifier = next(s for s in explanation["signals"] if s["signal"] == "identifier")
    assert identifier["rule"] == "identifier equal" and identifier["detail"] == "iban" and identifier["weight"] > 9
    assert identifier["left"] == identifier["right"] == "DE89370400440532013000"
    assert same(case, "a", "b")


def test_explanation_json_survives_quotes_and_backslashes(case: Case, add_rows: AddStatements) -> None:
    add_rows(case, [("a", "Person", "name", 'Oleh "Olek" Dmytrenko\\', "s1"),
                          ("b", "Person", "name", 'Oleh "Olek" Dmytrenko\\', "s2")])
    resolve_case(case)
    explanation = explain_pair(case, "a", "b")
    assert explanation is not None and explanation["signals"][0]["left"] == 'Oleh "Olek" Dmytrenko\\'


def test_person_with_only_a_last_name_is_resolved(case: Case, add_rows: AddStatements) -> None:
    add_rows(case, [("a", "Person", "lastName", "Quillander", "s1"), ("a", "Person", "birthDate", "1971-02-03", "s1"),
                    ("b", "Person", "lastName", "Quillander", "s2"), ("b", "Person", "birthDate", "1971-02-03", "s2")])
    resolve_case(case)
    assert same(case, "a", "b")


def test_identifier_typo_is_weak_evidence_and_contradiction_is_not_decisive(
        case: Case, add_rows: AddStatements) -> None:
    rows = [("a", "Tomas Wrenfield", "1962-09-15", "4588807"), ("b", "Tomas Wrenfield", "1962-09-15", "4588087"),
            ("c", "Tomas Wrenfield", "1962-09-15", "9271844"), ("d", "Tomas Wrenfield", "1977-01-30", "3101161")]
    add_rows(case, [r for e, n, d, i in rows for r in (
        (e, "Person", "name", n, "s1"), (e, "Person", "birthDate", d, "s1"), (e, "Person", "idNumber", i, "s1"))])
    resolve_case(case)
    signals = {s["rule"]: s["weight"] for s in explain_pairs(case, [("a", "b")])[("a", "b")]["signals"]}
    assert signals["identifier differs by two characters (transposition?)"] > 0
    assert same(case, "a", "b")
    # Same name and birth date against a contradicting id: left for review, not merged.
    decision = case.engine.scalar("SELECT decision FROM resolve_pairs WHERE left_id = 'a' AND right_id = 'c'")
    assert decision == "review"
    # A namesake with another birth date and another id stays apart.
    assert not same(case, "a", "d") and not same(case, "c", "d")


def test_misspelt_longest_token_still_meets_through_birth_date(case: Case, add_rows: AddStatements) -> None:
    add_rows(case, [("a", "Person", "name", "Cathwrine Graue", "s1"), ("a", "Person", "birthDate", "1907-09-17", "s1"),
                    ("b", "Person", "name", "Catherine Graue", "s2"), ("b", "Person", "birthDate", "1907-09-17", "s2")])
    resolve_case(case)
    assert same(case, "a", "b")


def test_a_record_without_a_name_is_resolved_by_its_evidence(case: Case, add_rows: AddStatements) -> None:
    # "n" has no name (a source left it out), but the passport and birth date of "a" and "b"; "x" has
    # neither name nor evidence (nothing to resolve it by), "m" has no name and a birth date only.
    add_rows(case, [(e, "Person", p, v, "s1") for e, p, v in (
        ("a", "name", "Tomas Wrenfield"), ("a", "birthDate", "1962-09-15"), ("a", "passportNumber", "K4588807"),
        ("b", "name", "Wrenfield Tomas"), ("b", "birthDate", "1962-09-15"), ("b", "passportNumber", "K4588807"),
        ("n", "birthDate", "1962-09-15"), ("n", "passportNumber", "K4588807"), ("x", "country", ""),
        ("m", "birthDate", "1962-09-15"))])
    result = resolve_case(case)
    assert same(case, "a", "n") and same(case, "b", "n")
    # A shared birth date alone is not enough to put an unnamed record in a party.
    assert not same(case, "a", "m")
    records = {str(r[0]) for r in case.engine.rows("SELECT entity_id FROM resolve_records")}
    assert {"a", "b", "n", "m"} <= records and "x" not in records and result.entities == len(records)
    signals = explain_pairs(case, [("a", "n")])[("a", "n")]["signals"]
    assert signals[0]["rule"] == "a record has no name: evidence alone" and signals[0]["weight"] == 0


def test_addresses_are_graded_by_the_words_they_share(case: Case, add_rows: AddStatements) -> None:
    # One name, one birth date; the addresses: one word misspelt, half the words shared, none shared.
    rows = [("a", "12 Wagga Street Port Broughton 3977"), ("b", "12 Wagga Streeet Port Broughton 3977"),
            ("c", "12 Hunter Close Port Broughton 2290"), ("d", "7 Kingsmill Avenue Greenacre 5106")]
    add_rows(case, [r for e, address in rows for r in (
        (e, "Person", "name", "Tomas Wrenfield", "s1"), (e, "Person", "birthDate", "1962-09-15", "s1"),
        (e, "Person", "address", address, "s1"))])
    resolve_case(case)

    def address_rule(left: str, right: str) -> tuple[str, float]:
        signals = explain_pairs(case, [(left, right)])[(left, right)]["signals"]
        found = [(s["rule"], s["weight"]) for s in signals if s["signal"] == "address"]
        return found[0]

    nearly, half, none = address_rule("a", "b"), address_rule("a", "c"), address_rule("a", "d")
    assert (nearly[0], half[0], none[0]) == ("address nearly equal", "addresses share half their words",
                                             "addresses share no word")
    assert nearly[1] > half[1] > 0 > none[1]


def _stored(case: Case, names: dict[str, str], pairs: list[tuple[str, str, float, str, int]],
            keys: Sequence[tuple[str, str]] = ()) -> None:
    """Records with their names, stored pairs (left, right, weight, decision, person-name level) and keys."""
    engine = case.engine
    for entity, name in names.items():
        engine.execute("INSERT INTO resolve_records (entity_id, grp, run_id) VALUES (?, 'person', 'r')", [entity])
        engine.execute("INSERT INTO resolve_names (entity_id, grp, name, norm, nkey, skey) "
                       "VALUES (?, 'person', ?, ?, ?, ?)", [entity, name, name, name, name])
    for left, right, weight, decision, level in pairs:
        engine.execute("INSERT INTO resolve_pairs (left_id, right_id, grp, name_score, weight, probability, decision, "
                       "left_name, right_name, explanation, support, person_name, run_id) "
                       "VALUES (?, ?, 'person', 0.9, ?, ?, ?, ?, ?, '{}', 0.0, ?, 'r')",
                       [left, right, weight, 1 / (1 + 2 ** -weight), decision, names[left], names[right], level])
    for entity, key in keys:
        engine.execute("INSERT INTO resolve_keys (entity_id, grp, block_key) VALUES (?, 'person', ?)", [entity, key])


def test_records_the_bridges_leave_alone_are_read_by_attach_as_records_in_no_pair_are() -> None:
    # "t peborim" matches a1 (cluster A) and b1 (cluster B) at the initial level, within the bridges' margin:
    # both pairs are dropped and it is alone, its best target A with B its rival. "lone" was never matched:
    # its best target is A too, and its only rival the record t: a record alone whose own best target is A,
    # so no rival (resolve.attach). recluster reads the records in no matched pair before the bridges and the
    # ones they leave alone after: without t's pairs, t would rival A and lone would stay alone.
    names = {"a1": "tinmi peborim", "a2": "tinmi peborim", "b1": "teka peborim", "b2": "teka peborim",
             "t": "t peborim", "lone": "tinmi peborima"}
    with Case.in_memory() as case:
        _stored(case, names, [
            ("a1", "a2", 9.0, "match", 0), ("b1", "b2", 9.0, "match", 0),
            ("a1", "t", 3.0, "match", INITIAL_LEVEL), ("b1", "t", 2.5, "match", INITIAL_LEVEL),
            ("a2", "lone", 1.5, "review", 1), ("lone", "t", 1.0, "review", 1)])
        recluster(case, params=ClusterParams(fragment_levels=()))
        placed = canonical(case)
    assert placed == {"a1": "a1", "a2": "a1", "lone": "a1", "b1": "b1", "b2": "b1"}


def test_members_compared_below_review_are_found_in_the_lone_records_own_pairs() -> None:
    # recluster reads "no stored pair" for a record alone in its own pairs (attach.lone_edges_sql, both ways)
    # rather than in every stored pair: the same members, whichever side the record's stored pair has it on
    names = {"a1": "tinmi peborim", "a2": "tinmi peborim", "a3": "tinmi peborim", "left": "tinmi peborin",
             "right": "tinmi peborin"}
    with Case.in_memory() as case:
        _stored(case, names, [("a1", "a2", 9.0, "match", 0), ("a2", "a3", 9.0, "match", 0),
                              ("a1", "left", 1.0, "review", 1), ("right", "a2", 1.0, "review", 1)],
                [(entity, "p:x") for entity in names])
        engine = case.engine
        with engine.run() as run:
            groups = run.arrow(pa.table({"entity_id": ["a1", "a2", "a3"], "component": [0, 0, 0]}), hint="g").name
            alone = run.materialise(alone_sql(groups), hint="alone").name
            edges = run.materialise(lone_edges_sql(alone), hint="edges").name
            found = [sorted(engine.rows(compared_below_sql(f"({facing_sql(edges, alone)}) facing", pairs=pairs,
                                                           within=(edges, groups))))
                     for pairs in ("resolve_pairs", edge_pairs_sql(edges))]
    assert found[0] == found[1] == [("left", "a2"), ("left", "a3"), ("right", "a1"), ("right", "a3")]
