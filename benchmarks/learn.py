"""Transaction-level laundering detection, side by side with the standard peer, on a temporal split.

    .venv/bin/python benchmarks/learn.py                       # every set available
    .venv/bin/python benchmarks/learn.py --sets amlsim --gfp-windows 1,7
    .venv/bin/python benchmarks/learn.py --data /work/shared/data --mix-rows 500000
    .venv/bin/python benchmarks/learn.py --peak-rows 5000000   # learn's peak RSS on a 5M-row case (<= 4 GB)

For each labelled set, in one run and on the same 60/20/20 split by transaction time:
- moneytrail learn: engine-computed features (``detect/features.py``) + LightGBM, threshold chosen on the
  validation part; P, R and minority F1 on the test part;
- the rules alone: every transaction a rule finding cites counts as flagged; P, R, F1 on the test part;
- the peer: IBM snapml's Graph Feature Preprocessor (vertex statistics, fan, degree, scatter-gather and
  temporal cycles; windows chosen on validation) + the same LightGBM training and threshold rule;
- feature-extraction time of both sides, wall and CPU seconds (``time.process_time``: every thread of the
  process, DuckDB's and GFP's workers alike), each the median of ``--timing-reps`` runs (ours: the whole
  ``transaction_feature_matrix``, from the stored case; GFP: from the stored case too, its input read the same
  way ours starts (``gfp_input``, printed apart), then its fit and transform of the three parts at the kept
  window), and their ratio;
- labelled transactions in the validation and test parts (``pos va``, ``test``): the AMLworld mixes' background
  is as busy as the patterns day by day (``generate --mix-patterns``), so every part holds labels in
  proportion (LI-Medium 100k: 792 and 836 of 3,909; with an even background the test part held 11);
- for sets with attempts (mixes, generated), attempt recall per typology: the rules (and their weaker
  variants) on the whole case with their precision against the published GNN floors, and on the test part the
  rules plus the learner's findings that predict the attempt's typology (``learn_typology``) against the 95%
  goal and the floors, with those findings' precision (labelled laundering, labelled that typology); beside
  it, for comparison only, the rules plus the learner's findings whatever typology they predict.

Timestamps go to the peer as epoch seconds counted explicitly (pandas >= 3 parses to microseconds, so an
``int64 // 10**9`` would give units of 1,000 s and a shuffled "temporal" split). Sets: the three AMLSim
samples (``DATA/amlsim``), generated AMLworld-format backgrounds with the HI-Medium and with the LI-Medium
patterns mixed in (``DATA/amlworld``), and a seeded generated case. Sets whose data is absent are skipped
with a message. Needs ``pip install .[bench]`` (snapml).
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from moneytrail.detect import features_sql as fsql
from moneytrail.detect.account_ids import ranges_for
from moneytrail.detect.attempt_entangled import HOURS, entangled_recall
from moneytrail.detect.attempt_shape import attempt_ceilings, flagged_account_shares
from moneytrail.detect.evaluate import LEARNED, VARIANT_SUFFIXES, evaluate, window_of_split
from moneytrail.detect.features import transaction_feature_matrix
from moneytrail.detect.learn_findings import score_findings
from moneytrail.detect.learn_transactions import LearnedCase, fit, learn_transactions, prf
from moneytrail.detect.learn_typology import NAME_PRECISION_FLOOR, NAME_RECALL_GOAL, known_labels
from moneytrail.detect.run import run_detectors
from moneytrail.detect.stage import transaction_learn_stamp
from moneytrail.detect.truth import load_truth
from moneytrail.generate import GenerateConfig, generate_case
from moneytrail.ingest import ingest_rates, ingest_transactions
from moneytrail.ingest.amlsim import ingest_amlsim
from moneytrail.store import Case
from moneytrail.store.findings import write_findings

DEFAULT_DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


@contextmanager
def clock(out: dict[str, float], key: str) -> Iterator[None]:
    w, c = time.perf_counter(), time.process_time()
    yield
    out[key] = time.perf_counter() - w
    out[key + "_cpu"] = time.process_time() - c


def rules_alone(case: Case, learned: LearnedCase) -> dict[str, float]:
    """Transactions cited by any rule finding, scored on the test part."""
    cited = {str(r[0]) for r in case.engine.rows(
        "SELECT DISTINCT r.ref_id FROM finding_refs r JOIN findings f ON f.finding_id = r.finding_id "
        "WHERE f.kind = 'typology' AND r.ref_kind = 'transaction'")}
    ids = learned.features.column("txn_id").to_pylist()
    test = learned.part == 2
    flagged = np.array([t in cited for t in ids])
    return prf(learned.labels[test], flagged[test])


# Best published GNN per-pattern recall on AMLworld HI-Small (Egressy et al. 2024): the floor for the rules.
FLOORS = {"fan-in": 0.886, "fan-out": 0.954, "cycle": 0.576, "scatter-gather": 0.883, "gather-scatter": 0.945,
          "bipartite": 0.576}
GOAL = 0.95


def store_learner_findings(case: Case, learned: LearnedCase) -> None:
    """Every test-part transaction the model flags, as findings (one per typology named; so attempts can be found
    by them too); the history inputs read the labels of the training and validation parts, as a deployment knows
    them when it scores what follows."""
    test = learned.part == 2
    scores = np.zeros(len(test))
    scores[test] = learned.test_scores
    findings = score_findings(case, learned.model, learned.features, learned.x, scores, mask=test,
                              limit=int(test.sum()), params={"split": "temporal:60/20/20", "part": "test"},
                              labels=known_labels(case, learned.features, learned.part < 2))
    write_findings(case, findings, transaction_learn_stamp({"split": "temporal:60/20/20", "part": "test"}))


def pct(v: float | None) -> str:
    return "     -" if v is None else f"{100 * v:5.1f}%"


def attempt_table(case: Case, learned: LearnedCase) -> None:
    """Per typology: attempts found by a rule finding of that typology (or a weaker variant of it) on the whole
    case (the rules learn nothing, so every attempt is held out from them) with those findings' transaction
    precision, findings per 10k transactions and share of the case's accounts cited (a flood shows there),
    against the floor and the ceiling (``attempt_shape``: the share of attempts any one finding could cover
    half of; a floor above it is out of reach of any finding); each weaker variant's precision, findings per
    10k and account share beside; and on the test part, rules alone, rules plus the learner's findings that
    predict the attempt's typology (against the 95% goal), the learner's findings predicting that typology
    (flagged transactions, the share labelled laundering, the share labelled with that typology), and, for
    comparison only, rules plus the learner's findings whatever typology they predict."""
    whole = evaluate(case)
    test_eval = evaluate(case, window_of_split(case, "temporal:60/20/20"))
    test, test_tx = test_eval["attempts"], test_eval["transactions"]
    tx = whole["transactions"]
    ceilings = attempt_ceilings(case)
    shares = flagged_account_shares(case)
    typ_model = learned.metrics.get("typology", {})
    print(f"    typology model: {typ_model.get('status', '-')}; validation: typology right for "
          f"{pct(typ_model.get('validation_accuracy'))} of the labelled laundering transactions", flush=True)
    naming_table(typ_model)

    def cost(typ: str) -> str:
        t = tx.get(typ, {})
        per10k = t.get("findings_per_10k") if t.get("flagged") else None
        return (f"{pct(t.get('precision') if t.get('flagged') else None)} "
                f"{'     -' if per10k is None else f'{per10k:6.2f}'} {pct(shares.get(typ))}")

    print(f"    {'typology':15} {'attempts':>8} {'rules':>7} {'floor':>6} {'':6} {'ceiling':>7} {'prec':>7} "
          f"{'/10k':>6} {'accts':>6} | test: {'attempts':>8} {'rules':>7} {'+learner':>9} {'goal 95%':>8} "
          f"{'floor':>6} | learner as typ: {'txns':>5} {'prec':>6} {'typ prec':>8} | {'+any typ':>8} "
          "| variants: precision, findings per 10k, accounts")
    for typ, a in whole["attempts"].items():
        variants = [f"{v.rsplit('-', 1)[-1]} {cost(v)}" for v in tx
                    if v.startswith(typ + "-") and v.rsplit("-", 1)[-1] in VARIANT_SUFFIXES]
        floor = FLOORS.get(typ)
        rules = a["recall_same"] or 0.0
        mark = "" if floor is None else (" ok" if rules >= floor else " BELOW")
        t = test.get(typ, {"attempts": 0, "recall_same": None, "recall_same_or_learned": None,
                           "recall_same_or_learned_any": None})
        both = t["recall_same_or_learned"]
        goal = "-" if both is None else ("ok" if both >= GOAL else "no")
        over_floor = "-" if both is None or floor is None else ("ok" if both >= floor else "BELOW")
        ceiling = ceilings.get(typ, {}).get("ceiling")
        lt = test_tx.get(f"{LEARNED}:{typ}", {})
        print(f"    {typ:15} {a['attempts']:>8} {pct(rules)} {pct(floor)}{mark:6} "
              f"{pct(None if ceiling is None else float(ceiling)):>7} {cost(typ)} | {'':6}{t['attempts']:>8} "
              f"{pct(t['recall_same'])} {pct(both):>9} {goal:>8} {over_floor:>6} | {'':15} "
              f"{lt.get('flagged', 0):>5} {pct(lt.get('precision')):>6} {pct(lt.get('precision_same')):>8} | "
              f"{pct(t['recall_same_or_learned_any']):>8} | {'; '.join(variants) or '-'}", flush=True)
    entangled_table(case)


