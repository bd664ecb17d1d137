"""Solutions to the exercises of notebook 06 (compose)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from .. import compose, dataset_prep, matching
from .. import feature_extraction as fx


def solution_06_1(show: bool = False, *, valence: float = -0.6, arousal: float = 0.7):
    """Exercise 1: the symbolic metrics of one point composed with each instrumentation. Notes,
    scale and rhythm come from valence, arousal and the seed, not the instrument, so the metrics
    stay put; what changes is only what the soundfont makes of them (the render, not the notes).

    Notebook: 06_compose.ipynb
    """
    pieces = {
        name: dataset_prep.compose_midi(dataset_prep.plan_cue(valence, arousal, 30, instrument=name, seed=0))
        for name in dataset_prep.INSTRUMENTS
    }
    table = compose.metrics_table(pieces)
    if show:
        print(table.round(3).to_string())
    return table


def solution_06_2(show: bool = False, *, seeds: int = 8):
    """Exercise 2: the melody's walk limited to steps of one scale degree (``melody_steps=(-1, 1)``)
    against its default steps and leaps, measured on the melody alone (the chords and the bass,
    which do not change, would hide it). It hardly falls: the melody starts each bar again on a
    chord tone and takes only a few steps before the next, inside one octave of the scale, so
    leaps of a third add few pitches the steps would not reach anyway.

    Notebook: 06_compose.ipynb
    """
    import pretty_midi

    out = {}
    for name, steps in (("default steps", None), ("only +-1", (-1, 1))):
        values = []
        for seed in range(seeds):
            p = dataset_prep.plan_cue(0.6, 0.3, 30, instrument="piano", seed=seed)
            pm = dataset_prep.compose_midi(p) if steps is None else dataset_prep.compose_midi(p, melody_steps=steps)
            melody = pretty_midi.PrettyMIDI(initial_tempo=p.tempo)
            melody.instruments = [i for i in pm.instruments if i.name == "melody"]
            values.append(compose.symbolic_metrics(melody)["pitch_entropy"])
        out[name] = round(float(np.mean(values)), 3)
    if show:
        print(f"pitch entropy: {out}")
    return out


def solution_06_3(show: bool = False, *, levels: tuple[float, ...] = (-0.9, -0.6, -0.3, 0.3, 0.6, 0.9)):
    """Exercise 3: cues composed at each arousal (pleasant and unpleasant, the instrumentations in
    turn), measured and placed by the music model as one library, read as notebook 06 reads them
    (absolute and library-relative blended); the share heard on the side of arousal they were
    asked for, per level. Where it falls is where the composer's tempo, density and loudness stop
    separating calm from lively for the model's ears.

    Notebook: 06_compose.ipynb
    """
    import pandas as pd

    asked: list[float] = []
    tracks: list = []
    with tempfile.TemporaryDirectory() as d:
        for i, a in enumerate(levels):
            for v in (-0.6, -0.3, 0.3, 0.6):
                name = list(dataset_prep.INSTRUMENTS)[len(tracks) % len(dataset_prep.INSTRUMENTS)]
                y, pm, _ = dataset_prep.compose_cue(v, a, 20, instrument=name, seed=i)
                tracks.append(fx.track_features(dataset_prep.write_cue(Path(d) / f"cue{len(tracks)}.flac", y, pm)))
                asked.append(a)
        fx.place_tracks(tracks, fx.load_music_model(), words=False)
    rows = pd.DataFrame({"asked arousal": asked, "heard": [matching.matched_position(t)[1] for t in tracks]})
    rows["agrees"] = np.sign(rows["asked arousal"]) == np.sign(rows["heard"])
    table = rows.groupby("asked arousal")["agrees"].mean().rename("share heard on its side").reset_index()
    if show:
        failing = table[table["share heard on its side"] < 1]
        print(table.to_string(index=False))
        print("first fails at arousal", failing["asked arousal"].abs().min() if len(failing) else "none of these")
    return table
