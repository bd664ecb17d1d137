"""Shared kernel: the moment of each track that fits a scene.

The index holds each track's sections (:attr:`schema.TrackFeatures.section_curve`: windows of
20 s every 10 s on its bar lines, each placed on the circumplex as the whole track is; stage 02's
``feature_extraction.sections``). A 20-second scene wants the 20 seconds that match it, so the
matcher (:func:`matching.recommend`) scores every section of every track and keeps each track's
best one, its moment:

- **emotion**: the section's reading (its track's, moved by how far the section reads from the
  whole track), placed among the library's tracks as a track is (:func:`section_places`), and its
  distance to the scene weighed axis by axis (:func:`axis_weights`);
- **curve**: how the arousal of the sections that follow it, over the scene's length, rises and
  falls as the scene's own arousal does (its timeline): a build in the scene meets a build in
  the music (:func:`scene_curve`).

The track itself is ranked by its whole reading plus its moment's curve term
(:attr:`matching.MatchWeights.section_share`). :func:`section_table` turns a library's sections
into flat arrays once, so ranking 10,000 tracks scores their sections in a few numpy passes
(``bench/bench_moments.py``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .schema import SceneProfile, TrackFeatures

#: Weight an axis keeps however unsure the scene or the track is on it (chosen by hand: an axis
#: never drops out of the distance entirely).
AXIS_FLOOR = 0.3
#: Rises and falls are compared in each side's own spread: the music's in how far the library's
#: sections read from their tracks' means (:attr:`SectionTable.spread`: the model reads a game
#: track's sections within a few hundredths of each other, notebook 04's "its arousal range"),
#: the scene's in its timeline's, at least :data:`SCENE_FLAT`. A difference of this many spreads,
#: averaged over the scene, takes all of the curve term (chosen by hand: a build meeting music
#: that falls as far scores 0).
CURVE_SPAN = 2.0
#: A scene whose arousal varies less than this (standard deviation of its timeline) counts as
#: flat: its small wobbles are not scaled up to a build (chosen by hand: a twentieth of the axis).
SCENE_FLAT = 0.1
#: The least spread a library's sections are taken to have (their curves rounded to 0.01).
MIN_SPREAD = 0.01
#: A rise in arousal of at least this many of the library's spreads, from a section over the
#: scene's length, is "where it builds" in a pick's reason (chosen by hand).
BUILD_RISE = 1.5


def axis_weights(scene_conf, track_conf):
    """How much an axis counts in a distance: the scene's confidence on it times the track's (or
    the section's), each floored at :data:`AXIS_FLOOR`. Takes numbers or arrays.

    Used by: :func:`matching.emotion_fit`, :func:`best_moments`
    """
    return (AXIS_FLOOR + (1 - AXIS_FLOOR) * scene_conf) * (AXIS_FLOOR + (1 - AXIS_FLOOR) * track_conf)


def weighted_distance(dv, da, wv, wa):
    """The distance between two circumplex points whose differences are ``dv`` and ``da``, each
    axis weighed (:func:`axis_weights`): their weighted root mean square, scaled to the plain
    distance's range (equal weights give the plain distance).

    Used by: :func:`matching.emotion_fit`, :func:`best_moments`
    """
    return np.sqrt(2 * (wv * dv**2 + wa * da**2) / (wv + wa))


@dataclass(frozen=True)
class SectionTable:
    """A library's sections as flat arrays, one row per section, rows of a track together in
    time order (only tracks with two sections or more: the others have no moment to choose)."""

    paths: tuple[str, ...]  # the library's tracks, in the order the rows' ``track`` counts
    track: np.ndarray  # each row's track, an index into ``paths``
    start: np.ndarray  # seconds
    end: np.ndarray
    cv: np.ndarray  # the section's confidence on each axis
    ca: np.ndarray
    arousal: np.ndarray  # the section's own arousal reading
    seconds: np.ndarray  # its track's duration
    at_v: np.ndarray  # the section's reading: its track's, moved by how far the section reads from
    at_a: np.ndarray  # its track's sound reading (both without words)
    rank_v: np.ndarray  # the rank its reading would have among the library's tracks (at_v where unplaced)
    rank_a: np.ndarray
    spread: float  # how far sections' arousal lies from their track's mean (root mean square)
    head: np.ndarray  # each row's track's first row
    last: np.ndarray  # ... and last row
    first: np.ndarray  # each track's first row (one per track with sections)
    owners: np.ndarray  # the track of each ``first``
    hop: float  # the usual step between sections, seconds (the index's 10 s)
    length: float  # the usual section's length, seconds (the index's 20 s)


def section_table(tracks: list[TrackFeatures]) -> SectionTable:
    """Every section of ``tracks`` (:attr:`schema.TrackFeatures.section_curve`) in flat arrays,
    made once per library (``bench/bench_moments.py`` times it).

    Used by: :func:`matching.recommend`
    """
    with_sections = [i for i, t in enumerate(tracks) if len(t.section_curve) >= 2]
    rows = [r for i in with_sections for r in tracks[i].section_curve]
    counts = np.array([len(tracks[i].section_curve) for i in with_sections], int)
    # a section is placed by sound alone, so it is compared with its track's sound reading
    per_track = np.array(
        [
            [
                *((t.valence_sound, t.arousal_sound) if t.placed_by else (t.valence, t.arousal)),
                *(t.duration, t.valence, t.arousal, float(bool(t.placed_by))),
            ]
            for t in (tracks[i] for i in with_sections)
        ],
        dtype=np.float64,
    ).reshape(-1, 6)
    m = np.hstack([np.array(rows, dtype=np.float64).reshape(-1, 6), np.repeat(per_track, counts, axis=0)])
    track = np.repeat(np.array(with_sections, int), counts)
    first = np.r_[0, np.cumsum(counts)[:-1]].astype(int) if counts.size else np.zeros(0, int)
    head, last = np.repeat(first, counts), np.repeat(first + counts - 1, counts)
    steps = np.diff(m[:, 0])[track[1:] == track[:-1]] if track.size else np.zeros(0)
    at_v, at_a = np.clip(m[:, 9] + m[:, 2] - m[:, 6], -1, 1), np.clip(m[:, 10] + m[:, 3] - m[:, 7], -1, 1)
    placed = m[:, 11] > 0
    return SectionTable(
        paths=tuple(t.path for t in tracks),
        track=track,
        start=m[:, 0],
        end=m[:, 1],
        cv=m[:, 4],
        ca=m[:, 5],
        arousal=m[:, 3],
        seconds=m[:, 8],
        at_v=at_v,
        at_a=at_a,
        rank_v=_ranked(at_v, placed, library_ranks(tracks, "valence")),
        rank_a=_ranked(at_a, placed, library_ranks(tracks, "arousal")),
        spread=_spread(m[:, 3], first),
        head=head,
        last=last,
        first=first,
        owners=track[first],
        hop=float(np.median(steps)) if steps.size else 10.0,
        length=float(np.median(m[:, 1] - m[:, 0])) if track.size else 20.0,
    )


def _spread(arousal: np.ndarray, first: np.ndarray) -> float:
    """How far a section's arousal lies from its track's mean, root mean square over every
    section of the library (:data:`MIN_SPREAD` at least)."""
    if not first.size:
        return MIN_SPREAD
    dev = np.concatenate([x - x.mean() for x in np.split(arousal, first[1:])])
    return max(MIN_SPREAD, float(np.sqrt(np.mean(dev**2))))


def library_ranks(tracks: list[TrackFeatures], axis: str) -> tuple[np.ndarray, np.ndarray]:
    """The placed tracks' readings on ``axis`` ("valence" or "arousal"), sorted, beside their rank
    in the library (the ``valence_rel`` / ``arousal_rel`` the index gave them): where any reading
    would rank among them (:func:`in_library`). Empty for fewer than two distinct readings.

    Used by: :func:`section_table`, :func:`clip_moments.clip_scene`
    """
    pairs = sorted((getattr(t, axis), getattr(t, f"{axis}_rel")) for t in tracks if t.placed_by)
    xs = np.array([p[0] for p in pairs], float)
    if np.unique(xs).size < 2:
        return np.zeros(0), np.zeros(0)
    return xs, np.maximum.accumulate(np.array([p[1] for p in pairs], float))


def _ranked(x: np.ndarray, placed: np.ndarray, ranks: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """The rank each reading would have among the library's (itself where its track is unplaced)."""
    return np.where(placed, in_library(x, ranks, 1.0), x)


def in_library(x, ranks: tuple[np.ndarray, np.ndarray], relative_weight: float):
    """Readings placed as the matcher places a library's track (:func:`matching.matched_position`):
    each blended with the rank it would have among the library's readings (``ranks``,
    :func:`library_ranks`), ``relative_weight`` of it; the reading alone without ranks.

    Used by: :func:`section_places`, :func:`clip_moments.clip_scene`
    """
    xs, rel = ranks
    if not xs.size:
        return x
    return (1 - relative_weight) * x + relative_weight * np.interp(x, xs, rel)


def section_places(table: SectionTable, relative_weight: float) -> tuple[np.ndarray, np.ndarray]:
    """Where each section sits among its library's tracks, as the matcher places a track: its
    reading (its track's, moved by how far the section reads from the whole track) blended with
    the rank that reading would have in the library (:func:`in_library`); its reading alone where
    its track was never placed in a library. This chooses a track's moment; the track is ranked
    by its whole reading (:attr:`matching.MatchWeights.section_share`).

    Used by: :func:`best_moments`
    """
    w = relative_weight
    return (1 - w) * table.at_v + w * table.rank_v, (1 - w) * table.at_a + w * table.rank_a


def scene_curve(profile: SceneProfile, hop: float, length: float) -> np.ndarray | None:
    """The scene's arousal as the sections would hear it: the mean of its timeline's arousal in
    windows of ``length`` seconds every ``hop`` seconds from its start, one per section the scene
    spans; None for a scene no longer than one section, or without a timeline.

    Used by: :func:`best_moments`
    """
    n = 1 + int(math.floor(max(0.0, profile.duration - length) / hop + 0.5))
    tl = np.array([r[:3] for r in profile.timeline if len(r) >= 3], float).reshape(-1, 3)
    if n < 2 or len(tl) < 2:
        return None
    out = []
    for j in range(n):
        inside = (tl[:, 0] >= j * hop) & (tl[:, 0] < j * hop + length)
        out.append(tl[inside, 2].mean() if inside.any() else np.interp(j * hop + length / 2, tl[:, 0], tl[:, 2]))
    return np.array(out)


@dataclass
class Moments:
    """Each track's best section for a scene, per track of the library (``-1`` / the whole track's
    values where it has no moment to choose)."""

    row: np.ndarray  # the chosen row of the :class:`SectionTable`, -1 for none
    emotion: np.ndarray  # emotion fit of the moment, 0..1
    distance: np.ndarray  # its weighted distance to the scene
    curve: np.ndarray  # how its arousal follows the scene's, 0..1 (0.5 where there is no curve)
    valence: np.ndarray  # where the matcher places the moment
    arousal: np.ndarray
    rise: np.ndarray  # the music's rise in arousal over the scene's length from the moment, in spreads
    has_curve: bool  # whether the scene has a curve to follow (:func:`scene_curve`)


def best_moments(
    profile: SceneProfile,
    tracks: list[TrackFeatures],
    table: SectionTable,
    positions: np.ndarray,
    emotion: np.ndarray,
    distance: np.ndarray,
    *,
    emotion_weight: float,
    curve_weight: float,
    span: float,
    relative_weight: float,
) -> Moments:
    """For every track, the section that scores best for the scene: ``emotion_weight`` times its
    emotion fit (0 at ``span`` away, as :func:`matching.emotion_fit`) plus ``curve_weight`` times
    how its arousal follows the scene's (:func:`scene_curve`, :data:`CURVE_SPAN`). A section is a
    candidate when the track goes on for the scene's length after it (the first always is);
    a track no longer than the scene keeps the whole track. ``positions``, ``emotion`` and
    ``distance`` are the whole tracks' (where the matcher places them, and their fit); a section
    is placed by :func:`section_places` (``relative_weight``).

    Used by: :func:`matching.recommend`
    """
    n = len(tracks)
    out = Moments(
        row=np.full(n, -1),
        emotion=np.asarray(emotion, float).copy(),
        distance=np.asarray(distance, float).copy(),
        curve=np.full(n, 0.5),
        valence=positions[:, 0].copy(),
        arousal=positions[:, 1].copy(),
        rise=np.zeros(n),
        has_curve=False,
    )
    if not table.track.size:
        return out
    assert len(table.paths) == n, "the section table belongs to another library"
    k = table.track
    sv, sa = profile.axis_confidence()
    v, a = section_places(table, relative_weight)
    dist = weighted_distance(
        v - profile.valence, a - profile.arousal, axis_weights(sv, table.cv), axis_weights(sa, table.ca)
    )
    emo = np.clip(1 - dist / span, 0, 1)
    curve = np.full(k.size, 0.5)
    scene = scene_curve(profile, table.hop, table.length)
    rows = np.arange(k.size)
    ahead = np.minimum(rows + (0 if scene is None else scene.size - 1), table.last)
    rise = (table.arousal[ahead] - table.arousal) / table.spread
    if scene is not None:
        flat = max(SCENE_FLAT, float(np.std([r[2] for r in profile.timeline])))
        gap = np.zeros(k.size)
        for j in range(1, scene.size):
            later = table.arousal[np.minimum(rows + j, table.last)]
            gap += np.abs((later - table.arousal) / table.spread - (scene[j] - scene[0]) / flat)
        curve = np.clip(1 - gap / (scene.size - 1) / CURVE_SPAN, 0, 1)
    score = emotion_weight * emo + curve_weight * (curve if scene is not None else 0)
    fits = (table.start + profile.duration <= table.seconds + 1e-6) | (rows == table.head)
    score = np.where(fits & (table.seconds > profile.duration), score, -np.inf)
    best = np.maximum.reduceat(score, table.first)
    top = np.where(score == np.repeat(best, np.diff(np.r_[table.first, k.size])), rows, k.size)
    chosen = np.minimum.reduceat(top, table.first)
    ok = np.isfinite(best)
    owners, chosen = table.owners[ok], chosen[ok]
    out.row[owners] = chosen
    out.emotion[owners], out.distance[owners] = emo[chosen], dist[chosen]
    out.curve[owners], out.rise[owners] = curve[chosen], rise[chosen]
    out.valence[owners], out.arousal[owners] = v[chosen], a[chosen]
    out.has_curve = scene is not None
    return out


def moment_words(table: SectionTable, row: int, rise: float) -> str:
    """The moment in a pick's reason: "where it builds" (a rise of :data:`BUILD_RISE` of the
    library's spreads or more over the scene's length), "its most intense stretch", "its calmest
    stretch", or "where it fits the scene best".

    Used by: :func:`matching.recommend`
    """
    own = table.arousal[table.head[row] : table.last[row] + 1]
    if rise >= BUILD_RISE:
        return "where it builds"
    if table.arousal[row] >= own.max():
        return "its most intense stretch"
    if table.arousal[row] <= own.min():
        return "its calmest stretch"
    return "where it fits the scene best"