def naming_table(typ_model: dict[str, Any]) -> None:
    """The validation part's figures behind the typology model's ``name_shares`` (``choose_name_shares``): per share
    tried, names per labelled payment and the mean F2 of one share for all; per typology, its attempt recall and
    typed precision at every share, and the share kept for it."""
    rows = typ_model.get("naming") or []
    if not rows:
        return
    kept = typ_model.get("name_shares") or {}
    print(f"    naming on validation: a finding also names each typology at >= its share x the top one's probability; "
          f"kept per typology: the largest share reaching {pct(NAME_RECALL_GOAL).strip()} attempt recall with typed "
          f"precision >= {pct(NAME_PRECISION_FLOOR).strip()} (else the best recall above that precision; none "
          "above: the best F2)")
    print("      share: names/payment, mean F2 | per typology: attempt recall / typed precision (* kept)")
    for r in rows:
        cells = "  ".join(f"{c[:14]} {pct(rec)}/{pct(prec)}{'*' if kept.get(c) == r['share'] else ' '}"
                          for c, (rec, prec) in r["scores"].items())
        print(f"      {r['share']:4.2f}: {r['names_per_row']:.2f}, {r['mean_f2']:.3f} | {cells}".rstrip(), flush=True)


def entangled_table(case: Case) -> None:
    """On the test part, per typology: attempts entangled with attempts of other typologies (``attempt_entangled``:
    at least half of their payments share the sender or the receiver with another typology's payment within a
    day) and the attempt recall of rules plus the learner's findings naming the typology on the clear and on the
    entangled attempts apart: where typing from structure can work, and where the graph cannot tell."""
    print(f"    test part, entangled attempts (half of their payments share an account, in the same role, with a "
          f"payment of another typology's attempt within {HOURS:g} h); +learner recall on clear | entangled:")
    for typ, r in entangled_recall(case, window_of_split(case, "temporal:60/20/20")).items():
        clear = r["attempts"] - r["entangled"]
        print(f"    {typ:15} {r['attempts']:>5} attempts {r['entangled']:>4} entangled | clear "
              f"{pct(r['found_clear'] / clear if clear else None)} ({r['found_clear']}/{clear}) | entangled "
              f"{pct(r['found_entangled'] / r['entangled'] if r['entangled'] else None)} "
              f"({r['found_entangled']}/{r['entangled']})", flush=True)


