from __future__ import annotations

from moneytrail.evidence.mentions import NameIndex, find_amounts, find_countries, find_dates, find_mentions


def test_amounts_with_currencies() -> None:
    text = "They paid $12,500, then EUR 2.5 million, 300 dollars, 1 200 000 AED and 7 apples."
    found = {(m.text, m.amount, m.currency) for m in find_amounts(text)}
    assert ("$12,500", 12500.0, "USD") in found
    assert ("EUR 2.5 million", 2_500_000.0, "EUR") in found
    assert ("300 dollars", 300.0, "USD") in found
    assert ("1 200 000 AED", 1_200_000.0, "AED") in found
    assert not any("apples" in t for t, _, _ in found)
    for m in find_amounts(text):
        assert text[m.start:m.end] == m.text


def test_dates_in_three_spellings() -> None:
    text = "On 4 March 2021, again March 5, 2021 and 2021-03-06; not 31 February 2021."
    assert [m.value for m in find_dates(text)] == ["2021-03-04", "2021-03-05", "2021-03-06"]


def test_countries_are_proper_nouns() -> None:
    text = "From Syria via Turkey to the United Arab Emirates; roast turkey is not a country."
    assert [m.value for m in find_countries(text)] == ["sy", "tr", "ae"]


def test_entities_across_scripts_with_positions() -> None:
    index = NameIndex([("e1", "Company", "Zephyrine Trading LLC"), ("e1", "Company", "Зефирин Трейдинг"),
                       ("e2", "Person", "Дмитро Коваленко"), ("e3", "Company", "Kestrel Depot")])
    text = "Dmytro Kovalenko met Зефирин Трейдинг staff; Zephyrine Trading LLC paid. Nobody named Kestrel here."
    found = [m for m in find_mentions(text, index) if m.kind == "entity"]
    assert [(m.entity_id, m.text) for m in found] == [
        ("e2", "Dmytro Kovalenko"), ("e1", "Зефирин Трейдинг"), ("e1", "Zephyrine Trading LLC")]
    for m in found:
        assert text[m.start:m.end] == m.text and m.score >= 0.88


def test_best_match_of_a_whole_name() -> None:
    index = NameIndex([("e1", "Organization", "Vostok Amber Group"), ("e2", "Organization", "Vostok Amber Fund")])
    assert index.best_match("Vostok Amber Group") == ("e1", 1.0)
    assert index.best_match("Completely Different Name") is None


def test_arabic_script_mention_of_a_latin_name() -> None:
    index = NameIndex([("g1", "Organization", "Liwa al-Wadi al-Akhdar")])
    text = "بيان: لواء الوادي الأخضر ينفي التهم"
    found = [m for m in find_mentions(text, index) if m.kind == "entity"]
    assert [(m.entity_id, m.text) for m in found] == [("g1", "لواء الوادي الأخضر")]
