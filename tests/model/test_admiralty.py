from __future__ import annotations

import pytest

from moneytrail.model.admiralty import Grade, Wording, default_grade
from moneytrail.model.ids import account_key, statement_id


def test_parse_and_print() -> None:
    assert Grade.parse("b2") == Grade("B", 2)
    assert Grade.parse("C-3") == Grade("C", 3)
    assert str(Grade("A", 1)) == "A1"
    with pytest.raises(ValueError, match="not an Admiralty grade"):
        Grade.parse("B")
    with pytest.raises(ValueError, match="reliability"):
        Grade("G", 1)
    with pytest.raises(ValueError, match="credibility"):
        Grade("A", 7)


def test_weakest_link_takes_the_weaker_axis_each() -> None:
    assert Grade("B", 2).weakest(Grade("C", 1)) == Grade("C", 2)
    assert Grade("A", 1).weakest(Grade("A", 1)) == Grade("A", 1)


def test_strength_orders_reliability_first() -> None:
    assert Grade("B", 3).strength > Grade("C", 1).strength
    assert Grade("B", 1).strength > Grade("B", 2).strength


def test_wording_follows_the_scale() -> None:
    assert Grade("A", 1).wording is Wording.CONFIRMED
    assert Grade("B", 2).wording is Wording.PROBABLE
    assert Grade("C", 3).wording is Wording.POSSIBLE
    assert Grade("E", 5).wording is Wording.DOUBTFUL
    assert Grade("F", 6).wording is Wording.DOUBTFUL


def test_defaults_per_kind() -> None:
    assert default_grade("bank_record") == Grade("B", 2)
    assert default_grade("no-such-kind") == Grade("F", 6)


def test_ids_are_deterministic_text() -> None:
    assert account_key("00123", "8000A") == "00123:8000A"
    assert account_key(None, "7") == ":7"
    a = statement_id("e1", "Person", "name", "Ivan", "src")
    assert a == statement_id("e1", "Person", "name", "Ivan", "src")
    assert a != statement_id("e1", "Person", "name", "Iwan", "src")