def gfp_params(window: int) -> dict[str, Any]:
    bins = [2, 3, 4, 5, 10]
    return {"num_threads": 2, "time_window": window, "vertex_stats": True, "vertex_stats_cols": [4],
            "vertex_stats_feats": [0, 1, 2, 3, 4, 8, 9, 10], "vertex_stats_tw": window,
            "fan": True, "fan_tw": window, "fan_bins": bins, "degree": True, "degree_tw": window,
            "degree_bins": bins, "scatter-gather": True, "scatter-gather_tw": window, "scatter-gather_bins": bins,
            "temp-cycle": True, "temp-cycle_tw": window, "temp-cycle_bins": bins, "lc-cycle": False}


def gfp_input(case: Case) -> np.ndarray:
    """GFP's input from the stored case: (id, source, target, time, amount, format) per transaction, in time
    order, from the same numbered transactions ours starts from (``edges_sql``); accounts numbered by first
    appearance, senders first. Counted in GFP's feature time, as reading the store counts in ours."""
    numbered = fsql.edges_sql("", ranges_for(case.engine.name))
    edges = case.engine.query(f"SELECT eid, s, r, t, amt, ch FROM ({numbered}) e ORDER BY eid")
    ends = np.concatenate([edges.column("s").to_numpy(), edges.column("r").to_numpy()])
    accounts, first, where = np.unique(ends, return_index=True, return_inverse=True)
    number = np.empty(len(accounts), dtype=np.float64)
    number[np.argsort(first, kind="stable")] = np.arange(len(accounts))
    vertex = number[where.reshape(-1)]
    n = edges.num_rows
    # The payment format's code rides along as a raw column, as ours has it (IBM's GFP examples keep the raw
    # transaction columns beside the graph features too). Times are epoch seconds, counted by the engine.
    return np.column_stack([edges.column("eid").to_numpy().astype(np.float64), vertex[:n], vertex[n:],
                            edges.column("t").to_numpy().astype(np.float64),
                            edges.column("amt").to_numpy().astype(np.float64),
                            edges.column("ch").to_numpy().astype(np.float64)])


