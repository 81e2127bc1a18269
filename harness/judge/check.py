"""``python -m harness judge check``: meta-evaluate a judge on controlled answers whose order is known.

Every item yields a reference answer and six broken ones (``harness.judge.controls``). The judge
grades each answer and plays each contrast (reference vs broken) in both orders; the automatic
key-point scorer goes through the same contrasts as the judge named ``coverage``. A judge that checks
faithfulness (``harness.judge.support.wants_support``) also marks sentences against the reference as
passage: reference sentences must come back SUPPORTED, the falsified answer's changed sentence and an
off-topic sentence UNSUPPORTED (``harness.judge.support_check``). Verdicts are
cached under ``<out>/judge_checks/`` by the same keys as a run's judgments, and each summary is a
``JudgeCheck`` record keyed by judge fingerprint, rubric name and version and the items' content
hash, so a rerun is free:

    python -m harness judge check --judge embedded --split dev --limit 12
    latest_check("results", judge.fingerprint, "cultural_nuance", "1.0")  # -> JudgeCheck | None
"""

from __future__ import annotations

from pathlib import Path

from harness.benchmark import load_benchmark
from harness.errors import UserError, did_you_mean
from harness.hashing import hash_value
from harness.judge.controls import CONTRASTS, CONTROLS_VERSION, LENGTH_CONTRAST, Controls, build_controls
from harness.progress import progress_bar
from harness.records import ContrastResult, Item, JudgeCheck, Judgment, PairwiseGame
from harness.rubric import JudgeCheckThresholds, Rubric
from harness.store import JsonlStore

CHECKS_DIR = "judge_checks"
CHECK_RUN_ID = "judge-check"
COVERAGE = "coverage"
SUPPORT_KINDS = ("supported", "falsified", "off_topic")  # faithfulness contrast sentences; only the first is supported
CHECK_KEY_VERSION = 2  # 2: whether pairwise games and the faithfulness contrast ran are part of the key


class CoverageJudge:
    """The key-point scorer as a judge: coverage minus the share of pitfalls hit, no pairwise mode."""

    def __init__(self, rubric: Rubric):
        from harness.scoring.keypoints import SCORER, SCORER_VERSION

        self.rubric = rubric
        self.name = COVERAGE
        self.fingerprint = hash_value({"scorer": SCORER, "version": SCORER_VERSION, "embedder": "embedded"})
        self.scale = "coverage minus share of pitfalls hit, -1 to 1"

    def scores(self, pairs: list[tuple[Item, str]]) -> list[float | None]:
        from harness.scoring.keypoints import score_answers

        results = score_answers([item for item, _ in pairs], [answer for _, answer in pairs])
        return [None if r.value is None else r.value - len(r.pitfalls_hit) / max(1, len(item.pitfalls))
                for (item, _), r in zip(pairs, results)]


def check_key(fingerprint: str, rubric: Rubric, content_hash: str, seed: int, pairwise: bool = True,
              support: bool = False) -> str:
    """The check's identity; whether pairwise games were played and (by the faithfulness prompt's version)
    whether the faithfulness contrast ran are in it, so a check made without either is never read back as
    one that has it (nor the reverse)."""
    from harness.judge.support import SUPPORT_PROMPT_VERSION

    return hash_value([CHECK_KEY_VERSION, fingerprint, rubric.name, rubric.version, content_hash, CONTROLS_VERSION,
                       seed, rubric.judge_check.model_dump(), pairwise, SUPPORT_PROMPT_VERSION if support else None],
                      32)


def checks_path(out_dir: Path | str) -> Path:
    return Path(out_dir) / CHECKS_DIR / "checks.jsonl"


def load_checks(out_dir: Path | str) -> list[JudgeCheck]:
    checks = []
    for record in JsonlStore(checks_path(out_dir)):
        try:
            checks.append(JudgeCheck(**record))
        except (TypeError, ValueError):
            continue  # an older or foreign record: not a check this version can read
    return checks


def latest_check(out_dir: Path | str, judge_fingerprint: str, rubric_name: str,
                 rubric_version: str) -> JudgeCheck | None:
    """The newest check of this judge under this rubric version (any benchmark), or None."""
    found = [c for c in load_checks(out_dir) if c.judge_fingerprint == judge_fingerprint
             and c.rubric == rubric_name and c.rubric_version == rubric_version]
    return max(found, key=lambda c: c.created_at) if found else None


def validate_thresholds(thresholds: JudgeCheckThresholds) -> None:
    names = [c.name for c in CONTRASTS]
    for name in thresholds.min_correct_order_by_contrast:
        if name not in names:
            raise UserError(f"rubric judge_check.min_correct_order_by_contrast names an unknown contrast '{name}'",
                            hint=did_you_mean(name, names))


