from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from moneytrail.store import Case

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
CHROMIUM = Path("/usr/bin/chromium")  # Debian's chromium, which .ci/run installs
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
PORTABILITY_TEST = "test_every_captured_statement_runs_on_spark_sql"


def pytest_configure(config: pytest.Config) -> None:
    """Capture every SQL statement the suite runs through an engine (engine/capture.py), for the
    portability test; subprocesses (CLI tests) inherit the variable and append to the same file."""
    import os
    import tempfile

    from moneytrail.engine.capture import ENV

    if not os.environ.get(ENV):
        folder = Path(tempfile.mkdtemp(prefix="moneytrail-sql-"))
        os.environ[ENV] = str(folder / "statements.jsonl")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the portability test last, so it sees the statements of every test before it."""
    last = [i for i in items if i.name == PORTABILITY_TEST]
    items[:] = [i for i in items if i.name != PORTABILITY_TEST] + last


@pytest.fixture
def case(tmp_path: Path) -> Iterator[Case]:
    c = Case.create(tmp_path / "case")
    yield c
    c.close()


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.exists():
        pytest.skip(f"shared data not found at {SHARED_DATA}")
    return SHARED_DATA


# Session-scoped: building it runs every stage (~10 s); the report and evidence tests only read it.
@pytest.fixture(scope="session")
def demo_case(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Case]:
    """The generated demo case run through ingest, resolve, evidence, detect, screen, trace and link."""
    from moneytrail.detect.run import run_detectors
    from moneytrail.evidence.claim_findings import write_claim_findings
    from moneytrail.evidence.extract import extract_claims
    from moneytrail.link.bounty import link_actor
    from moneytrail.resolve.screening import screen_case
    from moneytrail.trace.params import TraceParams
    from moneytrail.trace.run import trace
    from tests.casebuild import build_generated_case

    root = tmp_path_factory.mktemp("demo")
    case, truth = build_generated_case(root, transactions=4_000, seed=11)
    out = root / "generated"
    extract_claims(case)
    run_detectors(case)
    screen_case(case, out / "entities" / "sanctions.jsonl")
    trace(case, TraceParams(source=tuple(truth["network"]["sponsor"]["accounts"])))
    link_actor(case, truth["network"]["group"]["name"], permutations=299)
    write_claim_findings(case)
    yield case
    case.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """A real Chromium driven by Playwright, one per test module; missing Chromium fails under CI, else skips."""
    import os

    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"CI is set but Chromium is missing at {CHROMIUM}; install it with apt-get install chromium")
        pytest.skip(f"Chromium not found at {CHROMIUM}; install it with `apt-get install -y chromium`")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()
