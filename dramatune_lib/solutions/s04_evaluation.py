"""Solutions to the exercises of notebook 04 (evaluation), on the fast benchmark."""

from __future__ import annotations

from .. import evaluation, matching


def _benchmark():
    tracks = evaluation.benchmark_tracks(fast=True)
    table, placed = evaluation.music_benchmark(tracks)
    return tracks, table, placed


def solution_04_1(show: bool = False):
    """Exercise 1: the matcher on the benchmark's libraries reading each track by its rank in the
    library only (relative_weight=1), by its absolute place only (0), and blended (the default):
    share of top-3 picks from a fitting context, per mood.

    Notebook: 04_evaluation.ipynb
    """
    import pandas as pd

    tracks, _, placed = _benchmark()
    cols = {}
    for name, rw in (
        ("absolute only (0)", 0.0),
        (f"blended ({matching.RELATIVE_WEIGHT})", matching.RELATIVE_WEIGHT),
        ("rank only (1)", 1.0),
    ):
        _, summary = evaluation.matcher_benchmark(tracks, placed, relative_weight=rw)
        cols[name] = summary["DramaTune matcher"]
    table = pd.DataFrame(cols)
    if show:
        print(table.to_string())
    return table


def solution_04_2(show: bool = False):
    """Exercise 2: the matcher with tempo weighed heavily (``MatchWeights(tempo=0.5)``) beside its
    default weights, on the benchmark's whole libraries.

    Notebook: 04_evaluation.ipynb
    """
    import pandas as pd

    tracks, _, placed = _benchmark()
    _, default = evaluation.matcher_benchmark(tracks, placed)
    _, tempo = evaluation.matcher_benchmark(tracks, placed, weights=matching.MatchWeights(tempo=0.5))
    table = pd.DataFrame({"default weights": default["DramaTune matcher"], "tempo 0.5": tempo["DramaTune matcher"]})
    if show:
        print(table.to_string())
    return table


def solution_04_3(show: bool = False):
    """Exercise 3: the game whose tracks the default method places worst (lowest mean of the
    valence and arousal AUC), and what its "peace" tracks measure: tempo, loudness, mode, onsets.

    Notebook: 04_evaluation.ipynb
    """
    import pandas as pd

    tracks, table, _ = _benchmark()
    games = table[(table["game"] != "all games") & (table["method"] == evaluation.DEFAULT_METHOD)].copy()
    games["mean AUC"] = (games["valence AUC"] + games["arousal AUC"]) / 2
    hardest = games.sort_values("mean AUC").iloc[0]
    peace = pd.DataFrame(
        [
            {
                "track": b.name,
                "tempo": b.features.tempo,
                "LUFS": b.features.loudness_lufs,
                "mode": b.features.mode,
                "onsets/s": b.features.onset_density,
            }
            for b in tracks
            if b.game == hardest["game"] and b.group == "peace"
        ]
    )
    if show:
        print(f"hardest: {hardest['game']} (mean AUC {hardest['mean AUC']:.2f}); its peace tracks:")
        print(peace.to_string())
    return hardest["game"], peace
