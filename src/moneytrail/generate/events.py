"""ACLED-format events: the armed group's attacks, the control group's attacks, and unrelated protests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from moneytrail.generate.cast import CONTROL_GROUP, GROUP
from moneytrail.generate.network import PROVINCES, Network

ACLED_COLUMNS = ("event_id_cnty", "event_date", "event_type", "sub_event_type", "actor1", "assoc_actor_1",
                 "actor2", "assoc_actor_2", "country", "admin1", "location", "latitude", "longitude", "source",
                 "notes", "fatalities")
SOURCES = ("Meridian Ledger; local partners", "Frontier Monitor", "Provincial press office")


def write_events(path: Path, network: Network, rng: np.random.Generator) -> int:
    rows: list[dict[str, object]] = []
    for group, attacks in ((GROUP, network.attacks), (CONTROL_GROUP, network.control_attacks)):
        for i, a in enumerate(attacks):
            ied = i % 3 == 0
            rows.append({
                "event_id_cnty": a.event_id, "event_date": a.date.strftime("%Y-%m-%d"),
                "event_type": "Explosions/Remote violence" if ied else "Battles",
                "sub_event_type": "Remote explosive/landmine/IED" if ied else "Armed clash",
                "actor1": f"{group.names['sanctions']} ({group.names['docs']})", "assoc_actor_1": "",
                "actor2": "Provincial Security Forces", "assoc_actor_2": "", "country": "Afghanistan",
                "admin1": a.province, "location": f"{a.province} district {1 + i % 5}",
                "latitude": round(a.lat + float(rng.normal(0, 0.05)), 4),
                "longitude": round(a.lon + float(rng.normal(0, 0.05)), 4),
                "source": SOURCES[i % len(SOURCES)],
                "notes": f"On {a.date:%d %B %Y}, fighters of the {group.names['docs']} attacked a security post "
                         f"in {a.province}. {a.casualties} fatalities reported.",
                "fatalities": a.casualties,
            })
    first = min(a.date for a in network.attacks)
    for i in range(12):  # unrelated peaceful protests: events a linker must not tie to the money
        province = PROVINCES[i % len(PROVINCES)]
        day = first.replace(hour=12) + (network.attacks[-1].date - first) * (i / 12)
        rows.append({
            "event_id_cnty": f"AFG{30_001 + i:05d}", "event_date": day.strftime("%Y-%m-%d"),
            "event_type": "Protests", "sub_event_type": "Peaceful protest", "actor1": "Protesters (Afghanistan)",
            "assoc_actor_1": "Traders' association", "actor2": "", "assoc_actor_2": "", "country": "Afghanistan",
            "admin1": province[0], "location": f"{province[0]} city", "latitude": province[1],
            "longitude": province[2], "source": "Provincial press office",
            "notes": "Traders protested against new market fees. No injuries.", "fatalities": 0,
        })
    rows.sort(key=lambda r: (str(r["event_date"]), str(r["event_id_cnty"])))
    table = pa.table({c: [r[c] for r in rows] for c in ACLED_COLUMNS})
    pacsv.write_csv(table, path)
    return len(rows)