def select_items(benchmark: str, split: str | None, limit: int | None) -> tuple:
    """(benchmark with the checked items, the split's whole pool for donors), split defaulting to dev."""
    whole = load_benchmark(benchmark)
    splits = sorted({i.split for i in whole.items if i.split})
    if split is None and "dev" in splits:
        split = "dev"
    pool = load_benchmark(benchmark, split=split)
    chosen = load_benchmark(benchmark, split=split, limit=limit)
    usable = [i for i in chosen.items if i.reference_answer and i.key_points]
    if len(usable) < 2:
        raise UserError(f"benchmark '{chosen.spec.name}' has {len(usable)} item(s) with a reference answer and key "
                        "points in this selection; a judge check needs at least 2")
    chosen.items = usable
    return chosen, pool.items


def validate_support(setting: str) -> None:
    if setting not in ("auto", "on", "off"):
        raise UserError(f"judge faithfulness must be auto, on or off, not '{setting}'",
                        hint=did_you_mean(setting, ["auto", "on", "off"]))


def run_check(out_dir: Path | str, judge, rubric: Rubric, benchmark, pool: list[Item], *, seed: int = 0,
              pairwise: bool = True, support: str = "auto") -> JudgeCheck:
    """Check one judge (a ``Judge`` or a ``CoverageJudge``); reuses a stored check with the same key.
    ``support`` (auto, on, off) says whether its faithfulness verdicts are checked too (never coverage's)."""
    from harness.judge.support import wants_support

    validate_thresholds(rubric.judge_check)
    validate_support(support)
    name = judge.name if isinstance(judge, CoverageJudge) else judge.spec.name
    with_support = not isinstance(judge, CoverageJudge) and wants_support(name, support)
    pairwise = pairwise and not isinstance(judge, CoverageJudge)  # the scorer plays no games
    key = check_key(judge.fingerprint, rubric, benchmark.content_hash, seed, pairwise, with_support)
    for stored in load_checks(out_dir):
        if stored.key == key:
            return stored
    controls = build_controls(benchmark.items, pool, seed)
    if isinstance(judge, CoverageJudge):
        scores, verdicts, unparsed, total = _coverage_scores(judge, controls), {}, 0, 0
        scale = judge.scale
    else:
        scores, verdicts, unparsed, total = _judge_verdicts(out_dir, judge, controls, pairwise)
        scale = f"mean of the rubric's criteria, {rubric.scale['min']}-{rubric.scale['max']}"
    check = summarise(controls, scores, verdicts, rubric.judge_check, pairwise=pairwise)
    check["unparsed_rate"] = unparsed / total if total else 0.0
    if with_support:
        from harness.judge.support_check import support_controls, support_figures, support_verdicts

        cases = support_controls(controls, seed)
        check["support"], check["support_n"] = support_figures(cases, support_verdicts(out_dir, judge, cases))
    check["failures"] = failures(check, rubric.judge_check)
    record = JudgeCheck(key=key, judge=name, judge_fingerprint=judge.fingerprint, rubric=rubric.name,
                        rubric_version=rubric.version, benchmark=benchmark.spec.name,
                        benchmark_version=benchmark.spec.version, split=benchmark.split,
                        content_hash=benchmark.content_hash, controls_version=CONTROLS_VERSION, seed=seed,
                        n_items=len(controls), scale=scale, thresholds=rubric.judge_check.model_dump(),
                        passed=not check["failures"], **check)
    store = JsonlStore(checks_path(out_dir))
    store.append(record)
    store.close()
    return record


def _coverage_scores(judge: CoverageJudge, controls: dict[str, Controls]) -> dict[tuple[str, str], float | None]:
    todo = [(c.item, name, text) for c in controls.values() for name, text in c.answers.items() if text]
    values = judge.scores([(item, text) for item, _, text in todo])
    return {(item.id, name): value for (item, name, _), value in zip(todo, values)}


