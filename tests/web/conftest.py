"""Cases for the explorer's tests: the report's hostile sample with script payloads in every kind of text
the explorer shows (names, memos, document text and quotes, event notes, claims, findings), and the demo
case (generated, every stage run) for the investigation walk-throughs."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from moneytrail.report.sample import XSS_PAYLOADS, build_sample_case
from moneytrail.store import Case
from moneytrail.web.app import create_app

# Each payload bumps a counter when it runs, so a test can count executions rather than look for one flag.
COUNTING = tuple(p.replace("window.__xss=1", "window.__xssCount=(window.__xssCount||0)+1") for p in XSS_PAYLOADS)
HOSTILE_ENTITY = "ent-hostile"


def add_hostile_rows(case: Case) -> None:
    """Payloads in a name and alias, memos, a document and its mention, an event's notes and a claim."""
    e = case.engine
    bad = " ".join(COUNTING)
    for i, payload in enumerate(COUNTING):
        e.execute("INSERT INTO statements (statement_id, entity_id, schema, prop, value, source_id) "
                  "VALUES (?, ?, 'Company', ?, ?, 'registry')",
                  [f"st-hostile-{i}", HOSTILE_ENTITY, "name" if i == 0 else "alias", payload + " Hostile Trading"])
    e.execute("INSERT INTO statements (statement_id, entity_id, schema, prop, value, source_id) VALUES "
              "('st-hostile-c', ?, 'Company', 'country', 'cy', 'registry')", [HOSTILE_ENTITY])
    e.execute("INSERT INTO accounts (account_key, bank_id, account_id, holder_entity_id, iban, country, currency) "
              "VALUES ('BNK:HOSTILE', 'BNK', 'HOSTILE', ?, ?, 'cy', 'USD')", [HOSTILE_ENTITY, COUNTING[1]])
    for i in range(5):
        e.execute("INSERT INTO transactions (txn_id, ts, from_account, to_account, amount, currency, amount_rc, "
                  "channel, source_id, memo) VALUES (?, ?, 'BNK:HOSTILE', 'BNK:0000001', ?, 'USD', ?, ?, "
                  "'bank-ledger', ?)",
                  [f"hostile-{i}", datetime(2022, 3, 1) + timedelta(days=i), 100 + i, 100 + i, COUNTING[0],
                   bad + " invoice"])
    e.upsert("transactions", ["txn_id"], "SELECT 'story-1' AS txn_id, ? AS memo", [bad + " invoice"],
             insert_missing=False)
    text = "Report: " + bad + " Hostile Trading paid the brokers."
    e.execute("INSERT INTO documents (document_id, source_id, path, media_type, title, text, char_count, has_text, "
              "content_hash) VALUES ('doc-hostile', 'doc-hawala', 'documents/h.md', 'text/markdown', ?, ?, ?, true, "
              "'y')", [COUNTING[1] + " memo", text, len(text)])
    start = text.index("Hostile Trading")
    e.execute("INSERT INTO mentions (mention_id, document_id, source_id, kind, text, value, entity_id, start_pos, "
              "end_pos) VALUES ('m-hostile', 'doc-hostile', 'doc-hawala', 'entity', ?, ?, ?, ?, ?)",
              ["Hostile Trading", HOSTILE_ENTITY, HOSTILE_ENTITY, start, start + len("Hostile Trading")])
    e.execute("INSERT INTO events (event_id, event_date, event_type, actor1, location, notes, source_id) VALUES "
              "('XXH', DATE '2022-03-02', ?, ?, ?, ?, 'acled')",
              [COUNTING[3], COUNTING[0] + " Hostile Trading", COUNTING[2], bad])
    e.execute("INSERT INTO claims (claim_id, claim_key, subject, relation, object, subject_entity_id, claim_date, "
              "source_id, status, quote) VALUES ('c-hostile', 'k', ?, 'paid', ?, ?, DATE '2022-03-03', 'doc-hawala', "
              "'asserted', ?)", [COUNTING[0], COUNTING[2], HOSTILE_ENTITY, bad])
    e.execute("INSERT INTO finding_refs VALUES ((SELECT min(finding_id) FROM findings WHERE kind = 'link'), "
              "'event', 'XXH', 'event')")


@pytest.fixture(scope="session")
def hostile_case(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("web-hostile") / "case"
    with Case.create(path) as c:
        build_sample_case(c, transactions=200, accounts=12, hostile=True)
        add_hostile_rows(c)
    return path


@pytest.fixture(scope="session")
def demo_case(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """The demo's case (20,000 generated payments, every stage run) and its planted truth."""
    from moneytrail.demo import DemoOptions, run_demo

    out = tmp_path_factory.mktemp("web-demo")
    run = run_demo(DemoOptions(out, 20_000, 7))
    return run.case_file, json.loads((run.data / "truth.json").read_text())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    """The explorer under uvicorn on 127.0.0.1 in a thread, for a real browser."""

    def __init__(self, case_path: Path) -> None:
        self.port = free_port()
        self.server = uvicorn.Server(uvicorn.Config(create_app(case_path), host="127.0.0.1", port=self.port,
                                                    log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("explorer did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="session")
def hostile_server(hostile_case: Path) -> Iterator[LiveServer]:
    with LiveServer(hostile_case) as s:
        yield s


@pytest.fixture(scope="session")
def demo_server(demo_case: tuple[Path, dict[str, Any]]) -> Iterator[LiveServer]:
    with LiveServer(demo_case[0]) as s:
        yield s
