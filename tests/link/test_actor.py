from __future__ import annotations

from moneytrail.link.actor import label_parts, resolve_actor
from moneytrail.store import Case


def test_label_parts_split_acled_fields() -> None:
    assert label_parts("Kataib al-Sakhra (Black Rock Brigades); Militia (Afghanistan)") == [
        "Kataib al-Sakhra (Black Rock Brigades)", "Kataib al-Sakhra", "Black Rock Brigades",
        "Militia (Afghanistan)", "Militia", "Afghanistan"]


def test_actor_found_by_alias_with_members_and_accounts(link_case: Case) -> None:
    profile = resolve_actor(link_case, "Фронт Кестрел Ридж")
    assert profile.entity_ids == ["org-paid"]
    assert "Kestrel Ridge Front" in profile.names
    assert profile.member_ids == ["m1", "m2"]
    assert profile.accounts == ["bk:m1", "bk:m2"]  # held under the bank's ids, found through resolution
    assert profile.event_labels == ["Kestrel Ridge Front (KRF)"]


def test_unknown_actor_has_nothing(link_case: Case) -> None:
    profile = resolve_actor(link_case, "Nonexistent Lantern Society")
    assert (profile.entity_ids, profile.accounts, profile.event_labels) == ([], [], [])