def _judge_verdicts(out_dir, judge, controls: dict[str, Controls], pairwise: bool):
    """Single grades of every control answer and both orders of every contrast, cached by judgment keys."""
    from harness.hashing import hash_text
    from harness.judge.run import game_key, single_key

    folder = Path(out_dir) / CHECKS_DIR
    grades = {r["key"]: r for r in JsonlStore(folder / "judgments.jsonl")}
    games = {r["key"]: r for r in JsonlStore(folder / "pairwise.jsonl")}
    hashes = {(c.item.id, n): hash_text(t) for c in controls.values() for n, t in c.answers.items() if t}

    singles = [(c.item, n) for c in controls.values() for n in c.answers if (c.item.id, n) in hashes]
    todo = [(item, n) for item, n in singles if single_key(judge, item, hashes[(item.id, n)]) not in grades]
    store = JsonlStore(folder / "judgments.jsonl")
    answers = {c.item.id: c.answers for c in controls.values()}
    for part in chunks(f"judge check: grading ({judge.spec.name})", todo, judge.backend):
        results = judge.grade([(item, answers[item.id][n]) for item, n in part])
        for (item, n), (completion, verdict, attempts) in zip(part, results):
            record = Judgment(key=single_key(judge, item, hashes[(item.id, n)]), run_id=CHECK_RUN_ID, item_id=item.id,
                              system=n, judge=judge.spec.name, judge_fingerprint=judge.fingerprint,
                              rubric=judge.rubric.name, rubric_version=judge.rubric.version,
                              answer_hash=hashes[(item.id, n)], answer_chars=len(answers[item.id][n]),
                              status="error" if completion.error else ("ok" if verdict else "unparsed"),
                              scores=verdict.scores if verdict else {}, flags=verdict.flags if verdict else {},
                              weighted=bool(verdict and verdict.weighted), attempts=attempts,
                              raw=completion.text or completion.error or "")
            store.append(record)
            grades[record.key] = record.model_dump()
    store.close()
    scores, unparsed = {}, 0
    for item, n in singles:
        record = grades[single_key(judge, item, hashes[(item.id, n)])]
        ok = record["status"] == "ok" and record["scores"]
        scores[(item.id, n)] = sum(record["scores"].values()) / len(record["scores"]) if ok else None
        unparsed += not ok
    total = len(singles)
    if not pairwise:
        return scores, {}, unparsed, total

    played = [(c.item, first, second) for c in controls.values() for contrast in CONTRASTS
              if contrast.name in c.usable
              for first, second in ((contrast.better, contrast.worse), (contrast.worse, contrast.better))]

    def key(item, first, second):
        return game_key(judge, item, hashes[(item.id, first)], hashes[(item.id, second)])

    todo = [g for g in played if key(*g) not in games]
    store = JsonlStore(folder / "pairwise.jsonl")
    for part in chunks(f"judge check: pairwise ({judge.spec.name})", todo, judge.backend):
        results = judge.compare([(item, answers[item.id][f], answers[item.id][s]) for item, f, s in part])
        for (item, first, second), (completion, verdict, attempts) in zip(part, results):
            record = PairwiseGame(key=key(item, first, second), run_id=CHECK_RUN_ID, item_id=item.id,
                                  first_system=first, second_system=second, judge=judge.spec.name,
                                  judge_fingerprint=judge.fingerprint, rubric=judge.rubric.name,
                                  rubric_version=judge.rubric.version, first_hash=hashes[(item.id, first)],
                                  second_hash=hashes[(item.id, second)],
                                  first_chars=len(answers[item.id][first]), second_chars=len(answers[item.id][second]),
                                  status="error" if completion.error else ("ok" if verdict else "unparsed"),
                                  verdict={"a": "first", "b": "second", "tie": "tie"}.get(verdict),
                                  attempts=attempts, raw=completion.text or completion.error or "")
            store.append(record)
            games[record.key] = record.model_dump()
    store.close()
    verdicts = {}
    for item, first, second in played:
        record = games[key(item, first, second)]
        verdicts[(item.id, first, second)] = record["verdict"] if record["status"] == "ok" else None
        unparsed += record["status"] != "ok"
    return scores, verdicts, unparsed, total + len(played)


def chunks(label: str, todo: list, backend):
    """Item-major parts (the order they were listed in), so a backend can reuse each item's prompt prefix."""
    if not todo:
        return
    size = max(getattr(backend, "batch_size", 1), getattr(backend, "concurrency", 1)) * 2
    with progress_bar(label, total=len(todo)) as advance:
        for start in range(0, len(todo), size):
            yield todo[start : start + size]
            advance(len(todo[start : start + size]))


def _winner(verdict: str | None, first: str, second: str) -> str | None:
    return {"first": first, "second": second, "tie": "tie"}.get(verdict) if verdict else None


