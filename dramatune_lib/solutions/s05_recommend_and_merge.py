"""Solutions to the exercises of notebook 05 (the app), through the same pipeline the app calls."""

from __future__ import annotations

from pathlib import Path

from .. import dataset_prep, pipeline
from .. import feature_extraction as fx


def solution_05_1(show: bool = False):
    """Exercise 1: the chase's top three with the *Mood vs pace* slider at 0 (by pace: tempo and
    length) and at 1 (by mood only). At 0 the picks share the chase's fast tempo whatever their
    mood; at 1 they sit nearest its point on the circumplex.

    Notebook: 05_recommend_and_merge.ipynb
    """
    import pandas as pd

    demo = dataset_prep.ensure_demo_data()
    chase, tracks = pipeline.analyze(demo.scenes["chase"]), fx.index_library(demo.library).tracks
    rows = []
    for slider in (0.0, 1.0):
        for r in pipeline.rank(chase, tracks, mood_vs_pace=slider):
            rows.append(
                {
                    "slider": slider,
                    "rank": r.rank,
                    "title": r.title,
                    "tempo": round(r.tempo),
                    "valence": r.valence,
                    "arousal": r.arousal,
                }
            )
    table = pd.DataFrame(rows)
    if show:
        print(table.to_string(index=False))
    return table


def solution_05_2(video: str | Path | None = None, show: bool = False):
    """Exercise 2: what DramaTune reads in a clip of your own (``video``; the demo smile scene when
    none is given): the mood with its doubt, and each cue's say in it, to hold against what you
    meant to film. Where they disagree, the table shows which cue pulled the point away.

    Notebook: 05_recommend_and_merge.ipynb
    """
    video = Path(video) if video else dataset_prep.ensure_demo_data().scenes["smile"]
    profile = pipeline.analyze(video)
    table = fx.fusion_table({video.name: profile})
    if show:
        print(profile.summary())
    return profile.mood, table


def solution_05_3(show: bool = False):
    """Exercise 3: the three-scene demo clip planned scene by scene, beside the top three for the
    clip as a whole. Each scene gets the track nearest its own mood; the whole clip's picks sit
    near the average of three moods, which fits none of them well.

    Notebook: 05_recommend_and_merge.ipynb
    """
    import pandas as pd

    profile = pipeline.analyze(dataset_prep.demo_clip())
    tracks = fx.index_library(dataset_prep.ensure_demo_data().library).tracks
    rows = [
        {"how": f"scene {part.start:.0f}-{part.end:.0f} s ({part.emotion})", "pick": pick.title if pick else None}
        for part, pick in pipeline.plan(profile, tracks)
    ]
    rows += [{"how": f"whole clip, pick {r.rank}", "pick": r.title} for r in pipeline.rank(profile, tracks)]
    table = pd.DataFrame(rows)
    if show:
        print(table.to_string(index=False))
    return table
