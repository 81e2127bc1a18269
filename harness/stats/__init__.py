"""Statistics for comparing systems: bootstrap intervals, paired tests, pairwise ratings, agreement.

Inputs are plain sequences of per-item scores or verdicts; outputs are floats, tuples and dicts.
Randomised procedures take a ``seed`` so reports are reproducible.
"""

from harness.stats.agreement import krippendorff_alpha, length_correlation, pairwise_agreement, spearman
from harness.stats.bootstrap import bootstrap_mean_ci, paired_bootstrap
from harness.stats.paired_tests import (
    cohens_dz,
    holm_correction,
    minimum_detectable_difference,
    minimum_detectable_win_rate_gap,
    sign_test,
    wilcoxon_signed_rank,
)
from harness.stats.pairwise import bootstrap_bradley_terry, fit_bradley_terry, win_rate_ci

__all__ = [
    "bootstrap_bradley_terry",
    "bootstrap_mean_ci",
    "cohens_dz",
    "fit_bradley_terry",
    "holm_correction",
    "krippendorff_alpha",
    "length_correlation",
    "minimum_detectable_difference",
    "minimum_detectable_win_rate_gap",
    "paired_bootstrap",
    "pairwise_agreement",
    "sign_test",
    "spearman",
    "wilcoxon_signed_rank",
    "win_rate_ci",
]
