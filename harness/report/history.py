"""Iteration history: every adapter evaluated on a benchmark, in training order, with what changed.

Each run manifest keeps a snapshot of its adapters (hash, training config, data hashes, pair
count), so retraining into the same folder loses nothing. For every adapter the history shows the
config diff from the previous one, its score with a CI, and paired tests against the previous
iteration and against the best RAG-family system, on the items both answered.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.run_records import RunRecords, benchmark_key, list_runs, read_manifest

IGNORED_CONFIG_KEYS = {"runtime", "output_dir", "logging_dir", "run_name", "hub_model_id"}


@dataclass
class Iteration:
    system: str  # the variant name it was evaluated under
    kind: str
    adapter_hash: str
    adapter: str
    trained_at: str
    config: dict[str, Any]
    data: dict[str, Any]
    training: dict[str, Any]
    run_id: str
    scores: dict[str, float] = field(default_factory=dict)  # item id -> score


@dataclass
class History:
    benchmark: tuple
    metric: str  # "judge: NAME" or "key-point coverage"
    iterations: list[Iteration]
    rag: tuple[str, dict[str, float]] | None  # best RAG-family system and its per-item scores


def flatten(config: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat = {}
    for key, value in (config or {}).items():
        if key in IGNORED_CONFIG_KEYS:
            continue
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten(value, name + "."))
        else:
            flat[name] = value
    return flat


def config_diff(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    a, b = flatten(old), flatten(new)
    changes = []
    for key in sorted(set(a) | set(b)):
        if a.get(key) != b.get(key):
            changes.append(f"{key}: {a.get(key, 'default')} → {b.get(key, 'default')}")
    return changes


def data_summary(data: dict[str, Any]) -> str:
    hashes = data.get("data_hashes") or {}
    train = next((h for path, h in hashes.items() if "val" not in Path(path).name), None)
    pairs = data.get("train_examples", data.get("train_docs"))
    return f"{pairs if pairs is not None else '?'} pairs, data {train[:10] if train else '?'}"


def system_scores(records: RunRecords, system: str, judge: str | None, judgments: dict) -> dict[str, float]:
    from harness.scoring.keypoints import SCORER

    scores = {}
    for (name, item_id), answer in records.answers.items():
        if name != system or answer.get("status") != "ok":
            continue
        if judge:
            record = judgments.get((judge, item_id, records.hashes[(name, item_id)]))
            if record and record["status"] == "ok" and record["scores"]:
                scores[item_id] = sum(record["scores"].values()) / len(record["scores"])
        else:
            score = records.scores.get((SCORER, name, item_id))
            if score and score["status"] == "ok":
                scores[item_id] = score["value"]
    return scores


def collect_history(out_dir: Path, benchmark: tuple | None = None, judge: str | None = None) -> History | None:
    """Adapters evaluated on ``benchmark`` (name, version, split; default: the newest main run's)."""
    from harness.judge.judge import WEAK_JUDGES
    from harness.run_records import Comparison, rubric_identity

    runs = [r for r in list_runs(out_dir) if read_manifest(r)["benchmark"].get("role", "main") != "control"]
    if not runs:
        return None
    benchmark = benchmark or benchmark_key(read_manifest(runs[-1]))
    runs = [r for r in runs if benchmark_key(read_manifest(r)) == benchmark]
    records = [RunRecords.load(r) for r in runs]
    holder = Comparison(benchmark={}, systems=[], runs={}, items=[])
    holder.load_judgments(out_dir, rubric_identity(records[-1].manifest.get("rubric") or "cultural_nuance"))
    if judge is None:
        judges = sorted({key[0] for key in holder.judgments})
        strong = [j for j in judges if j not in WEAK_JUDGES]
        judge = (strong or judges or [None])[0]
    by_hash: dict[str, Iteration] = {}
    rag_best: tuple[str, dict[str, float]] | None = None
    for run in records:  # oldest first: a newer evaluation of the same adapter replaces an older one
        for name, entry in run.manifest["systems"].items():
            details = entry.get("details") or {}
            family = entry.get("family")
            if family == "rag":
                scores = system_scores(run, name, judge, holder.judgments)
                if scores and (rag_best is None or mean(scores) >= mean(rag_best[1])):
                    rag_best = (name, scores)
            if not details.get("adapter_hash"):
                continue
            iteration = Iteration(
                system=name, kind=entry.get("kind") or name, adapter_hash=details["adapter_hash"],
                adapter=details.get("adapter", ""), trained_at=details.get("trained_at") or run.manifest["created_at"],
                config=details.get("training_config") or {}, data=details.get("data") or {},
                training=details.get("training") or {}, run_id=run.manifest["run_id"],
                scores=system_scores(run, name, judge, holder.judgments))
            if iteration.scores:
                by_hash[iteration.adapter_hash] = iteration
    iterations = sorted(by_hash.values(), key=lambda it: (it.trained_at, it.run_id))
    return History(benchmark, f"judge: {judge}" if judge else "key-point coverage", iterations, rag_best)


def mean(scores: dict[str, float]) -> float:
    return sum(scores.values()) / len(scores) if scores else float("nan")


def paired(a: dict[str, float], b: dict[str, float]):
    """Diff (a - b) with bootstrap CI and Wilcoxon p on common items, or None under 2 items."""
    from harness.stats import paired_bootstrap, wilcoxon_signed_rank

    common = sorted(set(a) & set(b))
    if len(common) < 2:
        return None
    xa, xb = [a[i] for i in common], [b[i] for i in common]
    boot = paired_bootstrap(xa, xb)
    return boot["mean_diff"], boot["ci_low"], boot["ci_high"], wilcoxon_signed_rank(xa, xb)["p_value"], len(common)


def history_section(history: History | None) -> str:
    """The leaderboard's 'Iteration history' section ("" with fewer than one adapter)."""
    from harness.report.markdown import table
    if history is None or not history.iterations:
        return ""

    def test_cell(result) -> str:
        if result is None:
            return "n/a"
        diff, lo, hi, p, n = result
        return f"{diff:+.3f} [{lo:+.3f}, {hi:+.3f}], p = {p:.3f}, n = {n}"

    rows = []
    previous = None
    for number, it in enumerate(history.iterations, start=1):
        values = list(it.scores.values())
        score = f"{mean(it.scores):.3f}" + (" [{:.3f}, {:.3f}]".format(*score_ci(values)) if len(values) >= 2 else "")
        changes = config_diff(previous.config, it.config) if previous else ["first adapter"]
        rows.append((str(number), it.system, it.adapter_hash[:10], it.trained_at[:19], data_summary(it.data),
                     "; ".join(changes[:6]) + (f"; +{len(changes) - 6} more" if len(changes) > 6 else ""),
                     score, test_cell(paired(it.scores, previous.scores)) if previous else "-",
                     test_cell(paired(it.scores, history.rag[1])) if history.rag else "no RAG run"))
        previous = it
    rag = f" RAG reference: `{history.rag[0]}`." if history.rag else ""
    return ("## Iteration history\n\n"
            f"Every adapter evaluated on this benchmark, in training order ({history.metric}; "
            f"tests are paired bootstrap CIs and Wilcoxon p on the items both answered).{rag} "
            "`python -m harness history` prints the same table.\n\n"
            + table(["#", "system", "adapter", "trained", "data", "changed from previous", "score [95% CI]",
                     "vs previous", "vs RAG"], rows, "lllllllll"))


def score_ci(values: list[float]) -> tuple[float, float]:
    from harness.stats import bootstrap_mean_ci

    _, low, high = bootstrap_mean_ci(values)
    return low, high


def history_plot(history: History | None, path: Path) -> Path | None:
    """Score per iteration with 95% CIs (plain-text labels); None with fewer than two iterations."""
    if history is None or len(history.iterations) < 2:
        return None
    import matplotlib

    matplotlib.use("Agg")
    with matplotlib.rc_context({"text.parse_math": False, "text.usetex": False}):
        import matplotlib.pyplot as plt

        means = [mean(it.scores) for it in history.iterations]
        cis = [score_ci(list(it.scores.values())) if len(it.scores) >= 2 else (m, m)
               for it, m in zip(history.iterations, means)]
        x = list(range(1, len(means) + 1))
        fig, ax = plt.subplots(figsize=(max(4.0, 1.2 * len(x) + 2), 3.2))
        ax.errorbar(x, means, yerr=[[m - lo for m, (lo, _) in zip(means, cis)], [hi - m for m, (_, hi) in zip(means, cis)]],
                    fmt="o-", capsize=4, label="adapter iterations")
        if history.rag:
            ax.axhline(mean(history.rag[1]), color="grey", linestyle="--", label=f"RAG ({history.rag[0]})"[:40])
        ax.set_xticks(x, [f"{i}: {it.system}"[:24] for i, it in zip(x, history.iterations)], rotation=20, ha="right")
        ax.set_ylabel(history.metric[:40])
        ax.set_title("score per adapter iteration (95% CI)")
        ax.legend(loc="best", fontsize=8)
        fig.tight_layout()
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp.png")
        fig.savefig(tmp, dpi=110)
        plt.close(fig)
        tmp.replace(path)
    return path