def gfp_extract(case: Case, part: np.ndarray, days: float) -> tuple[np.ndarray, dict[str, float]]:
    """GFP's features of every row (fitted on part 0, applied to parts 1 and 2), and its wall and CPU seconds:
    from the stored case to the feature matrix, as ours is timed (``gfp_input`` apart too)."""
    from snapml import GraphFeaturePreprocessor

    timing: dict[str, float] = {}
    with clock(timing, "gfp"):
        with clock(timing, "gfp_input"):
            raw = gfp_input(case)
        gp = GraphFeaturePreprocessor()
        gp.set_params(gfp_params(int(days * 86400)))
        x = np.vstack([gp.fit_transform(raw[part == 0]), gp.transform(raw[part == 1]), gp.transform(raw[part == 2])])
    return x, timing


def median_timing(first: dict[str, float], again: Callable[[], dict[str, float]], reps: int) -> dict[str, float]:
    """Median wall and CPU seconds of ``reps`` runs: ``first`` and ``reps - 1`` more of ``again``."""
    runs = [first] + [again() for _ in range(reps - 1)]
    return {k: float(np.median([r[k] for r in runs])) for k in first}


def peer(case: Case, learned: LearnedCase, windows_days: list[float], reps: int) -> dict[str, Any]:
    """snapml GFP + LightGBM; the window with the best validation F1 is kept. Timing covers GFP's feature
    extraction from the stored case (``gfp_extract``): the median of ``reps`` runs at the kept window (the
    first run counts)."""
    part, y = learned.part, learned.labels
    best: dict[str, Any] | None = None
    for days in windows_days:
        x, timing = gfp_extract(case, part, days)
        x = x[:, 3:]  # drop id, source, target; keep time, amount, payment format and the graph features
        names = [f"f{i}" for i in range(x.shape[1])]
        fitted = fit(x, y, part, names)
        prob = fitted.booster.predict(x[part == 2], num_iteration=fitted.booster.best_iteration)
        result = {"window_days": days, "validation": fitted.validation,
                  "test": prf(y[part == 2], prob >= fitted.threshold), **timing}
        print(f"    GFP window {days:g}d: validation F1 {fitted.validation['f1']:.3f}, test F1 "
              f"{result['test']['f1']:.3f}, GFP {timing['gfp']:.1f}s wall {timing['gfp_cpu']:.1f}s cpu", flush=True)
        if best is None or result["validation"]["f1"] > best["validation"]["f1"]:
            best = result
    assert best is not None
    kept = float(best["window_days"])
    first = {k: float(best[k]) for k in ("gfp", "gfp_cpu", "gfp_input", "gfp_input_cpu")}
    best.update(median_timing(first, lambda: gfp_extract(case, part, kept)[1], reps))
    return best


def amlsim_sets(data: Path) -> list[tuple[str, Callable[[Case, Path], str]]]:
    root = data / "amlsim"
    if not root.is_dir():
        print(f"skipped AMLSim: {root} not found")
        return []
    out = []
    for folder in sorted(p for p in root.iterdir() if (p / "transactions.csv").is_file()):
        def build(case: Case, tmp: Path, folder: Path = folder) -> str:
            ingest_amlsim(case, folder)
            return "case"
        out.append((f"amlsim/{folder.name}", build))
    return out


