"""Stage 06 · a clip of several scenes: its shots grouped by their place on the circumplex, a track
or a cue per scene.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np

from .. import circumplex, feature_extraction, matching
from .scene_cue import _va_at


@dataclass
class ScenePart:
    """One scene of a longer clip: its time span, its shots and its point on the circumplex."""

    start: float
    end: float
    valence: float
    arousal: float
    emotion: str
    shots: int


def split_scenes(profile, *, threshold: float = 0.45, min_seconds: float = 4.0) -> list[ScenePart]:
    """Group a clip's shots (the stretches between its cuts) into scenes by their place on the
    circumplex: a shot joins the scene before it when its mean valence and arousal lie within
    ``threshold`` of that scene's; a scene shorter than ``min_seconds`` is merged into the
    neighbour nearest to it on the circumplex. Each part is named as the whole clip's reading is
    (:func:`circumplex.mood_for`, with the clip's confidence on each axis).

    Used by: :func:`plan_per_scene`
    """
    edges = [0.0] + [c for c in sorted(profile.cut_times) if 0 < c < profile.duration] + [profile.duration]
    overall = (profile.valence, profile.arousal)
    parts: list[list[float]] = []  # [start, end, v*len, a*len, shots]
    for a, b in zip(edges, edges[1:]):
        v, ar = _va_at(profile.timeline, a, b, overall)
        if parts:
            last = parts[-1]
            length = last[1] - last[0]
            if math.hypot(v - last[2] / length, ar - last[3] / length) < threshold:
                last[1], last[2], last[3], last[4] = b, last[2] + v * (b - a), last[3] + ar * (b - a), last[4] + 1
                continue
        parts.append([a, b, v * (b - a), ar * (b - a), 1])
    while len(parts) > 1:
        short = [i for i, p in enumerate(parts) if p[1] - p[0] < min_seconds]
        if not short:
            break
        i = min(short, key=lambda k: parts[k][1] - parts[k][0])
        here = (parts[i][2] / (parts[i][1] - parts[i][0]), parts[i][3] / (parts[i][1] - parts[i][0]))

        def gap(j: int, here: tuple[float, float] = here) -> float:
            p = parts[j]
            return math.hypot(here[0] - p[2] / (p[1] - p[0]), here[1] - p[3] / (p[1] - p[0]))

        j = min((k for k in (i - 1, i + 1) if 0 <= k < len(parts)), key=gap)
        lo, hi = sorted((i, j))
        a, b = parts[lo], parts[hi]
        parts[lo : hi + 1] = [[a[0], b[1], a[2] + b[2], a[3] + b[3], a[4] + b[4]]]
    out = []
    for a, b, vs, as_, n in parts:
        v, ar = vs / (b - a), as_ / (b - a)
        mood = circumplex.mood_for(v, ar, *profile.axis_confidence())
        out.append(ScenePart(round(a, 3), round(b, 3), round(v, 3), round(ar, 3), mood, int(n)))
    return out


def part_profile(profile, part: ScenePart):
    """The :class:`SceneProfile` of one scene of a clip: its span of the timeline, cuts and motion
    shifted to start at 0, its own point and pace, and a target tempo from them.

    Used by: :func:`plan_per_scene`
    """
    length = part.end - part.start
    cuts = [round(c - part.start, 3) for c in profile.cut_times if part.start < c < part.end]
    motion = profile.motion[int(part.start) : int(math.ceil(part.end))]
    pace = feature_extraction.pace_of(float(np.mean(motion)) if motion else 0.0, 60.0 * len(cuts) / max(length, 1e-6))
    return dataclasses.replace(
        profile,
        duration=round(length, 3),
        valence=part.valence,
        arousal=part.arousal,
        emotion=part.emotion,
        mood=part.emotion,
        pace=round(pace, 3),
        target_tempo=feature_extraction.target_tempo(part.arousal, pace),
        cut_times=cuts,
        cuts_per_minute=round(60.0 * len(cuts) / max(length, 1e-6), 1),
        timeline=[[r[0] - part.start, *r[1:]] for r in profile.timeline if part.start <= r[0] < part.end],
        motion=motion,
    )


def plan_per_scene(profile, tracks, *, threshold: float = 0.45, min_seconds: float = 4.0):
    """Split a clip into scenes (:func:`split_scenes`) and recommend a track for each, never the
    same track twice: ``[(part, Recommendation or None)]`` (None where the library has run out).

    Notebook: 06_compose.ipynb
    """
    used: set[str] = set()
    plan = []
    for part in split_scenes(profile, threshold=threshold, min_seconds=min_seconds):
        recs = matching.recommend(part_profile(profile, part), tracks, top=1, exclude=used)
        pick = recs[0] if recs else None
        if pick:
            used.add(pick.path)
        plan.append((part, pick))
    return plan
