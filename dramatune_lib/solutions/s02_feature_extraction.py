"""Solutions to the exercises of notebook 02 (feature extraction)."""

from __future__ import annotations

import json
import math
import tempfile
from pathlib import Path

from .. import circumplex, dataset_prep, media
from .. import feature_extraction as fx
from ..signal.beats import beat_track, tempo_estimate


def solution_02_1(show: bool = False, *, factors: tuple[float, ...] = (0.0, 0.5, 2.0)):
    """Exercise 1: the smile scene's point with the faces cue's weight scaled. The cues are fused
    again from the profile (no second analysis, no global weights changed): the point moves
    towards the faces' reading as their weight grows, and towards light and pace without them.

    Notebook: 02_feature_extraction.ipynb
    """
    import pandas as pd

    smile = fx.analyze_scene(dataset_prep.ensure_demo_data().scenes["smile"])
    rows = []
    for f in (1.0, *factors):
        cues = [
            circumplex.Cue(c.name, c.valence, c.arousal, c.confidence, c.weight * (f if c.name == "faces" else 1.0))
            for c in smile.cues
        ]
        v, a, _, _ = fx.fuse_axes(cues)
        rows.append(
            {
                "faces weight x": f,
                "valence": round(v, 3),
                "arousal": round(a, 3),
                "moved": round(math.hypot(v - smile.valence, a - smile.arousal), 3),
            }
        )
    table = pd.DataFrame(rows)
    if show:
        print(f"without the faces the point moves {table.moved[1]:.2f}; at double weight {table.moved.iloc[-1]:.2f}")
    return table


def solution_02_2(show: bool = False, *, tolerance: float = 0.06):
    """Exercise 2: the demo cues whose measured tempo is about half or double the tempo they were
    composed at. A beat tracker picks one metrical level; where the eighth notes (or the half
    notes) carry the pulse more clearly than the quarter notes, it locks onto them: an octave error.

    Notebook: 02_feature_extraction.ipynb
    """
    import pandas as pd

    demo = dataset_prep.ensure_demo_data()
    composed = {c["file"]: c for c in json.loads((demo.library / "cues.json").read_text())}
    rows = []
    for t in fx.index_library(demo.library, music_model=None, words=False).tracks:
        c = composed.get(Path(t.path).name)
        if c:
            ratio = t.tempo / c["tempo"]
            rows.append(
                {
                    "file": c["file"],
                    "composed": c["tempo"],
                    "measured": round(t.tempo, 1),
                    "ratio": round(ratio, 2),
                    "octave error": min(abs(ratio - 2), abs(ratio - 0.5)) < tolerance,
                }
            )
    table = pd.DataFrame(rows)
    errors = table[table["octave error"]]
    if show:
        print(f"{len(errors)} of {len(table)} cues measured at half or double their tempo:", ", ".join(errors.file))
    return errors


def solution_02_3(show: bool = False):
    """Exercise 3: the chase given three angry subtitle lines. The fusion table gains a words row
    (valence only: VADER rates valence), the valence leaves 0 and its confidence rises, so the
    mood can stop saying "valence unclear".

    Notebook: 02_feature_extraction.ipynb
    """
    chase = dataset_prep.ensure_demo_data().scenes["chase"]
    lines = ["I hate you, get out!", "You ruined everything, you liar!", "Run, they will kill us!"]
    srt = "".join(f"{i + 1}\n00:00:0{2 * i},000 --> 00:00:0{2 * i + 2},000\n{t}\n\n" for i, t in enumerate(lines))
    with tempfile.TemporaryDirectory() as d:
        subs = Path(d) / "chase.srt"
        subs.write_text(srt)
        plain, said = fx.analyze_scene(chase), fx.analyze_scene(chase, subtitles=subs)
    table = fx.fusion_table({"without words": plain, "with angry lines": said})
    if show:
        print(f"without words: {plain.mood}; with the angry lines: {said.mood}")
    return plain.mood, said.mood, table


def solution_02_4(show: bool = False, *, tightness: tuple[float, ...] = (10.0, 100.0, 1000.0), track: int = 3):
    """Exercise 4: the beat tracker's tightness. Each demo cue's beats at each ``tightness``, and
    how many of them move from the default's (100) by more than two frames. A loose tracker
    (10) lets a beat slide onto whichever strong onset is near, off the steady grid; a tight one
    (1000) keeps the grid and passes over onsets between beats.

    Notebook: 02_feature_extraction.ipynb
    """
    import pandas as pd

    lib = fx.index_library(dataset_prep.ensure_demo_data().library, music_model=None, words=False)
    rows = []
    for t in lib.tracks[track : track + 4]:
        env = fx.onset_envelope(media.load_audio(t.path, sr=fx.SR)[: 12 * fx.SR], fx.SR)
        bpm = tempo_estimate(env, fx.SR, fx.HOP)
        base = beat_track(env, fx.SR, fx.HOP, bpm=bpm)
        for k in tightness:
            beats = beat_track(env, fx.SR, fx.HOP, bpm=bpm, tightness=k)
            moved = sum(abs(beats - b).min() > 2 for b in base) if beats.size else len(base)
            rows.append({"track": t.title, "tightness": k, "beats": len(beats), "moved from 100's": int(moved)})
    table = pd.DataFrame(rows)
    if show:
        print(table.to_string(index=False))
    return table
