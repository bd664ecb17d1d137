"""Stage 04 · the pairwise AUC that scores a placement on real soundtracks, and its bootstrap interval."""

from __future__ import annotations

import numpy as np


def pairwise_auc(score, groups, sides, games) -> tuple[float, int]:
    """Share of pairs (one track of each side, both of one game) that ``score`` orders the way
    the groups say, ties counting half; and the number of pairs. NaN with no pair.

    Used by: :func:`auc_interval`, :func:`music_benchmark`
    """
    score, groups, games = np.asarray(score, float), np.asarray(groups), np.asarray(games)
    hi, lo = np.isin(groups, sides[0]), np.isin(groups, sides[1])
    good, n = 0.0, 0
    for g in np.unique(games):
        a, b = score[hi & (games == g)], score[lo & (games == g)]
        if a.size and b.size:
            d = a[:, None] - b[None, :]
            good += float((d > 0).sum() + 0.5 * (d == 0).sum())
            n += d.size
    return (good / n if n else float("nan")), n


#: Bootstrap draws behind an AUC's 95 % interval (chosen by hand: enough for ends steady to a
#: few hundredths, few enough to add seconds, not minutes, to the benchmark).
BOOTSTRAP_DRAWS = 500


def auc_interval(score, groups, sides, games, *, draws: int = BOOTSTRAP_DRAWS, seed: int = 0) -> tuple[float, float]:
    """The 95 % bootstrap interval of :func:`pairwise_auc`: the labelled tracks are drawn again
    with replacement, ``draws`` times, and the AUC's 2.5th and 97.5th percentiles kept. Wide
    where the pairs are few: a figure from a handful of pairs is a coin thrown a handful of times.
    (NaN, NaN) with no pair.

    Used by: :func:`music_benchmark`
    """
    score, groups, games = np.asarray(score, float), np.asarray(groups), np.asarray(games)
    rng = np.random.default_rng(seed)
    aucs = []
    for _ in range(draws if score.size else 0):
        i = rng.integers(0, score.size, score.size)
        auc, n = pairwise_auc(score[i], groups[i], sides, games[i])
        if n:
            aucs.append(auc)
    if not aucs:
        return float("nan"), float("nan")
    lo, hi = np.percentile(aucs, [2.5, 97.5])
    return float(lo), float(hi)