def mix_sets(data: Path, rows: int, seed: int, names: list[str]) -> list[tuple[str, Callable[[Case, Path], str]]]:
    out = []
    for name in names:
        patterns = data / "amlworld" / f"{name}_Patterns.txt"
        if not patterns.is_file():
            print(f"skipped {name} mix: {patterns} not found")
            continue

        def build(case: Case, tmp: Path, patterns: Path = patterns) -> str:
            generate_case(tmp / "gen", GenerateConfig(transactions=rows, seed=seed, fmt="amlworld",
                                                      mix_patterns=(patterns,)))
            ingest_rates(case, tmp / "gen" / "rates.csv")
            ingest_transactions(case, tmp / "gen" / "transactions.csv", preset="amlworld")
            return str(tmp / "gen" / "truth.json")
        out.append((f"amlworld {name} mix {rows // 1000}k", build))
    return out


def generated_set(rows: int, seed: int) -> tuple[str, Callable[[Case, Path], str]]:
    def build(case: Case, tmp: Path) -> str:
        generate_case(tmp / "gen", GenerateConfig(transactions=rows, seed=seed))
        ingest_rates(case, tmp / "gen" / "rates.csv")
        ingest_transactions(case, tmp / "gen" / "transactions.csv", preset="native")
        return str(tmp / "gen" / "truth.json")
    return f"generated seed {seed} {rows // 1000}k", build


def fmt(m: dict[str, float]) -> str:
    return f"{m['precision']:6.3f} {m['recall']:6.3f} {m['f1']:6.3f}"


def feature_timing(case: Case, learned: LearnedCase) -> dict[str, float]:
    """Wall and CPU seconds of one more feature extraction of the case, as ``learn_transactions`` times it."""
    timing: dict[str, float] = {}
    with clock(timing, "features"):
        transaction_feature_matrix(case, learned.model.spec)
    return timing


