"""Solutions to the exercises of notebook 03 (training), in fast mode."""

from __future__ import annotations

from .. import feature_extraction as fx
from .. import training


def _f1_table(**reports):
    import pandas as pd

    return pd.DataFrame({name: r.f1 for name, r in reports.items()})


def solution_03_1(show: bool = False):
    """Exercise 1: the sound classifier evaluated on random held-out seconds against whole held-out
    files. Seconds of one recording land on both sides, so the test hears voices and rooms the
    model trained on: F1 rises, and says nothing about recordings it has never heard.

    Notebook: 03_training.ipynb
    """
    clips = training.sound_corpus(fast=True)
    _, files = training.train_sound_classifier(clips, fast=True)
    _, seconds = training.train_sound_classifier(clips, fast=True, hold_out="seconds")
    table = _f1_table(**{"whole files held out": files, "random seconds held out": seconds})
    if show:
        print(table.mean().round(3).to_string())
    return table


def solution_03_2(show: bool = False):
    """Exercise 2: the classifier without the 13 MFCCs (their means and spreads, 26 of the 68
    features), on the same held-out files. What F1 loses is what the MFCCs carried.

    Notebook: 03_training.ipynb
    """
    names = [f"{s}_{n}" for s in ("mean", "std") for n in fx.ST_FEATURES]
    keep = [i for i, n in enumerate(names) if "mfcc" not in n]
    clips = training.sound_corpus(fast=True)
    _, every = training.train_sound_classifier(clips, fast=True)
    _, fewer = training.train_sound_classifier(clips, fast=True, columns=keep)
    table = _f1_table(**{"all 68 features": every, f"without MFCCs ({len(keep)})": fewer})
    if show:
        print(table.to_string())
    return table


def solution_03_3(show: bool = False, *, game: str = "naev-data"):
    """Exercise 3: the arousal model fitted on one game's soundtrack beside the one fitted on all
    (``same sign`` marks the weights that agree). A weight that flips between them is that
    composer's habit, not something to trust on another composer's music; on naev's 41 pieces
    (ambient and combat only) about half of the fifteen flip.

    Notebook: 03_training.ipynb
    """
    import pandas as pd

    clips = training.soundtrack_clips(full=False)
    one = [c for c in clips if c.source == game]
    weights = {}
    for name, chosen in ((game, one), ("all games", clips)):
        kept, feats = training.soundtrack_features(chosen)
        weights[name] = training.music_model_table(training.fit_music_model(kept, feats)).set_index("feature")["weight"]
    table = pd.DataFrame(weights)
    table["same sign"] = (table[game] * table["all games"]) > 0
    if show:
        print(table.round(2).to_string())
    return table
