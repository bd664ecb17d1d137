"""Stage 04 · the moment of a track, checked on clips cut from the benchmark's own tracks.

A clip of :data:`CLIP_S` seconds is cut from a labelled track at a random place, measured and
placed as a new recording would be (the model learned without its game), and scored as a scene
against its own game's whole soundtrack: does the moment the matcher chooses in the track it
came from start within :data:`LAND_S` seconds of where the clip was cut? The clip's own sections
give the scene its arousal curve, so the curve term (:mod:`moments`) is measured too.
"""

from __future__ import annotations

import numpy as np

from .. import feature_extraction, media
from ..matching import RELATIVE_WEIGHT, MatchWeights, best_section, recommend
from ..moments import in_library, library_ranks
from ..schema import SceneProfile, TrackFeatures
from .real_music import DEFAULT_METHOD, METHOD_EAR, BenchmarkTrack, model_without, scene_at

#: The clip's length: a scene of two sections' worth, so its curve spans three (the index's 20 s
#: windows every 10 s).
CLIP_S = 40.0
#: A chosen moment "lands" when it starts this close to where the clip was cut (the issue's 10 s).
LAND_S = 10.0
#: Tracks shorter than this hold too few places to choose from (a clip and four more starts).
MIN_TRACK_S = 80.0
#: Clips measured in fast mode (CI's time; full mode cuts one from every long enough labelled track).
CLIPS_FAST = 12


def clip_scene(clip: TrackFeatures, library: list[TrackFeatures]) -> SceneProfile:
    """A placed clip as the scene it stands for, placed among ``library``'s tracks as the matcher
    places a track (:func:`moments.in_library`): its point and confidences (:func:`real_music.scene_at`)
    and a timeline of one reading a second, the mean arousal of its sections covering that second.

    Used by: :func:`clip_landing`
    """
    ranks_v, ranks_a = library_ranks(library, "valence"), library_ranks(library, "arousal")
    v = float(in_library(clip.valence, ranks_v, RELATIVE_WEIGHT))
    a = float(in_library(clip.arousal, ranks_a, RELATIVE_WEIGHT))
    rows = np.array(clip.section_curve, float).reshape(-1, 6)
    timeline = []
    for s in range(int(clip.duration)):
        over = rows[(rows[:, 0] <= s) & (rows[:, 1] > s)]
        at = float(over[:, 3].mean()) if len(over) else clip.arousal
        timeline.append([float(s), v, float(in_library(at, ranks_a, RELATIVE_WEIGHT)), clip.arousal_confidence])
    return scene_at(
        "clip", v, a, clip.valence_confidence, clip.arousal_confidence, duration=clip.duration, timeline=timeline
    )


def cut_clip(
    b: BenchmarkTrack,
    track: TrackFeatures,
    library: list[TrackFeatures],
    model,
    cut: float | None = None,
    *,
    rng: np.random.Generator | None = None,
) -> tuple[float, SceneProfile]:
    """A :data:`CLIP_S` clip of ``b``'s recording from ``cut`` seconds (a random place within
    what ``track``, its placed copy, analysed, when None), measured as a new recording, placed by
    ``model`` and made the scene it stands for in ``library`` (:func:`clip_scene`). Returns
    ``(cut, scene)``.

    Used by: :func:`clip_landing`, :func:`clip_as_scene`
    """
    sr = feature_extraction.SR
    y, _ = media.load_music(b.source, sr=sr, max_seconds=track.analysed_seconds)
    if cut is None:
        cut = round(float((rng or np.random.default_rng()).uniform(0, y.size / sr - CLIP_S)), 1)
    clip = feature_extraction.track_features(b.source, audio=y[int(cut * sr) : int((cut + CLIP_S) * sr)])
    feature_extraction.place_tracks([clip], model, words=False)
    return cut, clip_scene(clip, library)


