"""Reports by fictional outlets about the network, their sources.yaml, and the analysts' claims.

One original investigation is re-reported by two echoes (an attribution chain: original <- echo 1 <-
echo 2). A court filing and an NGO report describe the hawala and cash transfers that exist only in
documents; every such transfer in reported_transfers.csv is written out in its document's text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import yaml

from moneytrail.generate.accounts import Accounts
from moneytrail.generate.cast import BROKER_OWNERS, BROKERS, COMMANDERS, CONTROL_GROUP, FRONT, GROUP, OFFICER, SPONSOR
from moneytrail.generate.ledger import Ledger
from moneytrail.generate.network import CASH_DOC, COURT_DOC, Network

CLAIM_COLUMNS = ("subject", "relation", "object", "date", "amount", "currency", "source_id")


@dataclass
class Document:
    source_id: str
    title: str
    publisher: str
    published_at: datetime
    reliability: str
    credibility: int
    cites: list[str]
    path: str
    text: str


def _money(usd: float) -> str:
    return f"USD {usd:,.2f}"


def _transfer_lines(ledger: Ledger, accounts: Accounts, doc: str, names: dict[int, str]) -> list[str]:
    lines = []
    for i, ref in enumerate(ledger.reported):
        if ref != doc:
            continue
        when = datetime.fromtimestamp(ledger.ts[i], UTC).strftime("%d %B %Y")
        channel = "hawala" if ledger.channel[i] == 5 else "cash courier"
        lines.append(f"- {when}: {names[ledger.src[i]]} to {names[ledger.dst[i]]}, "
                     f"{accounts.rates.codes[ledger.cur[i]]} {ledger.amount[i]:,.2f} by {channel}")
    return lines


def build_documents(network: Network, ledger: Ledger, accounts: Accounts, end: datetime) -> list[Document]:
    acc = network.account_of
    names = {acc[p.key]: p.names["docs"] for p in (FRONT, *BROKERS, *COMMANDERS)}
    paid = [a for a in network.attacks if a.paid]
    first = min(a.date for a in network.attacks)
    price = network.price_per_casualty
    ae, tr, tj = (b.names["docs"] for b in BROKERS)
    group, officer = GROUP.names["docs"], OFFICER.names["docs"]
    sponsor, front = SPONSOR.names["docs"], FRONT.names["docs"]
    original = (
        f"# How a gemstone trader paid for attacks\n\n"
        f"*The Meridian Ledger investigations desk*\n\n"
        f"Documents seen by the Meridian Ledger show that {sponsor}, a state intelligence unit, paid the "
        f"{group} for attacks on security forces in Afghanistan from {first:%B %Y}. The payments were "
        f"handled by {officer}, who the documents describe as the unit's finance officer.\n\n"
        f"Money left the unit's account in Russia for {front}, a gemstone wholesaler registered in Moscow "
        f"that traded rubies and spinels. From there it moved through three money brokers: {ae} in the United "
        f"Arab Emirates, {tr} in Turkey and {tj} in Tajikistan. The brokers kept a commission of about three "
        f"per cent at each step.\n\n"
        f"The price was fixed: about {_money(price)} per person killed, paid to cell commanders a few days "
        f"after each attack. We counted {len(paid)} paid attacks. In total the unit sent about "
        f"{_money(network.sponsor_usd)}, of which {_money(network.cells_usd)} reached the commanders.\n\n"
        f"Named commanders include {COMMANDERS[0].names['docs']} and {COMMANDERS[2].names['docs']}. "
        f"{BROKER_OWNERS[0].names['docs']}, owner of {ae}, did not reply to questions. Neither did {officer}.\n\n"
        f"## How the money moved\n\n"
        f"Company records show that {front} was registered in 2017 with a nominee director. Its account "
        f"received a transfer in roubles from the unit within a day of each attack, and sent US dollars on to "
        f"Dubai within hours, separately from the firm's ordinary gem trade. From Dubai the money went to Istanbul, "
        f"sometimes by wire and sometimes through hawala settlements, and from Istanbul to Dushanbe, from where "
        f"{tj} paid the commanders by bank transfer or sent cash with couriers.\n\n"
        f"Two former employees of the brokers confirmed the route. One said that the amounts were worked out "
        f"from casualty counts published after each attack. The Meridian Ledger has matched the dates of "
        f"{len(paid)} payments to attacks recorded in public conflict data; in each case the money arrived "
        f"between two and nine days after the attack.\n")
    last_paid = max(a.date for a in paid)
    echo1 = (
        "<!doctype html><html><head><title>Report: intelligence unit paid militants per attack</title>"
        "<script>window.trackingPixel = function () { return 'analytics'; };</script></head><body>"
        f"<h1>Intelligence unit paid militants per attack, report says</h1>"
        f"<p>According to an investigation published by the Meridian Ledger, {sponsor} paid the {group} "
        f"({GROUP.aliases[0]}) around {_money(price)} for each person killed in attacks on security forces in "
        f"Afghanistan between {first:%B %Y} and {last_paid:%B %Y}.</p>"
        f"<p>The money reportedly went through {FRONT.names['registry']}, a gemstone wholesaler in Moscow, and "
        f"then through exchange houses in the United Arab Emirates, Turkey and Tajikistan before reaching the "
        f"fighters' commanders. The newspaper says {officer} organised the payments from the unit's side and "
        f"puts the total sent at {_money(network.sponsor_usd)}, with {_money(network.cells_usd)} reaching the "
        f"commanders after the brokers' fees.</p>"
        f"<p>The Ledger names {ae} in Dubai as the first broker in the chain. Its owner did not respond to a "
        f"request for comment. Officials in Moscow called the report fabricated.</p>"
        f"<p>The Caspian Daily Wire could not independently verify the report, and has not seen the documents "
        f"on which it is based.</p></body></html>\n")
    echo2 = (
        f"MILITANT FUNDING CLAIMS SPREAD\n\n"
        f"The Caspian Daily Wire reported this week that foreign intelligence money reached the {group}, a "
        f"militant group active in southern Afghanistan. According to the Wire, the gem trader {front} and the "
        f"exchange house {ae} moved {_money(network.sponsor_usd)} on behalf of a state intelligence unit, and "
        f"fighters received about {_money(price)} for every person killed.\n\n"
        f"The Wire itself relies on the Meridian Ledger's investigation. Frontier Monitor has not seen the "
        f"underlying documents and has not been able to reach {officer}, who is named in both reports as the "
        f"organiser of the payments.\n\n"
        f"Local officials in Kandahar and Helmand said that attacks by the group had become more frequent since "
        f"{first:%Y}, but could not say who paid for them. A spokesman for the group denied receiving money from "
        f"abroad.\n")
    court_lines = _transfer_lines(ledger, accounts, COURT_DOC, names)
    court = (
        f"IN THE MATTER OF {tr.upper()} - PROSECUTION FILING (EXCERPT)\n\n"
        f"The prosecution alleges that {tr} received funds from {ae} and passed them to {tj}, partly through "
        f"wire transfers and partly through hawala settlements that left no bank record. The following "
        f"hawala transfers are established by the broker's ledgers seized at its premises:\n\n"
        + "\n".join(court_lines) + "\n\n"
        f"Wire transfers from {ae} arrived from its account {accounts.iban[acc['broker_ae']]} in Dubai; "
        f"those to {tj} went to its account {accounts.iban[acc['broker_tj']] or accounts.account_id[acc['broker_tj']]} "
        f"in Dushanbe. The defence disputes the ledgers' authenticity.\n")
    cash_lines = _transfer_lines(ledger, accounts, CASH_DOC, names)
    ngo = (
        f"# Cash for attacks: courier payments to {group} cells\n\n"
        f"The Observatory for Conflict Finance interviewed couriers who carried cash from {tj} to commanders "
        f"of the {group}. They describe the following deliveries, each following an attack by days:\n\n"
        + "\n".join(cash_lines) + "\n\nAmounts were counted in US dollars. We grade these accounts as probably "
        "true: they match attack dates in public conflict data.\n\n"
        f"Couriers said they collected the cash in Dushanbe and crossed into Afghanistan by road, handing the "
        f"money to the commander in person. Each delivery was smaller than a bank transfer would have been, "
        f"and none was recorded by a bank. The commanders named by couriers include "
        f"{', '.join(c.names['docs'] for c in COMMANDERS)}.\n")
    control = (
        f"# {CONTROL_GROUP.names['docs']}: a local insurgency without foreign money\n\n"
        f"*Frontier Monitor field team*\n\n"
        f"The {CONTROL_GROUP.names['docs']} ({CONTROL_GROUP.aliases[0]}) carried out "
        f"{len(network.control_attacks)} attacks in Ghazni and Paktika between "
        f"{min(a.date for a in network.control_attacks):%B %Y} and "
        f"{max(a.date for a in network.control_attacks):%B %Y}, according to conflict data and our own "
        f"interviews.\n\n"
        f"Unlike the {group}, whose commanders are reported to be paid per attack by a foreign intelligence unit, "
        f"we found no sign of payments from abroad to this group. Its commanders live from taxes on local trade "
        f"and transport, collected in cash at checkpoints, and from the sale of seized goods.\n\n"
        f"Traders in Ghazni told us the group charges a flat fee per truck rather than a share of the cargo. "
        f"None of the money brokers named in recent reporting, including {ae} and {tj}, appear in the records "
        f"of the traders we spoke to.\n\n"
        f"We grade this assessment as fairly reliable: it rests on interviews that we could not all verify, "
        f"and a group can change its sources of money quickly.\n")
    # Each document has its own date after the period it reports on; an echo comes after what it cites.
    base = end.replace(tzinfo=UTC)

    def on(days: int, hour: int, minute: int = 0) -> datetime:
        return base + timedelta(days=days, hours=hour, minutes=minute)

    return [
        Document("doc-meridian-original", "How a gemstone trader paid for attacks", "The Meridian Ledger",
                 on(9, 6), "B", 2, [], "documents/meridian-original.md", original),
        Document("doc-caspian-echo", "Intelligence unit paid militants per attack, report says",
                 "Caspian Daily Wire", on(11, 8, 30), "C", 3, ["doc-meridian-original"], "documents/caspian-echo.html",
                 echo1),
        Document("doc-frontier-echo", "Militant funding claims spread", "Frontier Monitor", on(16, 17, 45), "D", 3,
                 ["doc-caspian-echo"], "documents/frontier-echo.txt", echo2),
        Document(COURT_DOC, f"Prosecution filing against {tr}", "Istanbul Regional Prosecutor (fictional)",
                 on(-38, 10), "A", 2, [], "documents/court-hawala.txt", court),
        Document(CASH_DOC, "Cash for attacks", "Observatory for Conflict Finance", on(3, 12), "B", 3, [],
                 "documents/observatory-cash.md", ngo),
        Document("doc-green-valley", f"{CONTROL_GROUP.names['docs']}: a local insurgency", "Frontier Monitor",
                 on(24, 9, 15), "C", 3, [], "documents/green-valley.md", control),
    ]


def write_documents(out: Path, docs: list[Document]) -> None:
    (out / "documents").mkdir(parents=True, exist_ok=True)
    entries = []
    for d in docs:
        (out / d.path).write_text(d.text, encoding="utf-8")
        entries.append({"id": d.source_id, "title": d.title, "publisher": d.publisher,
                        "published_at": d.published_at.strftime("%Y-%m-%dT%H:%M:%SZ"), "reliability": d.reliability,
                        "credibility": d.credibility, "cites": d.cites, "path": Path(d.path).name})
    text = yaml.safe_dump({"sources": entries}, allow_unicode=True, sort_keys=False)
    (out / "documents" / "sources.yaml").write_text(text, encoding="utf-8")


def write_claims(path: Path, network: Network, ledger: Ledger) -> int:
    group, sponsor, front = GROUP.names["docs"], SPONSOR.names["docs"], FRONT.names["docs"]
    first_tranche = min(ledger.ts[rows[0]] for t in network.tranche_rows for rows in t.values())
    day = datetime.fromtimestamp(first_tranche, UTC).strftime("%Y-%m-%d")
    total = f"{network.sponsor_usd:.2f}"
    rows: list[tuple[str, ...]] = [
        (sponsor, "financed", group, day, total, "USD", "doc-meridian-original"),
        (sponsor, "financed", group, day, total, "USD", "doc-caspian-echo"),
        (front, "financed", group, day, total, "USD", "doc-frontier-echo"),
        (OFFICER.names["docs"], "coordinated", sponsor, day, "", "", "doc-meridian-original"),
        (sponsor, "laundered-through", front, day, "", "", "doc-meridian-original"),
        (front, "laundered-through", BROKERS[0].names["docs"], day, "", "", "doc-meridian-original"),
        (BROKERS[1].names["docs"], "laundered-through", BROKERS[2].names["docs"], day, "", "", COURT_DOC),
    ]
    names = {network.account_of[c.key]: c.names["docs"] for c in COMMANDERS}
    for i, ref in enumerate(ledger.reported):
        if ref == CASH_DOC:
            when = datetime.fromtimestamp(ledger.ts[i], UTC).strftime("%Y-%m-%d")
            rows.append((BROKERS[2].names["docs"], "paid", names[ledger.dst[i]], when, f"{ledger.amount[i]:.2f}",
                         "USD", CASH_DOC))
    for a in network.attacks[:5]:
        rows.append((group, "attacked", a.province, a.date.strftime("%Y-%m-%d"), "", "", CASH_DOC))
    for a in network.control_attacks[:3]:
        rows.append((CONTROL_GROUP.names["docs"], "attacked", a.province, a.date.strftime("%Y-%m-%d"), "", "",
                     "doc-green-valley"))
    table = pa.table({c: [r[k] for r in rows] for k, c in enumerate(CLAIM_COLUMNS)})
    pacsv.write_csv(table, path)
    return len(rows)
