"""FtM entities as three sources know them: the company registry, the banks' KYC and a sanctions list.

Built and validated with followthemoney's model (unknown properties or bad values raise), written
as JSON lines sorted by id so the same seed gives the same bytes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from followthemoney import model

from moneytrail.generate.accounts import Accounts, Kind
from moneytrail.generate.cast import (
    BROKER_OWNERS,
    BROKERS,
    COMMANDERS,
    CONFUSABLES,
    CONTROL_COMMANDERS,
    CONTROL_GROUP,
    FRONT,
    GROUP,
    NOMINEE,
    OFFICER,
    SPONSOR,
    Party,
)
from moneytrail.generate.network import entity_id
from moneytrail.model.ids import stable_id


def _entity(schema: str, eid: str, props: dict[str, Any]) -> dict[str, Any]:
    entity = model.make_entity(schema)
    entity.id = eid
    for prop, value in props.items():
        for v in value if isinstance(value, list | tuple) else [value]:
            if v in ("", None):
                continue
            before = len(entity.get(prop))
            entity.add(prop, v)
            if len(entity.get(prop)) == before:
                raise ValueError(f"FtM rejected {schema}.{prop} = {v!r} for {eid}")
    data: dict[str, Any] = entity.to_dict()
    return data


def _party(source: str, party: Party, aliases: bool = False) -> dict[str, Any]:
    props: dict[str, Any] = {"name": party.names[source], "country": party.country}
    if party.schema == "Person" and party.birth_date:
        props["birthDate"] = party.birth_date
    if party.schema == "Company" and party.registration:
        props["registrationNumber"] = party.registration
        props["jurisdiction"] = party.country
    if aliases:
        props["alias"] = list(party.aliases)
    if "sector" in party.extra:
        props["sector"] = party.extra["sector"]
    return _entity(party.schema, entity_id(source, party.key), props)


def registry_entities() -> list[dict[str, Any]]:
    people = (OFFICER, NOMINEE, *BROKER_OWNERS)
    firms = (FRONT, *BROKERS, CONFUSABLES[1][1])
    out = [_party("registry", p) for p in (*people, *firms)]
    links = [("Directorship", NOMINEE, FRONT), ("Ownership", OFFICER, FRONT)]
    links += [("Ownership", owner, broker) for owner, broker in zip(BROKER_OWNERS, BROKERS, strict=True)]
    links += [("Directorship", owner, broker) for owner, broker in zip(BROKER_OWNERS, BROKERS, strict=True)]
    for schema, person, firm in links:
        ends = ("director", "organization") if schema == "Directorship" else ("owner", "asset")
        out.append(_entity(schema, entity_id("registry", f"{schema}:{person.key}:{firm.key}"), {
            ends[0]: entity_id("registry", person.key), ends[1]: entity_id("registry", firm.key),
            "startDate": "2017-05-01"}))
    return out


# How a registry spells the legal forms that bank records abbreviate.
REGISTRY_FORMS = {"Ltd": "LIMITED", "LLC": "LIMITED LIABILITY COMPANY", "SARL": "S.A.R.L.", "BV": "B.V.",
                  "AG": "AKTIENGESELLSCHAFT", "PLC": "PUBLIC LIMITED COMPANY", "FZE": "F.Z.E.",
                  "A.Ş.": "ANONİM ŞİRKETİ", "OOO": "ООО", "GmbH": "GMBH"}


def registry_copies(accounts: Accounts, limit: int = 300) -> tuple[list[dict[str, Any]], list[list[str]]]:
    """Background companies as a registry records them: upper case, legal form spelled out (``OOO``
    becomes Cyrillic ``ООО``), with a registration number. Returns the entities and the identity pairs."""
    out: list[dict[str, Any]] = []
    pairs: list[list[str]] = []
    for i, kind in enumerate(accounts.kind):
        if len(out) >= limit:
            break
        if kind != Kind.COMPANY or i % 5:
            continue
        *stem, form = accounts.holder_name[i].split(" ")
        eid = entity_id("registry", accounts.holder[i])
        number = str(int(stable_id("regno", accounts.holder[i], length=12), 16))[:9]
        out.append(_entity("Company", eid, {"name": " ".join(stem).upper() + " " + REGISTRY_FORMS.get(form, form),
                                            "jurisdiction": accounts.country[i], "registrationNumber": number}))
        pairs.append([eid, accounts.holder[i]])
    return out, pairs


def kyc_entities(accounts: Accounts) -> list[dict[str, Any]]:
    """Every account holder as the bank knows them; named parties also get a BankAccount."""
    out: list[dict[str, Any]] = []
    named = {p.key: p for p in (SPONSOR, OFFICER, FRONT, NOMINEE, *BROKERS, *BROKER_OWNERS, *COMMANDERS,
                                *CONTROL_COMMANDERS, *(b for _, b in CONFUSABLES))}
    by_holder = {entity_id("kyc", key): party for key, party in named.items()}
    seen: dict[str, None] = {}
    checked: dict[str, None] = {}
    schemas = {Kind.INDIVIDUAL: "Person", Kind.COMPANY: "Company", Kind.MERCHANT: "Company",
               Kind.LENDER: "Organization", Kind.CASH_DESK: "Organization"}
    for i, holder in enumerate(accounts.holder):
        if holder in seen:
            continue
        seen[holder] = None
        party = by_holder.get(holder)
        if party is not None:
            out.append(_party("kyc", party))
            out.append(_entity("BankAccount", entity_id("kyc", f"account:{party.key}"), {
                "accountNumber": accounts.account_id[i], "iban": accounts.iban[i], "bankName": accounts.bank_id[i],
                "country": accounts.country[i], "currency": accounts.currency[i]}))
            out.append(_entity("Ownership", entity_id("kyc", f"holds:{party.key}"), {
                "owner": holder, "asset": entity_id("kyc", f"account:{party.key}")}))
        else:
            # Background holders are plain records (FtM per entity would dominate large runs); the first
            # of each schema goes through FtM so a format drift still fails loudly.
            schema = schemas[Kind(accounts.kind[i])]
            props: dict[str, list[str]] = {"country": [accounts.country[i]], "name": [accounts.holder_name[i]]}
            if i in accounts.birth_date:
                props = {"birthDate": [accounts.birth_date[i]], **props}
            record = {"id": holder, "schema": schema, "properties": props}
            if schema not in checked:
                checked[schema] = None
                built = _entity(schema, holder, {k: v[0] for k, v in props.items()})
                if built != record:
                    raise ValueError(f"FtM builds {built}, the fast path wrote {record}")
            out.append(record)
    return out


def sanctions_entities() -> list[dict[str, Any]]:
    listed = (SPONSOR, OFFICER, FRONT, BROKERS[0], BROKER_OWNERS[0], GROUP, CONTROL_GROUP, *COMMANDERS,
              *CONTROL_COMMANDERS)
    out = [_party("sanctions", p, aliases=True) for p in listed]
    for p in listed:
        out.append(_entity("Sanction", entity_id("sanctions", f"sanction:{p.key}"), {
            "entity": entity_id("sanctions", p.key), "authority": "Council for Financial Integrity (fictional)",
            "program": "Armed-group financing", "startDate": "2023-02-15"}))
    for c, group in [(c, GROUP) for c in COMMANDERS] + [(c, CONTROL_GROUP) for c in CONTROL_COMMANDERS]:
        out.append(_entity("Membership", entity_id("sanctions", f"member:{c.key}"), {
            "member": entity_id("sanctions", c.key), "organization": entity_id("sanctions", group.key),
            "role": "cell commander"}))
    out.append(_entity("Membership", entity_id("sanctions", "member:officer"), {
        "member": entity_id("sanctions", OFFICER.key), "organization": entity_id("sanctions", SPONSOR.key),
        "role": "officer"}))
    return out


def identity_clusters() -> list[list[str]]:
    """Entity ids that are the same real-world party, across registry, KYC and sanctions."""
    clusters = []
    namesakes = tuple(b for _, b in CONFUSABLES)
    for party in (SPONSOR, OFFICER, FRONT, NOMINEE, *BROKERS, *BROKER_OWNERS, *COMMANDERS, *CONTROL_COMMANDERS,
                  *namesakes):
        ids = [entity_id(source, party.key) for source in ("registry", "kyc", "sanctions") if source in party.names]
        if len(ids) > 1:
            clusters.append(ids)
    return clusters


def confusable_pairs() -> list[list[str]]:
    out = []
    for real, namesake in CONFUSABLES:
        source = "kyc" if "kyc" in namesake.names else "registry"
        out.append([entity_id(source, real.key), entity_id(source, namesake.key)])
    return out


def write_jsonl(path: Path, entities: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for e in sorted(entities, key=lambda x: str(x["id"])):
            fh.write(json.dumps(e, ensure_ascii=False, sort_keys=True) + "\n")
