"""Over-specialisation control: each system on the general (non-India) control benchmark against base.

Given the main comparison and the control comparison (``collect(out, benchmark="general_control")``):
each system's control score minus base's (key-point coverage, and the primary judge's score when
the control answers were judged), with a paired bootstrap CI; the India-insertion rate per system
(``harness/scoring/india_insertion.py``) with a bootstrap CI; and one verdict sentence.
"""

from __future__ import annotations

from harness.run_records import Comparison
from harness.report.markdown import num, table
from harness.report.taught_sections import signals, slice_test

BASE = "base"


def base_system(comparison: Comparison) -> str | None:
    """The base model's variant: family ``base`` in the manifest, else the system named ``base``."""
    for system in comparison.systems:
        if comparison.manifest(system)["systems"][system].get("family") == "base":
            return system
    return BASE if BASE in comparison.systems else None


def insertions(control: Comparison) -> dict[str, dict[str, bool]]:
    """{system: {item id: inserted}} over the control items, computed once per comparison."""
    from harness.scoring.india_insertion import detect

    def compute():
        pairs = [(s, i) for s in control.systems for i in control.items]
        found = detect([i.question for _, i in pairs], [control.answer(s, i.id)["text"] for s, i in pairs])
        result: dict[str, dict[str, bool]] = {s: {} for s in control.systems}
        for (system, item), insertion in zip(pairs, found):
            result[system][item.id] = insertion.inserted
        return result

    return control.cached(("india_insertion",), compute)


def regression(comparison: Comparison, system: str, base: str, scores) -> dict | None:
    """Paired bootstrap of system - base over the items both were scored on."""
    test = slice_test(scores, system, base, [i.id for i in comparison.items])
    return test if test["mean_diff"] is not None else None


def insertion_rate(control: Comparison, system: str) -> tuple[float, float, float, int]:
    from harness.stats import bootstrap_mean_ci

    values = [float(v) for v in insertions(control)[system].values()]
    return (*bootstrap_mean_ci(values), len(values)) if values else (None, None, None, 0)


def control_section(main: Comparison, control: Comparison | None) -> str:
    """Control regression vs base and India-insertion rates ("" without a control run)."""
    if control is None or not control.items:
        return ""
    base = base_system(control)
    rows = []
    found = signals(control)
    for system in control.systems:
        row = [system]
        for _, scores in found:
            test = regression(control, system, base, scores) if base and system != base else None
            row.append("(reference)" if system == base else
                       f"{test['mean_diff']:+.3f} [{test['ci_low']:+.3f}, {test['ci_high']:+.3f}]" if test else "n/a")
        rate, lo, hi, n = insertion_rate(control, system)
        row.append(f"{rate:.0%} [{lo:.0%}, {hi:.0%}]" if n else "n/a")
        examples = [i for i, hit in insertions(control)[system].items() if hit][:3]
        row.append(", ".join(examples) or "-")
        rows.append(row)
    headers = ["system", *(f"{name} minus {base or 'base'} [95% CI]" for name, _ in found),
               "India-insertion rate [95% CI]", "flagged items (first 3)"]
    b = control.benchmark
    text = [f"## Over-specialisation control: {b['name']} v{b['version']} ({len(control.items)} items)", "",
            table(headers, rows), "",
            "Each column is the system's per-item score on general, non-India questions minus base's, with a paired "
            "bootstrap interval: a negative difference is lost general ability. India insertion counts answers that "
            "bring Indian customs, terms or places into a question that did not ask about India (a word-bounded "
            "lexicon plus a MiniLM prototype check); the interval is a bootstrap over items."]
    if not base:
        text += ["", "No `base` system in the control run, so there is no reference to subtract."]
    sentence = control_verdict_line(main, control)
    if sentence:
        text += ["", sentence]
    return "\n".join(text)


def control_verdict_line(main: Comparison, control: Comparison | None, system: str = "sft") -> str:
    """E.g. "SFT gains +0.04 on cultural nuance and loses -0.01 (CI -0.03 to +0.01) on general questions;
    India-insertion 12% vs base 1%." ("" when the control run, base or the system is missing)."""
    if control is None or system not in control.systems or system not in main.systems:
        return ""
    base = base_system(control)
    main_base = base_system(main)
    if base is None or main_base is None:
        return ""
    main_signals, control_found = dict(signals(main)), dict(signals(control))
    shared = [name for name in main_signals if name in control_found]
    if not shared:
        return ""
    name = shared[0]
    gain = regression(main, system, main_base, main_signals[name])
    loss = regression(control, system, base, control_found[name])
    if gain is None or loss is None:
        return ""
    rate, _, _, _ = insertion_rate(control, system)
    base_rate, _, _, _ = insertion_rate(control, base)

    def verb(diff: float) -> str:  # by the shown (rounded) value, so "-0.00" never "loses"
        shown = round(diff, 2)
        return "gains" if shown > 0 else "loses" if shown < 0 else "changes by"

    unit = name.split(" (")[0]
    return (f"{system.upper()} {verb(gain['mean_diff'])} {gain['mean_diff']:+.2f} relative to base on cultural nuance "
            f"(CI {gain['ci_low']:+.2f} to {gain['ci_high']:+.2f}) and {verb(loss['mean_diff'])} "
            f"{loss['mean_diff']:+.2f} (CI {loss['ci_low']:+.2f} to {loss['ci_high']:+.2f}) on general questions "
            f"({unit}); India-insertion {num(rate * 100, 0)}% vs base {num(base_rate * 100, 0)}%.")
