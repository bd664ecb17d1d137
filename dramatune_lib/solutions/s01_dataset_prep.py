"""Solutions to the exercises of notebook 01 (dataset prep)."""

from __future__ import annotations

import tempfile
from pathlib import Path


def solution_01_1(show: bool = False, *, valence: float = -0.6, arousal: float = -0.5, seconds: float = 10.0):
    """Exercise 1: the same point composed with each instrumentation, measured and placed by the
    music model like any library track; the lowest valence reads saddest.

    Notebook: 01_dataset_prep.ipynb
    """
    import pandas as pd

    from ..dataset_prep.composer import INSTRUMENTS, compose_cue, write_cue
    from ..feature_extraction import load_music_model, place_tracks, track_features

    with tempfile.TemporaryDirectory() as d:
        tracks = []
        for name in INSTRUMENTS:
            y, pm, _ = compose_cue(valence, arousal, seconds, instrument=name, seed=1)
            tracks.append(track_features(write_cue(Path(d) / f"{name}.flac", y, pm)))
        place_tracks(tracks, load_music_model(), words=False)
    table = pd.DataFrame(
        {
            "instrument": list(INSTRUMENTS),
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

    from ..dataset_prep.composer import params_dict, plan_cue

    rows = [params_dict(plan_cue(valence, a, 10, instrument="piano", seed=1)) for a in (-0.8, -0.4, 0.0, 0.4, 0.8)]
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
    from ..dataset_prep import DatasetMissingError, liris_agreement, load_liris_accede
    from ..feature_extraction import analyze_scene

    try:
        clips = load_liris_accede()
    except DatasetMissingError as e:
        if show:
            print(e)
        return None
    out = {}
    for subset in ("test", "learning"):
        chosen = [c for c in clips if c.subset == subset][:per_subset]
        out[subset] = liris_agreement(chosen, [analyze_scene(c.path) for c in chosen]) if chosen else None
    if show:
        print(out)
    return out
