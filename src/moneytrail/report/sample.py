"""A seeded synthetic case for the report's tests, demo and benchmark: a small story (a sponsor paying
brokers through a front, payments before violent events) inside as much random traffic as asked.

Used until the generator and the stages can build a case end to end; every name is fictional.
``hostile=True`` puts script payloads into names, titles, notes and URLs, for escaping tests.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pyarrow as pa

from moneytrail.model.admiralty import Grade
from moneytrail.model.finding import Finding, FindingRef
from moneytrail.model.ids import account_key
from moneytrail.report.stage import sample_stamp
from moneytrail.store import Case
from moneytrail.store.findings import write_findings
from moneytrail.store.ingests import log_written_rows
from moneytrail.store.sources import SourceRecord, add_citation, upsert_source

XSS_PAYLOADS = (
    "<script>window.__xss=1</script>",
    '<img src=x onerror="window.__xss=1">',
    "</script><script>window.__xss=1</script>",
    "\u2028<svg onload=window.__xss=1>\u2029",
    "javascript:window.__xss=1",
)
STORY = [  # entity id, schema, name, country
    ("ent-sponsor", "Company", "Valdoria Holdings SA", "lu"),
    ("ent-front", "Company", "Кестрел Трейд ООО", "cy"),
    ("ent-broker-1", "Organization", "مكتب النجم للصرافة", "ae"),
    ("ent-broker-2", "Person", "Orin Brask", "ae"),
    ("ent-recipient-1", "Company", "Talvek Supply", "ke"),
    ("ent-recipient-2", "Person", "Мира Остен", "ke"),
]
_FIRST = ["Arlo", "Brisa", "Corven", "Dalia", "Evrin", "Fenna", "Goran", "Halvi", "Ilsa", "Joren", "Katya", "Lumo"]
_LAST = ["Quell", "Rastov", "Sarnik", "Tolvey", "Umbrin", "Varga", "Wendle", "Yarrow", "Zhelan", "Ostrov"]
START = datetime(2021, 1, 1, tzinfo=UTC)


def build_sample_case(case: Case, *, transactions: int = 400, accounts: int = 24, seed: int = 7,
                      hostile: bool = False) -> None:
    """Fill an empty case with the sample story and ``transactions`` random payments."""
    if accounts < len(STORY) + 2:
        raise ValueError(f"need at least {len(STORY) + 2} accounts, got {accounts}")
    rng = np.random.default_rng(seed)
    story = [(eid, schema, XSS_PAYLOADS[i % len(XSS_PAYLOADS)] + name if hostile and i < 3 else name, cc)
             for i, (eid, schema, name, cc) in enumerate(STORY)]
    _sources(case, hostile)
    keys = [account_key("BNK", f"{i:07d}") for i in range(accounts)]
    holders = [s[0] for s in story] + [f"ent-{i:07d}" for i in range(len(story), accounts)]
    _insert(case, "accounts", pa.table({
        "account_key": keys, "bank_id": ["BNK"] * accounts, "account_id": [k.split(":")[1] for k in keys],
        "holder_entity_id": holders, "country": [story[i][3] if i < len(story) else "zz" for i in range(accounts)],
        "currency": ["USD"] * accounts, "source_id": ["bank-ledger"] * accounts}))
    filler = range(len(story), accounts)
    ent_ids = [s[0] for s in story] + [f"ent-{i:07d}" for i in filler]
    schemata = [s[1] for s in story] + ["Person"] * len(filler)
    names = [s[2] for s in story] + [f"{_FIRST[i % len(_FIRST)]} {_LAST[(i // len(_FIRST)) % len(_LAST)]} {i}"
                                     for i in filler]
    countries = [s[3] for s in story] + ["zz"] * len(filler)
    n_ent = len(ent_ids)
    _insert(case, "statements", pa.table({
        "statement_id": [f"st-n-{e}" for e in ent_ids] + [f"st-c-{e}" for e in ent_ids],
        "entity_id": ent_ids * 2, "schema": schemata * 2, "prop": ["name"] * n_ent + ["country"] * n_ent,
        "value": names + countries, "source_id": ["registry"] * (2 * n_ent)}))
    _random_payments(case, rng, transactions, keys)
    story_txns = _story_payments(case)
    _events(case, hostile)
    _document(case, hostile)
    _findings(case, story_txns, keys, hostile)


def _insert(case: Case, table: str, data: pa.Table) -> None:
    with case.engine.run() as run:
        rows = run.arrow(data, hint="sample")
        case.engine.append(table, f"SELECT * FROM {rows}", columns=data.column_names)


def _sources(case: Case, hostile: bool) -> None:
    bad = XSS_PAYLOADS[0] if hostile else ""
    for rec in [
        SourceRecord("bank-ledger", "bank_record", "Ledger of Bank Northmere (synthetic)", publisher="Bank Northmere"),
        SourceRecord("registry", "registry", "Company registry of Xandria (synthetic)"),
        SourceRecord("wire-0", "media", "Wire report on the Talvek shipments", publisher="Eastgate Wire",
                     url="https://example.org/wire-0"),
        SourceRecord("news-1", "media", bad + "Daily Lantern: the brokers of Vell", publisher="Daily Lantern",
                     url=XSS_PAYLOADS[4] if hostile else "https://example.org/news-1", notes=bad or None),
        SourceRecord("doc-hawala", "document", "NGO memo on hawala legs", grade=Grade("C", 2),
                     publisher="Civic Ledger Watch"),
        SourceRecord("tip-line", "document", "Anonymous tip about a filler account", grade=Grade("E", 4)),
        SourceRecord("acled", "event_dataset", "Conflict events (synthetic, ACLED columns)"),
    ]:
        upsert_source(case, rec)
    add_citation(case, "doc-hawala", "news-1")
    add_citation(case, "news-1", "wire-0")


def _random_payments(case: Case, rng: np.random.Generator, n: int, keys: list[str]) -> None:
    if n <= 0:
        return
    a = len(keys)
    src = rng.integers(0, a, n)
    dst = (src + 1 + rng.integers(0, a - 1, n)) % a
    seconds = np.sort(rng.integers(0, 3 * 365 * 86400, n))
    ts = pa.array((np.datetime64("2021-01-01T00:00:00") + seconds.astype("timedelta64[s]")).astype("datetime64[us]"))
    amount = np.round(rng.lognormal(7.0, 1.2, n), 2)
    key_arr = pa.array(keys)
    _insert(case, "transactions", pa.table({
        "txn_id": pa.array(np.char.add("t", np.arange(n).astype(str))), "ts": ts,
        "from_account": key_arr.take(pa.array(src)), "to_account": key_arr.take(pa.array(dst)),
        "amount": amount, "currency": pa.array(["USD"] * n), "amount_rc": amount,
        "channel": pa.array(["wire"] * n), "source_id": pa.array(["bank-ledger"] * n),
        "ingest_no": pa.array([log_written_rows(case, file="ledger.csv", source_id="bank-ledger", rows=n)] * n,
                              pa.int32()),
        "origin_line": np.arange(2, n + 2)}))


# The story: sponsor -> front -> two brokers -> two recipients, weeks before three events.
_STORY_LEGS = [  # txn id, from, to, amount, day offset, source
    ("story-1", 0, 1, 250_000.0, 400, "bank-ledger"),
    ("story-2", 1, 2, 120_000.0, 410, "bank-ledger"),
    ("story-3", 1, 3, 110_000.0, 411, "bank-ledger"),
    ("story-4", 2, 4, 115_000.0, 420, "doc-hawala"),
    ("story-5", 3, 5, 100_000.0, 425, "doc-hawala"),
]


def _story_payments(case: Case) -> list[str]:
    keys = [account_key("BNK", f"{i:07d}") for i in range(len(STORY))]
    rows = [(tid, START + timedelta(days=day), keys[f], keys[t], amt, src) for tid, f, t, amt, day, src in _STORY_LEGS]
    _insert(case, "transactions", pa.table({
        "txn_id": [r[0] for r in rows], "ts": pa.array([r[1].replace(tzinfo=None) for r in rows], pa.timestamp("us")),
        "from_account": [r[2] for r in rows], "to_account": [r[3] for r in rows], "amount": [r[4] for r in rows],
        "currency": ["USD"] * len(rows), "amount_rc": [r[4] for r in rows], "channel": ["wire"] * len(rows),
        "source_id": [r[5] for r in rows]}))
    return [r[0] for r in rows]


def _events(case: Case, hostile: bool) -> None:
    notes = [XSS_PAYLOADS[i % len(XSS_PAYLOADS)] if hostile else f"Armed clash near Vell district {i}"
             for i in range(6)]
    days = [440, 445, 452, 600, 700, 800]
    _insert(case, "events", pa.table({
        "event_id": [f"XX{i:04d}" for i in range(6)],
        "event_date": pa.array([(START + timedelta(days=d)).date() for d in days], pa.date32()),
        "event_type": ["Battles"] * 6, "country": ["Xandria"] * 6, "location": ["Vell"] * 6,
        "actor1": ["Vell Militia"] * 5 + ["Harbour Guard"],
        "fatalities": pa.array([12, 3, 25, 0, 7, 1], pa.int32()), "notes": notes, "source_id": ["acled"] * 6}))


def _document(case: Case, hostile: bool) -> None:
    """The NGO memo as an ingested document, when the evidence tables exist."""
    if not case.engine.scalar("SELECT count(*) FROM information_schema.tables WHERE table_name = 'documents'"):
        return
    text = ("Two hawala brokers in Vell passed 215,000 USD to Talvek Supply and Mira Osten. "
            + (" ".join(XSS_PAYLOADS) if hostile else ""))
    title = (XSS_PAYLOADS[1] if hostile else "") + "Memo on hawala legs"
    case.engine.execute(
        "INSERT INTO documents (document_id, source_id, path, media_type, title, text, char_count, has_text, "
        "content_hash) VALUES ('doc-1', 'doc-hawala', 'documents/memo.md', 'text/markdown', ?, ?, ?, true, 'x')",
        [title, text, len(text)])


def _findings(case: Case, story_txns: list[str], keys: list[str], hostile: bool) -> None:
    bad = XSS_PAYLOADS[2] if hostile else ""
    names = {eid: name for eid, _s, name, _c in STORY}
    links = [(STORY[f][0], STORY[t][0], amt) for _tid, f, t, amt, _d, _s in _STORY_LEGS]
    trace = Finding(
        "trace", "follow", bad + "Money from Valdoria Holdings reached two recipients through brokers",
        "Traced 250,000 USD from the sponsor through a front company and two brokers.", 0.92,
        [FindingRef("transaction", t, "leg") for t in story_txns] + [FindingRef("entity", "ent-sponsor", "origin")],
        amount=250_000.0, currency="USD", details={
            "sankey": [{"source": s, "target": t, "amount": a, "source_label": names[s], "target_label": names[t]}
                       for s, t, a in links],
            "routes": [{"countries": ["lu", "cy", "ae", "ke"], "amount": 215_000.0}],
            # The shape the trace stage writes: origin accounts, intermediaries, sinks and graded hops.
            "seeds": [keys[0]], "arrived": 215_000.0, "source_outflow": 250_000.0, "currency": "USD",
            "intermediaries": [{"account": keys[i], "entity_id": STORY[i][0], "label": names[STORY[i][0]],
                                "country": STORY[i][3], "amount": amt} for i, amt in
                               ((1, 230_000.0), (2, 115_000.0), (3, 100_000.0))],
            "sinks": [{"account": keys[i], "entity_id": STORY[i][0], "label": names[STORY[i][0]],
                       "country": STORY[i][3], "amount": amt} for i, amt in ((4, 115_000.0), (5, 100_000.0))],
            "flows": [{"amount": 100_000.0, "countries": ["lu", "cy", "ae", "ke"], "hops": [
                {"txn_id": tid, "from_account": keys[f], "to_account": keys[t], "amount": amt, "source_id": src,
                 "grade": "C2" if src == "doc-hawala" else "B2"}
                for tid, f, t, amt, _d, src in (_STORY_LEGS[0], _STORY_LEGS[2], _STORY_LEGS[4])]}]})
    typ = [
        Finding("typology", "fan-out", "Front company split funds to two brokers within a day",
                bad + "Two outgoing payments of similar size right after one large incoming payment.", 0.81,
                [FindingRef("account", keys[1], "hub"), FindingRef("transaction", "story-2"),
                 FindingRef("transaction", "story-3")], amount=230_000.0, currency="USD"),
        Finding("typology", "cash-broker", "Broker legs known only from an NGO memo",
                "The broker payments appear in no bank ledger; only one document reports them.", 0.55,
                [FindingRef("transaction", "story-4"), FindingRef("transaction", "story-5"),
                 FindingRef("source", "doc-hawala")], amount=215_000.0, currency="USD"),
        Finding("typology", "round-amount", "Round amounts paid to a filler account",
                "A weak pattern kept for completeness.", 0.2,
                [FindingRef("account", keys[-1]), FindingRef("source", "tip-line", "tip")]),
    ]
    pairs = [{"event_id": f"XX{i:04d}", "event_date": str((START + timedelta(days=d)).date()), "casualties": c,
              "txn_id": t, "ts": (START + timedelta(days=td)).isoformat(), "amount": a, "lag_days": d - td}
             for i, (d, c, t, td, a) in enumerate([(440, 12, "story-4", 420, 115_000.0),
                                                    (445, 3, "story-5", 425, 100_000.0),
                                                    (452, 25, "story-5", 425, 100_000.0)])]
    link = Finding("link", "bounty", "Broker payments preceded three clashes in Vell",
                   bad + "Payments to recipients came 15-27 days before events with casualties.", 0.67,
                   [FindingRef("event", str(p["event_id"])) for p in pairs]
                   + [FindingRef("transaction", "story-4"), FindingRef("transaction", "story-5")],
                   params={"actor": "Vell Militia", "window": 30, "permutations": 999},
                   details={"pairs": pairs, "p_value": 0.004, "price_per_casualty": 4_300.0, "matched": 3,
                            "payments": 2, "events": 5, "event_labels": ["Vell Militia"],
                            "accounts": [keys[4], keys[5]]})
    write_findings(case, [trace], sample_stamp("trace"))
    write_findings(case, typ, sample_stamp("typology"))
    write_findings(case, [link], sample_stamp("link"))