def clip_as_scene(
    tracks: list[BenchmarkTrack],
    placed: dict[str, dict[str, list[TrackFeatures]]],
    name: str,
    cut: float,
    *,
    method: str = DEFAULT_METHOD,
) -> tuple[SceneProfile, TrackFeatures, list[TrackFeatures]]:
    """One clip of :func:`clip_landing` again, for a figure: the scene cut from the benchmark
    track ``name`` at ``cut`` seconds, the track as ``method`` placed it, and its game's library.

    Notebook: 04_evaluation.ipynb
    """
    b = next(x for x in tracks if x.name == name)
    lib = placed[method][b.game]
    track = lib[[x for x in tracks if x.game == b.game].index(b)]
    model = model_without([x for x in tracks if x.game != b.game], METHOD_EAR[method][0])
    return cut_clip(b, track, lib, model, cut)[1], track, lib


def clip_landing(
    tracks: list[BenchmarkTrack],
    placed: dict[str, dict[str, list[TrackFeatures]]],
    *,
    fast: bool = True,
    method: str = DEFAULT_METHOD,
    seed: int = 0,
):
    """Cut a :data:`CLIP_S` clip from labelled tracks of at least :data:`MIN_TRACK_S` (in fast
    mode :data:`CLIPS_FAST` of them, spread over the games), each at a random place, and score it
    against its game's whole soundtrack as ``method`` placed it (leave one game out). Per clip:
    the moment chosen in its own track, with the curve term and without; whether each lands
    within :data:`LAND_S` of the cut; the share of the track's possible starts that would
    (random choice's expectation); and whether the track is in the top 3 with sections and as
    whole tracks. Returns ``(table, summary)``.

    Notebook: 04_evaluation.ipynb
    """
    import pandas as pd

    rng = np.random.default_rng(seed)
    by_game = {g: [b for b in tracks if b.game == g] for g in sorted(placed[method])}
    chosen = [
        (g, i)
        for g, bt in by_game.items()
        for i, b in enumerate(bt)
        if b.group and placed[method][g][i].analysed_seconds >= MIN_TRACK_S
    ]
    if fast and len(chosen) > CLIPS_FAST:  # each game's first clip, then each one's second, ...
        turn = [sum(c[0] == g for c in chosen[:k]) for k, (g, _) in enumerate(chosen)]
        chosen = [chosen[k] for k in sorted(sorted(range(len(chosen)), key=lambda k: (turn[k], k))[:CLIPS_FAST])]
    no_curve = MatchWeights(curve=0.0)
    whole = MatchWeights(sections=False)
    rows, models = [], {}
    for g, i in chosen:
        b, lib = by_game[g][i], placed[method][g]
        track = lib[i]
        if g not in models:
            models[g] = model_without([x for x in tracks if x.game != g], METHOD_EAR[method][0])
        cut, scene = cut_clip(b, track, lib, models[g], rng=rng)
        starts = np.array([r[0] for r in track.section_curve])
        possible = starts[(starts + CLIP_S <= track.duration) | (starts == starts[0])]
        moment = best_section(scene, track, library=lib) or (0.0, 0.0, "")
        plain = best_section(scene, track, weights=no_curve, library=lib) or (0.0, 0.0, "")
        top = [r.path for r in recommend(scene, lib)]
        top_whole = [r.path for r in recommend(scene, lib, weights=whole)]
        arousal = [r[3] for r in track.section_curve]
        rows.append(
            {
                "game": g,
                "track": b.name,
                "cut at": cut,
                "chosen": moment[0],
                "chosen without the curve": plain[0],
                "lands": abs(moment[0] - cut) <= LAND_S,
                "lands without the curve": abs(plain[0] - cut) <= LAND_S,
                "random (expected)": float(np.mean(np.abs(possible - cut) <= LAND_S)),
                "its arousal range": round(max(arousal) - min(arousal), 2),
                "in top 3": track.path in top,
                "in top 3, whole tracks": track.path in top_whole,
            }
        )
    table = pd.DataFrame(rows)
    cols = ["lands", "lands without the curve", "random (expected)", "in top 3", "in top 3, whole tracks"]
    summary = table[cols].astype(float).mean().round(3).to_dict() if rows else {}
    return table, {"clips": len(rows), **summary}