def run_set(name: str, build: Callable[[Case, Path], str], windows: list[float], rule_hits: bool,
            reps: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        case = Case.create(Path(tmp) / "case")
        truth = build(case, Path(tmp))
        timing: dict[str, float] = {}
        with clock(timing, "rules"):
            run_detectors(case)
        with case.engine.run():  # the loaded truth lives as long as this run
            load_truth(case, truth)
            with clock(timing, "features"):
                learned = learn_transactions(case, rules=rule_hits)
            rules = rules_alone(case, learned)
            if truth != "case":  # attempts are known (AMLworld mixes, generated): per typology on the test part
                store_learner_findings(case, learned)
                attempt_table(case, learned)
        ours = median_timing({"features": learned.seconds["features"], "features_cpu": learned.seconds["features_cpu"]},
                             lambda: feature_timing(case, learned), reps)
        # With rule hits as features, their run is part of the learner's feature extraction and counts.
        ours_cpu = ours["features_cpu"] + (timing["rules_cpu"] if rule_hits else 0.0)
        ours_features = ours["features"] + (timing["rules"] if rule_hits else 0.0)
        counted = " (rule run counted: its hits are features)" if rule_hits else " (no rule hits read)"
        theirs = peer(case, learned, windows, reps)
        case.close()
    row = {"set": name, "rows": len(learned.labels), "labelled_test": int(learned.labels[learned.part == 2].sum()),
           "labelled_validation": int(learned.labels[learned.part == 1].sum()),
           "ours": learned.metrics["test"], "rules": rules, "peer": theirs, "ours_features_s": ours_features,
           "detect_s": timing["rules"], "detect_cpu_s": timing["rules_cpu"]}
    print(f"{name:34} {row['rows']:>9,} {row['labelled_validation']:>6} {row['labelled_test']:>6} | ours "
          f"{fmt(row['ours'])} | rules "
          f"{fmt(rules)} | GFP({theirs['window_days']:g}d) {fmt(theirs['test'])} | features ours "
          f"{ours_features:6.1f}s ({ours_cpu:.1f} cpu) GFP {theirs['gfp']:6.1f}s "
          f"({theirs['gfp_cpu']:.1f} cpu; input {theirs['gfp_input']:.2f}s) "
          f"ratio {theirs['gfp'] / max(ours_features, 1e-9):4.1f}x wall "
          f"{theirs['gfp_cpu'] / max(ours_cpu, 1e-9):4.1f}x cpu{counted} "
          f"| rules run {timing['rules']:.0f}s ({timing['rules_cpu']:.0f} cpu) | peak RSS {peak_rss_mb():,.0f} MB",
          flush=True)
    return row


def learn_peak(case_path: str, truth: str, engine_mb: int, rounds: int) -> dict[str, float]:
    """In a fresh process: learn on the case (no rule hits; ``rounds`` trees at most) with the engine's memory
    capped at ``engine_mb``; returns timings and this process's peak RSS."""
    case = Case.open(case_path)
    with case.engine.memory_cap(engine_mb), case.engine.run():
        load_truth(case, truth)
        w, c = time.perf_counter(), time.process_time()
        learned = learn_transactions(case, rules=False, rounds=rounds)
        out = {"rows": float(len(learned.labels)), "features_s": learned.seconds["features"],
               "features_cpu": learned.seconds["features_cpu"], "train_s": learned.seconds["train"],
               "total_s": time.perf_counter() - w, "total_cpu": time.process_time() - c,
               "f1": learned.metrics["test"]["f1"]}
    case.close()
    return {**out, "peak_mb": peak_rss_mb()}


def peak_run(rows: int, seed: int, engine_mb: int, rounds: int) -> None:
    """Generate and ingest a seeded case of ``rows`` transactions, then measure ``learn``'s peak RSS in a child
    process (so generating and ingesting do not count)."""
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        w = time.perf_counter()
        generate_case(t / "gen", GenerateConfig(transactions=rows, seed=seed))
        case = Case.create(t / "case")
        ingest_rates(case, t / "gen" / "rates.csv")
        ingest_transactions(case, t / "gen" / "transactions.csv", preset="native")
        stored = case.count("transactions")
        case.close()
        print(f"peak: {stored:,} transactions generated and ingested in {time.perf_counter() - w:.0f}s", flush=True)
        with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:
            r = pool.submit(learn_peak, str(t / "case"), str(t / "gen" / "truth.json"), engine_mb, rounds).result()
    print(f"{'learn peak':34} {int(r['rows']):>9,} | features {r['features_s']:.0f}s ({r['features_cpu']:.0f} cpu) "
          f"| training {r['train_s']:.0f}s ({rounds} rounds at most) | total {r['total_s']:.0f}s "
          f"({r['total_cpu']:.0f} cpu) | test F1 {r['f1']:.3f} | engine capped at {engine_mb:,} MB | peak RSS "
          f"{r['peak_mb']:,.0f} MB (target <= 4,096)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the shared data folder")
    parser.add_argument("--sets", default="amlsim,mix,generated", help="comma-separated: amlsim, mix, generated")
    parser.add_argument("--mix-rows", type=int, default=500_000, help="background rows of each AMLworld mix")
    parser.add_argument("--mixes", default="HI-Medium,LI-Medium", help="which AMLworld pattern files to mix in")
    parser.add_argument("--generated-rows", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--gfp-windows", default="1,7", help="peer windows to try, in days (best on validation)")
    parser.add_argument("--timing-reps", type=int, default=3,
                        help="feature extraction runs timed on each side (ours; GFP's kept window): the median is "
                             "printed, so a cold first run (page faults of fresh memory) weighs on neither side alone")
    parser.add_argument("--rule-hits", action="store_true",
                        help="give the learner the rule findings' hits as features (their rule run then counts in "
                             "its feature time); off by default: on every set they carried no gain")
    parser.add_argument("--peak-rows", type=int, default=0,
                        help="only measure learn's peak RSS on a generated case of this many rows (e.g. 5000000)")
    parser.add_argument("--peak-engine-mb", type=int, default=1024, help="the engine's memory cap for --peak-rows")
    parser.add_argument("--peak-rounds", type=int, default=100, help="at most this many trees for --peak-rows")
    args = parser.parse_args()
    if args.peak_rows:
        peak_run(args.peak_rows, args.seed, args.peak_engine_mb, args.peak_rounds)
        return
    data = args.data.resolve()
    chosen = set(args.sets.split(","))
    windows = [float(w) for w in args.gfp_windows.split(",")]
    sets: list[tuple[str, Callable[[Case, Path], str]]] = []
    if not data.is_dir():
        print(f"skipped AMLSim and AMLworld sets: shared data not found at {data} (use --data)")
    else:
        if "amlsim" in chosen:
            sets += amlsim_sets(data)
        if "mix" in chosen:
            sets += mix_sets(data, args.mix_rows, args.seed, args.mixes.split(","))
    if "generated" in chosen:
        sets.append(generated_set(args.generated_rows, args.seed))
    print(f"{'set':34} {'rows':>9} {'pos va':>6} {'test':>6} |      P      R     F1 (test part, temporal 60/20/20; "
          f"features: median of {args.timing_reps} runs each side, wall seconds, CPU of all threads in brackets)")
    for name, build in sets:
        run_set(name, build, windows, args.rule_hits, args.timing_reps)


if __name__ == "__main__":
    main()
