"""Stage 02 · a track's moments: its sections, measured and placed as the whole track is.

A four-minute track rises and falls; a 20-second scene wants the 20 seconds that match it. The
index therefore also measures each track in windows of :data:`SECTION_S` seconds every
:data:`SECTION_HOP_S` seconds, each starting on the bar line at or before its time (the track's
beat grid), and :func:`place_sections` places every window on the circumplex with the same model
as the whole track: the index holds each track's valence and arousal curves.

A window keeps what changes along a track (its onset rate, brightness, danceability, loudness,
sound descriptors and what the ear hears in it); the key, mode and tempo are the whole track's.
"""

from __future__ import annotations

import numpy as np

from ..schema import TrackFeatures
from .music_emotion import MusicModel, priors_va
from .tracks import DESCRIPTORS, SECTION_FIELDS


def _window(t: TrackFeatures, row: list[float]) -> TrackFeatures:
    """A window of ``t`` as a track of its own: its measures, the whole track's key and tempo."""
    m = dict(zip(SECTION_FIELDS, row))
    return TrackFeatures.from_dict(
        {
            **t.to_dict(),
            "duration": m["end"] - m["start"],
            "onset_density": m["onset_density"],
            "centroid_hz": m["centroid_hz"],
            "danceability": m["danceability"],
            "loudness_lufs": m["loudness_lufs"],
            "descriptors": {k: m[k] for k in DESCRIPTORS},
            "ear_tags": {},
            "embedding": [],
            "sections": [],
            "section_curve": [],
        }
    )


def place_sections(tracks: list[TrackFeatures], model: MusicModel | None, prior_confidence: float) -> None:
    """Place every window of ``tracks`` on the circumplex with the model that placed the tracks
    (the priors, at ``prior_confidence``, when ``model`` is None), in place: ``section_curve`` gets one row per window,
    ``[start, end, valence, arousal, valence confidence, arousal confidence]``, rounded to two
    decimals (a curve, not a measurement: the index stays small).

    Used by: :mod:`feature_extraction.library`
    """
    for t in tracks:
        rows = [r for r in t.sections if len(r) == len(SECTION_FIELDS)]
        if not rows:
            t.section_curve = []
            continue
        windows = [_window(t, r) for r in rows]
        if model is not None:
            ear = model.ear_of_scores(np.array([r[-1] for r in rows], float))
            v, a = model.place(windows, ear)
            cv, ca = np.abs(v), np.abs(a)
        else:
            v, a = priors_va(windows)
            cv = ca = np.full(len(rows), prior_confidence)
        t.section_curve = [
            [r[0], r[1], round(float(v[i]), 2), round(float(a[i]), 2), round(float(cv[i]), 2), round(float(ca[i]), 2)]
            for i, r in enumerate(rows)
        ]