def summarise(controls: dict[str, Controls], scores: dict[tuple[str, str], float | None],
              verdicts: dict[tuple[str, str, str], str | None], thresholds: JudgeCheckThresholds, *,
              pairwise: bool = True) -> dict:
    """Per-contrast and pooled figures from single scores and pairwise verdicts (both orders)."""
    from harness.stats.bootstrap import bootstrap_mean_ci

    rows, pooled_single, pooled_pair, pooled_consistent = [], [], [], []
    length_preference = []
    for contrast in CONTRASTS:
        items = [c.item.id for c in controls.values() if contrast.name in c.usable]
        diffs = [scores[(i, contrast.better)] - scores[(i, contrast.worse)] for i in items
                 if scores.get((i, contrast.better)) is not None and scores.get((i, contrast.worse)) is not None]
        row = ContrastResult(name=contrast.name, better=contrast.better, worse=contrast.worse, n_items=len(items),
                             threshold=thresholds.min_correct_order_by_contrast.get(contrast.name,
                                                                                    thresholds.min_correct_order))
        if diffs:
            row.single_correct = sum(d > 1e-9 for d in diffs) / len(diffs)
            row.single_worse_wins = sum(d < -1e-9 for d in diffs) / len(diffs)
            mean, lo, hi = bootstrap_mean_ci(diffs, seed=0)
            row.separation, row.separation_ci = mean, [lo, hi]
            pooled_single += [d > 1e-9 for d in diffs]
        if pairwise:
            outcomes = []
            for i in items:
                one = _winner(verdicts.get((i, contrast.better, contrast.worse)), contrast.better, contrast.worse)
                two = _winner(verdicts.get((i, contrast.worse, contrast.better)), contrast.worse, contrast.better)
                if one is not None and two is not None:
                    outcomes.append((one, two))
            if outcomes:
                row.pairwise_correct = sum(a == b == contrast.better for a, b in outcomes) / len(outcomes)
                row.pairwise_worse_wins = sum(a == b == contrast.worse for a, b in outcomes) / len(outcomes)
                row.position_consistency = sum(a == b for a, b in outcomes) / len(outcomes)
                pooled_pair += [a == b == contrast.better for a, b in outcomes]
                pooled_consistent += [a == b for a, b in outcomes]
        if contrast.name == LENGTH_CONTRAST:
            length_preference = [v for v in (row.single_worse_wins, row.pairwise_worse_wins) if v is not None]
        rows.append(row)
    share = (lambda values: sum(values) / len(values) if values else None)
    single, pair = share(pooled_single), share(pooled_pair)
    return {"contrasts": rows, "order_correct_single": single, "order_correct_pairwise": pair,
            "order_correct": pair if pair is not None else single, "position_consistency": share(pooled_consistent),
            "length_preference": max(length_preference) if length_preference else None}


def failures(check: dict, thresholds: JudgeCheckThresholds) -> list[str]:
    """What misses a threshold, in words; marks each contrast row passed or not."""
    failed = []
    for row in check["contrasts"]:
        measured = [v for v in (row.single_correct, row.pairwise_correct) if v is not None]
        if not measured:
            continue
        row.passed = all(v >= row.threshold for v in measured)
        if not row.passed:
            failed.append(f"{row.name}: {min(measured):.0%} ordered correctly (needs {row.threshold:.0%})")
    consistency, length = check["position_consistency"], check["length_preference"]
    if consistency is not None and consistency < thresholds.min_position_consistency:
        failed.append(f"position consistency {consistency:.2f} (needs {thresholds.min_position_consistency:.2f})")
    if length is not None and length > thresholds.max_length_preference:
        failed.append(f"length preference {length:.0%} (at most {thresholds.max_length_preference:.0%})")
    if check["unparsed_rate"] > thresholds.max_unparsed_rate:
        failed.append(f"unparsed {check['unparsed_rate']:.0%} (at most {thresholds.max_unparsed_rate:.0%})")
    support = check.get("support")
    if support:
        for kind in SUPPORT_KINDS:
            value = support[kind]
            if value is not None and value < thresholds.min_support_accuracy:
                failed.append(f"faithfulness {kind}: {value:.0%} of sentences marked correctly "
                              f"(needs {thresholds.min_support_accuracy:.0%})")
        if support["unparsed"] > thresholds.max_unparsed_rate:
            failed.append(f"faithfulness unparsed {support['unparsed']:.0%} "
                          f"(at most {thresholds.max_unparsed_rate:.0%})")
    return failed


def check_judges(specs: list[str], rubric: Rubric, *, benchmark: str, split: str | None, limit: int | None,
                 out: str, seed: int = 0, pairwise: bool = True, support: str = "auto",
                 options=None) -> list[JudgeCheck]:
    """Check every judge of a comma-separated panel, then the key-point scorer, on the same controls;
    ``support`` (auto, on, off) adds the faithfulness contrast for the judges that check faithfulness."""
    from harness.judge.judge import Judge, parse_judge_spec

    validate_thresholds(rubric.judge_check)
    validate_support(support)
    names = [s.strip() for s in specs if s.strip()]
    judges = [CoverageJudge(rubric) if name == COVERAGE else
              Judge(parse_judge_spec(name), rubric, **(options or {})) for name in names]
    if not any(isinstance(j, CoverageJudge) for j in judges):
        judges.append(CoverageJudge(rubric))
    chosen, pool = select_items(benchmark, split, limit)
    checks = []
    for judge in judges:
        try:
            checks.append(run_check(out, judge, rubric, chosen, pool, seed=seed, pairwise=pairwise,
                                    support=support))
        finally:
            if not isinstance(judge, CoverageJudge):
                judge.close()
    return checks
