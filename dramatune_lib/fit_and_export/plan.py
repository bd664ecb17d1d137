"""Stage 07 · where a track starts, ends and loops: the plan made on its bars, before any audio is touched."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import DramaTuneError
from ..feature_extraction import SR, BeatGrid

#: The rate a track is analysed at here: the index's (tracks.SR), so a beat grid tracked here and
#: one the index measured agree.
ANALYSIS_SR = SR


#: How the fit plan scores a start and a rate (chosen by hand, in this order of importance): points
#: for each cut on a beat, up to FIT_CLOSENESS for how close the beats fall to the cuts, a cost for
#: the full nudge (max_stretch), a cost for a section whose level misses the asked intensity (on a
#: 0..1 scale), and a tie-break per second of start that prefers the earlier one.
FIT_CUT_HIT, FIT_CLOSENESS, FIT_NUDGE_COST, FIT_LEVEL_COST, FIT_EARLY_START = 10.0, 5.0, 0.5, 3.0, 0.001
#: The cost per second of a start away from the moment the matcher chose (matching.best_section;
#: chosen by hand: 10 s away costs as much as a section of the wrong intensity).
FIT_MOMENT_COST = 0.3

#: A track's level is read every 0.1 s to choose a calm or an energetic section (chosen by hand).
ENERGY_STEP = 0.1


#: Longest stretch of a track that is read and fitted; a 2-hour file is not loaded whole.
MAX_TRACK_SECONDS = 300.0


def _loop_plan(grid: BeatGrid, length: float, crossfade: float) -> tuple[float, float] | None:
    """The loop region [b0, b1) between two bar lines, leaving room for the crossfade on both sides."""
    h = crossfade / 2
    starts = grid.bars[grid.bars >= h]
    ends = grid.bars[grid.bars <= length - h]
    if not starts.size or not ends.size or ends[-1] - starts[0] < max(4 * crossfade, 0.5):
        return None
    return float(starts[0]), float(ends[-1])


def _extend(times: np.ndarray, b0: float, b1: float, total: float) -> np.ndarray:
    """Event times of the looped signal: as they are up to ``b1``, then ``[b0, b1)`` repeated."""
    head = times[times < b1]
    body = times[(times >= b0) & (times < b1)] - b0
    out = [head]
    k = 0
    while b1 + k * (b1 - b0) < total:
        out.append(body + b1 + k * (b1 - b0))
        k += 1
    return np.concatenate(out)


def _cut_distances(beats: np.ndarray, cuts: np.ndarray) -> np.ndarray:
    """Distance in seconds from each cut to its nearest beat."""
    if not cuts.size or beats.size < 2:
        return np.full(cuts.size, np.inf)
    idx = np.clip(np.searchsorted(beats, cuts), 1, beats.size - 1)
    return np.minimum(np.abs(beats[idx] - cuts), np.abs(beats[idx - 1] - cuts))


#: A cut "lands on a beat" within this many seconds (about one frame at 25 fps).
CUT_TOLERANCE = 0.05


@dataclass
class FitPlan:
    """Where the scene sits in the (stretched, looped) track."""

    rate: float  # time-stretch rate (1 = none; >1 faster)
    start: float  # in the stretched, looped track, seconds
    loop: tuple[float, float] | None  # loop region in the stretched track, seconds
    cut_hits: int
    bars: np.ndarray = field(default_factory=lambda: np.zeros(0))  # bar lines in scene time
    beats: np.ndarray = field(default_factory=lambda: np.zeros(0))


def plan_fit(
    grid: BeatGrid,
    track_seconds: float,
    duration: float,
    *,
    energy: np.ndarray | None = None,
    intensity: float | None = None,
    cuts: list[float] | None = None,
    max_stretch: float = 0.08,
    crossfade: float = 0.03,
    start_hint: float | None = None,
) -> FitPlan:
    """Choose the tempo nudge and the start so the cue ends on a bar line at ``duration``.

    ``energy`` is the track's RMS in dB per 0.1 s; with ``intensity`` (0 = calmest section,
    1 = most energetic) it picks the section. With ``cuts`` it tries rates within
    ``1 ± max_stretch`` and keeps a nudge only if it lands more cuts on beats. ``start_hint``
    (seconds into the track) draws the start towards a moment chosen for the scene.

    Used by: :mod:`fit_and_export.fit`
    """
    cut_arr = np.array(sorted(c for c in (cuts or []) if 0 < c < duration))
    rates = [1.0]
    if cut_arr.size and max_stretch > 0:
        rates += [float(r) for r in np.round(np.linspace(1 - max_stretch, 1 + max_stretch, 33), 4) if r != 1.0]
    level_range = None  # the track's quiet and loud levels, for placing a section between them
    if energy is not None and intensity is not None and energy.size:
        level_range = (float(np.percentile(energy, 5)), float(np.percentile(energy, 95)))
        want = float(np.clip(intensity, 0, 1))
    best: tuple[float, FitPlan] | None = None
    for r in rates:
        beats, bars, length = grid.beats / r, grid.bars / r, track_seconds / r
        loop = None
        total = length
        if length < duration + 0.05:
            lp = _loop_plan(BeatGrid(grid.tempo * r, beats, bars), length, crossfade)
            if lp is None:
                continue
            loop = lp
            total = duration + 2 * (lp[1] - lp[0]) + lp[0]
            beats, bars = _extend(beats, *lp, total), _extend(bars, *lp, total)
        ends = bars[(bars >= duration) & (bars <= (total if loop else length) + 1e-6)]
        if not ends.size:
            continue
        starts = ends - duration
        for s in starts:
            dist = _cut_distances(beats - s, cut_arr)
            hits = int((dist <= CUT_TOLERANCE).sum())
            # most cuts on beats first; then closer is better (so the exact rate wins over one that
            # just scrapes inside the tolerance); a nudge costs a little, so none is made for nothing
            score = (
                (
                    FIT_CUT_HIT * hits
                    + FIT_CLOSENESS * np.clip(1 - dist / (2 * CUT_TOLERANCE), 0, 1).mean()
                    - FIT_NUDGE_COST * abs(r - 1) / max(max_stretch, 1e-9)
                )
                if cut_arr.size
                else 0.0
            )
            if level_range is not None and energy is not None:
                level = _segment_level(energy, level_range, s * r, duration * r, loop, r)
                score -= FIT_LEVEL_COST * abs(level - want)
            if start_hint is not None and loop is None:
                score -= FIT_MOMENT_COST * abs(s * r - start_hint)
            score -= FIT_EARLY_START * s  # otherwise prefer an earlier start
            if best is None or score > best[0] + 1e-9:
                best = (
                    score,
                    FitPlan(rate=r, start=float(s), loop=loop, cut_hits=hits, bars=bars - s, beats=beats - s),
                )
    if best is None:
        raise DramaTuneError("no bar grid fits")  # caught by fit_track: falls back to a plain loop
    return best[1]


def _segment_level(
    energy: np.ndarray, level_range: tuple[float, float], start: float, dur: float, loop, r: float
) -> float:
    """Mean level of a section, 0 (quietest part of the track) to 1 (loudest)."""
    lo, hi = level_range
    if hi - lo < 1.0:
        return 0.5
    i0 = int(start * 10)
    if loop is None:
        seg = energy[i0 : i0 + max(1, int(dur * 10))]
    else:
        seg = energy[int(loop[0] * r * 10) : int(loop[1] * r * 10)]
    return float(np.clip((np.mean(seg) - lo) / (hi - lo), 0, 1)) if seg.size else 0.5
