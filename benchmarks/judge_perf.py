"""Speed of the form-filling judge, as ratios (not a timed test).

    python -m benchmarks.judge_perf [--items 4] [--judge embedded]
    git show <old-sha>:harness/backends/form_fill.py > /tmp/form_fill_old.py
    python -m benchmarks.judge_perf --baseline /tmp/form_fill_old.py   # before/after on the same prompts
    git show 84d8552:rubrics/cultural_nuance.yaml > /tmp/rubric_1_0.yaml
    python -m benchmarks.judge_perf --rubric /tmp/rubric_1_0.yaml      # the same, with an older prompt order

A demo-shaped workload: per item, four answers (the reference, the incomplete, falsified and
padded controls, standing in for four systems) graded singly, and the anchor plan's games (one
answer against the other three, plus one more pair) in both orders. Prints seconds per single
grade and per game for (a) each prompt prefilled on its own and (b) one shared prefill per item,
or the baseline module's ``form_fill`` instead of (a), and the largest probability difference
between the two (they must agree).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import time


def workload(n_items: int):
    from harness.benchmark import load_benchmark
    from harness.judge.controls import build_controls

    pool = load_benchmark("indian_cultural_nuance", split="dev").items
    items = load_benchmark("indian_cultural_nuance", split="dev", limit=n_items).items
    controls = build_controls(items, pool)
    systems = ("reference", "incomplete", "falsified", "padded")
    singles, games = [], []
    for c in controls.values():
        answers = {s: c.answers[s] or c.answers["reference"] for s in systems}
        singles += [(c.item, answers[s]) for s in systems]
        pairs = [("reference", s) for s in systems[1:]] + [("incomplete", "falsified")]
        games += [(c.item, answers[a], answers[b]) for x, y in pairs for a, b in ((x, y), (y, x))]
    return singles, games


def timed(judge, singles, games, form_fill, keyed: bool):
    """(seconds per grade, per game, all probabilities) with ``form_fill`` in place of the judge's."""
    import harness.backends.form_fill as module

    original = module.form_fill

    def patched(backend, texts, fields, keys=None, **kwargs):
        return form_fill(backend, texts, fields, **({"keys": keys if keyed else list(range(len(texts)))}
                                                    if "keys" in form_fill.__code__.co_varnames else {}))

    module.form_fill = patched
    try:
        started = time.perf_counter()
        grades = judge.grade(singles)
        middle = time.perf_counter()
        verdicts = judge.compare(games)
        ended = time.perf_counter()
    finally:
        module.form_fill = original
    probabilities = [v for _, verdict, _ in grades for v in verdict.scores.values()]
    probabilities += [float(part.split("=")[1]) for completion, _, _ in verdicts
                      for part in completion.text.removeprefix("form-filled: ").split(", ")]
    return (middle - started) / len(singles), (ended - middle) / len(games), probabilities


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=4)
    parser.add_argument("--judge", default="embedded")
    parser.add_argument("--baseline", help="an older form_fill.py to compare against (default: no prefix sharing)")
    parser.add_argument("--rubric", default="cultural_nuance", help="rubric name or path (its prompts are timed)")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    from harness.backends.form_fill import form_fill
    from harness.judge.judge import Judge, parse_judge_spec
    from harness.rubric import load_rubric

    judge = Judge(parse_judge_spec(args.judge), load_rubric(args.rubric))
    singles, games = workload(args.items)
    judge.grade(singles[:1])  # load the model and warm up before timing
    if args.baseline:
        spec = importlib.util.spec_from_file_location("form_fill_baseline", args.baseline)
        baseline = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(baseline)
        before_label, before = "baseline", timed(judge, singles, games, baseline.form_fill, keyed=False)
    else:
        before_label, before = "no sharing", timed(judge, singles, games, form_fill, keyed=False)
    after = timed(judge, singles, games, form_fill, keyed=True)
    drift = max(abs(a - b) for a, b in zip(before[2], after[2]))
    print(f"{len(singles)} single grades and {len(games)} games over {args.items} items, judge {args.judge}, "
          f"rubric {judge.rubric.name} {judge.rubric.version}")
    print(f"{before_label:>12}: {before[0]:.2f} s per grade, {before[1]:.2f} s per game")
    print(f"{'shared':>12}: {after[0]:.2f} s per grade, {after[1]:.2f} s per game")
    print(f"speed-up: {before[0] / after[0]:.2f}x per grade, {before[1] / after[1]:.2f}x per game; "
          f"largest score/probability difference {drift:.4f}")
    demo = 64 * after[0] + 16 * 8 * after[1]
    print(f"demo estimate (16 items x 4 systems: 64 grades, 128 anchor-plan games): {demo / 60:.1f} min "
          f"(was {(64 * before[0] + 16 * 8 * before[1]) / 60:.1f} min)")


if __name__ == "__main__":
    main()
