"""Solutions to the exercises of notebook 01 (dataset prep)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from .. import dataset_prep
from .. import feature_extraction as fx


def solution_01_1(show: bool = False, *, valence: float = -0.6, arousal: float = -0.5, seconds: float = 10.0):
    """Exercise 1: the same point composed with each instrumentation, measured and placed by the
    music model like any library track; the lowest valence reads saddest.

    Notebook: 01_dataset_prep.ipynb
    """
    import pandas as pd

    with tempfile.TemporaryDirectory() as d:
        tracks = []
        for name in dataset_prep.INSTRUMENTS:
            y, pm, _ = dataset_prep.compose_cue(valence, arousal, seconds, instrument=name, seed=1)
            tracks.append(fx.track_features(dataset_prep.write_cue(Path(d) / f"{name}.flac", y, pm)))
        fx.place_tracks(tracks, fx.load_music_model(), words=False)
    table = pd.DataFrame(
        {
            "instrument": list(dataset_prep.INSTRUMENTS),
            "valence": [t.valence for t in tracks],
            "arousal": [t.arousal for t in tracks],
        }
    ).sort_values("valence", ignore_index=True)
    if show:
        print(
            f"reads saddest: {table.instrument[0]} (valence {table.valence[0]:+.2f}); "
            f"least sad: {table.instrument.iloc[-1]} ({table.valence.iloc[-1]:+.2f})"
        )
    return table


def solution_01_2(show: bool = False, *, valence: float = -0.6):
    """Exercise 2: the composer's parameters as arousal goes from -0.8 to 0.8; tempo, velocity,
    loudness and percussion follow arousal, the key and mode follow valence and do not move.

    Notebook: 01_dataset_prep.ipynb
    """
    import pandas as pd

    rows = [
        dataset_prep.params_dict(dataset_prep.plan_cue(valence, a, 10, instrument="piano", seed=1))
        for a in (-0.8, -0.4, 0.0, 0.4, 0.8)
    ]
    table = pd.DataFrame(rows)
    changed = [c for c in table.columns if table[c].astype(str).nunique() > 1 and c != "arousal"]
    if show:
        print("change with arousal:", ", ".join(changed))
    return table, changed


def solution_01_3(show: bool = False, *, per_subset: int = 40):
    """Exercise 3: DramaTune's agreement with LIRIS-ACCEDE on its test set against its learning
    set. DramaTune was never fitted to LIRIS-ACCEDE, so the two should not differ beyond chance;
    a difference would say the subsets differ, not that anything was learned. Needs a local copy
    (notebook 01 says where); returns None without one.

    Notebook: 01_dataset_prep.ipynb
    """
    try:
        clips = dataset_prep.load_liris_accede()
    except dataset_prep.DatasetMissingError as e:
        if show:
            print(e)
        return None
    out = {}
    for subset in ("test", "learning"):
        chosen = [c for c in clips if c.subset == subset][:per_subset]
        out[subset] = (
            dataset_prep.liris_agreement(chosen, [fx.analyze_scene(c.path) for c in chosen]) if chosen else None
        )
    if show:
        print(out)
    return out
