"""Resolution on real third-party FtM data: a slice of nomenklatura's donations fixture (German
party donations; tests/data/resolve/README.md)."""

from __future__ import annotations

import json
from pathlib import Path

from moneytrail.ingest.entities import ingest_entities
from moneytrail.resolve.pipeline import resolve_case
from moneytrail.store import Case

SLICE = Path(__file__).parents[1] / "data" / "resolve" / "nomenklatura_donations_slice.ijson"


def test_real_ftm_parties_are_read_and_different_organisations_stay_apart(case: Case) -> None:
    ingest_entities(case, SLICE, source_kind="registry")
    parties = {r["id"]: r for r in map(json.loads, SLICE.read_text(encoding="utf-8").splitlines())
               if r["schema"] in ("Person", "Company", "Organization")}
    result = resolve_case(case)
    assert result.entities == len(parties)
    # Every party carries its country (an FtM country property) into the evidence table.
    assert case.engine.scalar("SELECT count(DISTINCT entity_id) FROM resolve_props WHERE prop_class = 'country'") > 10
    canonical = dict(case.engine.rows("SELECT entity_id, canonical_id FROM entity_canonical"))
    names = {eid: r["properties"]["name"][0] for eid, r in parties.items()}
    merged = [(names[a], names[b]) for a in names for b in names
              if a < b and canonical.get(a, a) == canonical.get(b, b)]
    # The regional employers' associations share most of their names ("Verband der Metall- und
    # Elektroindustrie ..."), the parties are three-letter abbreviations: none is the same body.
    assert merged == []
    verband = [n for n in names.values() if n.startswith("Verband der")]
    assert len(verband) >= 3
