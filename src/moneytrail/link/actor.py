"""Who an actor is in the case: its names, the events it took part in, its entities and accounts.

An armed group appears as text in event data (ACLED's actor1/assoc_actor_1/...) and as an
Organization entity (sanctions list, bank KYC) whose members (FtM Membership) hold bank accounts.
Names are matched across scripts with the resolution stage's name similarity.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pyarrow as pa

from moneytrail.model.names import name_similarity
from moneytrail.store.case import Case
from moneytrail.store.entities import account_holders_sql, entity_names_sql

PERPETRATOR_COLUMNS = ("actor1", "assoc_actor_1")
ALL_ACTOR_COLUMNS = ("actor1", "assoc_actor_1", "actor2", "assoc_actor_2")
GROUP_SCHEMATA = ("Organization", "LegalEntity", "Company")


@dataclass
class ActorProfile:
    query: str
    names: list[str]
    entity_ids: list[str] = field(default_factory=list)  # the group's own entities
    member_ids: list[str] = field(default_factory=list)  # people and firms linked by Membership
    event_labels: list[str] = field(default_factory=list)  # raw actor values in events
    accounts: list[str] = field(default_factory=list)


def label_parts(label: str) -> list[str]:
    """The names in an event's actor field: ACLED packs several actors into one field separated by
    semicolons, and writes "Name (Other name)" or "Name (Country)"; each part is tried alone."""
    parts: list[str] = []
    for piece in (p.strip() for p in label.split(";")):
        if not piece:
            continue
        parts.append(piece)
        outside = re.sub(r"\([^)]*\)", " ", piece).strip()
        parts.extend([outside] if outside and outside != piece else [])
        parts.extend(inner.strip() for inner in re.findall(r"\(([^)]*)\)", piece) if inner.strip())
    return parts


def _matches(label: str, names: list[str], threshold: float) -> bool:
    parts = label_parts(label)
    return any(name_similarity(part, name, "Organization") >= threshold for part in parts for name in names)


def group_entities(case: Case, names: list[str], threshold: float) -> list[str]:
    placeholders = ", ".join("?" for _ in GROUP_SCHEMATA)
    rows = case.engine.rows(f"SELECT DISTINCT entity_id, name FROM ({entity_names_sql()}) n "
                            f"WHERE schema IN ({placeholders}) ORDER BY 1, 2", list(GROUP_SCHEMATA))
    return sorted({str(eid) for eid, name in rows
                   if any(name_similarity(str(name), q, "Organization") >= threshold for q in names)})


def members_sql(placeholders: str) -> str:
    """Members of the given organisations through FtM Membership statements."""
    return ("SELECT DISTINCT m.value AS member_id FROM statements m JOIN statements o "
            "ON o.entity_id = m.entity_id AND o.prop = 'organization' AND o.schema = 'Membership' "
            f"WHERE m.schema = 'Membership' AND m.prop = 'member' AND o.value IN ({placeholders})")


def resolve_actor(case: Case, actor: str, *, threshold: float = 0.9,
                  columns: tuple[str, ...] = PERPETRATOR_COLUMNS) -> ActorProfile:
    """Find the actor's entities (and all their names), members, accounts and event labels."""
    e = case.engine
    profile = ActorProfile(query=actor, names=[actor])
    profile.entity_ids = group_entities(case, [actor], threshold)
    if profile.entity_ids:
        ph = ", ".join("?" for _ in profile.entity_ids)
        known = e.rows(f"SELECT DISTINCT name FROM ({entity_names_sql()}) n WHERE entity_id IN ({ph}) ORDER BY 1",
                       profile.entity_ids)
        profile.names = sorted({actor, *(str(r[0]) for r in known)})
        # Canonical ids, so members and accounts stated under a duplicate of the group count too.
        canon = e.rows(f"SELECT entity_id FROM entity_canonical WHERE canonical_id IN (SELECT canonical_id "
                       f"FROM entity_canonical WHERE entity_id IN ({ph}))", profile.entity_ids)
        group_ids = sorted(set(profile.entity_ids) | {str(r[0]) for r in canon})
        ph = ", ".join("?" for _ in group_ids)
        profile.member_ids = sorted(str(r[0]) for r in e.rows(members_sql(ph), group_ids))
    label_sql = " UNION ".join(f"SELECT {c} AS label FROM events WHERE {c} IS NOT NULL" for c in columns)
    labels = [str(r[0]) for r in e.rows(f"SELECT DISTINCT label FROM ({label_sql}) l ORDER BY 1")]
    profile.event_labels = [label for label in labels if _matches(label, profile.names, threshold)]
    holders = sorted(set(profile.entity_ids) | set(profile.member_ids))
    if holders:
        with e.run() as run:
            given = run.arrow(pa.table({"entity_id": holders}), hint="actor_holders").name
            rows = e.rows(
                f"SELECT DISTINCT h.account_key FROM ({account_holders_sql()}) h WHERE h.entity_id IN "
                f"(SELECT entity_id FROM {given}) OR h.entity_id IN (SELECT coalesce(c.canonical_id, a.entity_id) "
                f"FROM {given} a LEFT JOIN entity_canonical c ON c.entity_id = a.entity_id) ORDER BY 1")
        profile.accounts = [str(r[0]) for r in rows]
    return profile


def actor_events_sql(columns: tuple[str, ...], labels: str = "_actor_labels") -> str:
    """Events whose actor columns hold one of the labels in the relation ``labels``."""
    cond = " OR ".join(f"e.{c} IN (SELECT label FROM {labels})" for c in columns)
    return ("SELECT e.event_id, e.event_date, coalesce(e.fatalities, 0) + coalesce(e.wounded, 0) AS casualties, "
            f"e.source_id FROM events e WHERE e.event_date IS NOT NULL AND ({cond}) ORDER BY e.event_date, e.event_id")


def actor_payments_sql(accounts: str = "_actor_accounts") -> str:
    """Payments into the actor's accounts (the relation ``accounts``) from outside them, in reporting currency."""
    return ("SELECT t.txn_id, t.ts, coalesce(t.amount_rc, t.amount) AS value, t.to_account, t.from_account, "
            f"t.source_id FROM transactions t WHERE t.to_account IN (SELECT account_key FROM {accounts}) "
            f"AND t.from_account NOT IN (SELECT account_key FROM {accounts}) "
            "AND coalesce(t.amount_rc, t.amount) > 0 ORDER BY t.ts, t.txn_id")
