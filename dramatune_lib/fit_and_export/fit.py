"""Stage 07 · a track fitted to the scene (cut on a bar, looped on bars, nudged onto the cuts), or several joined."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import BadInputError, DramaTuneError
from ..feature_extraction import BeatGrid, beat_grid, grid_of, known_track
from ..media import load_audio
from ..signal.spectral import frame_rms, resample
from .plan import ANALYSIS_SR, ENERGY_STEP, MAX_TRACK_SECONDS, FitPlan, plan_fit


@dataclass
class FittedCue:
    """A track fitted to a scene, with everything a cue sheet and a plot need."""

    audio: np.ndarray  # [shape=(n, 2)], float32, at ``sr``
    sr: int
    source: str
    duration: float
    method: str  # "bars" or "plain loop"
    rate: float  # tempo nudge applied (1 = none)
    track_in: float  # where the scene's start falls in the original track, seconds
    track_out: float  # where the scene's end falls in the original track, seconds
    loops: int
    joins: list[int]  # sample indices of loop joins in ``audio``
    bars: list[float]  # bar lines in scene time
    cut_hits: int
    fade_in: float
    fade_out: float
    volume: float
    sheet: list[dict] | None = None  # cue-sheet rows of a cue joined from several (:func:`join_cues`)
    # stretches of the original track laid end to end in the cue, one per loop pass:
    # (cue number, scene in, scene out, track in, track out, track file), seconds
    segments: list[tuple[int, float, float, float, float, str]] = field(default_factory=list)


def _equal_power(n: int) -> tuple[np.ndarray, np.ndarray]:
    x = np.linspace(0, np.pi / 2, n, dtype=np.float32)[:, None]
    return np.cos(x), np.sin(x)


def _render_loop(y: np.ndarray, b0: int, b1: int, total: int, h: int) -> tuple[np.ndarray, list[int]]:
    """``y`` up to ``b1``, then ``y[b0:b1]`` repeated, each join an equal-power crossfade of
    ``2h`` samples centred on the bar line, so bar lines stay exactly periodic."""
    period = b1 - b0
    out = np.empty((total, y.shape[1]), np.float32)
    out[: min(b1, total)] = y[: min(b1, total)]
    joins = []
    pos = b1
    while pos < total:
        take = min(period, total - pos)
        out[pos : pos + take] = y[b0 : b0 + take]
        joins.append(pos)
        pos += period
    fo, fi = _equal_power(2 * h)
    # every join is the same blend: what would have followed without the loop, fading out,
    # into the loop's start with its own lead-in, fading in
    blend = y[b1 - h : b1 + h] * fo + y[b0 - h : b0 + h] * fi
    for j in joins:
        n = min(2 * h, total - (j - h))
        out[j - h : j - h + n] = blend[:n]
    return out, joins


def _fades(out: np.ndarray, sr: int, fade_in: float, fade_out: float) -> tuple[float, float]:
    d = out.shape[0] / sr
    fin = int(min(max(fade_in, 0), d / 2) * sr)
    fout = int(min(max(fade_out, 0), d / 2) * sr)
    if fin > 0:
        out[:fin] *= np.sin(np.linspace(0, np.pi / 2, fin, dtype=np.float32))[:, None] ** 2
    if fout > 0:
        out[-fout:] *= np.cos(np.linspace(0, np.pi / 2, fout, dtype=np.float32))[:, None] ** 2
    return fin / sr, fout / sr


def time_stretch(y: np.ndarray, rate: float, sr: int) -> np.ndarray:
    """``y`` (samples x channels) played ``rate`` times as fast without changing its pitch, by
    Signalsmith Stretch (python-stretch, MIT): it keeps drum attacks that librosa's phase vocoder
    smears (``bench/bench_stretch.py`` measures both on real recordings).

    Used by: :func:`fit_track`
    """
    import python_stretch

    stretcher = python_stretch.Signalsmith.Stretch()
    stretcher.preset(y.shape[1], sr)
    stretcher.timeFactor = rate
    out = np.asarray(stretcher.process(np.ascontiguousarray(y.T, dtype=np.float32)))
    return np.ascontiguousarray(out.T)


def fit_track(
    track: str | Path,
    duration: float,
    *,
    fade_in: float = 0.5,
    fade_out: float = 2.0,
    volume: float = 0.8,
    intensity: float | None = None,
    cuts: list[float] | None = None,
    max_stretch: float = 0.08,
    sr: int = 44100,
    crossfade: float = 0.03,
    grid: BeatGrid | None = None,
    start_hint: float | None = None,
) -> FittedCue:
    """Fit a track to ``duration`` seconds on its bars (see the module docstring).

    ``intensity`` (0-1) chooses a calm or an energetic section, ``start_hint`` (seconds) a moment
    the matcher chose (:attr:`schema.Recommendation.section_start`); ``cuts`` (seconds) turns on
    the tempo nudge that lands beats on cuts; ``volume`` is a linear gain. ``grid`` is the
    track's beat grid when already measured (the library index holds one); without it, the grid
    of an earlier index of the track's folder (:func:`feature_extraction.known_track`) is used,
    and only a never-indexed track has its beats tracked here.

    Notebook: 07_fit_and_export.ipynb
    """
    if duration <= 0:
        raise DramaTuneError("the scene lasts 0 seconds — nothing to fit the music to")
    if volume < 0:
        raise DramaTuneError("volume must be 0 or more (1.0 keeps the track's level)")
    track = Path(track)
    y = load_audio(track, sr=sr, mono=False, max_seconds=MAX_TRACK_SECONDS)
    if float(np.abs(y).max()) < 1e-4:
        raise BadInputError(track, "is silent — choose another track")
    if y.shape[0] < int(4 * crossfade * sr):
        raise BadInputError(track, f"is too short to use ({y.shape[0] / sr:.2f} s) — choose a longer track")
    length = y.shape[0] / sr
    if grid is None:
        known = known_track(track)
        grid = grid_of(known) if known is not None else None
    mono = None
    if grid is None or intensity is not None:
        mono = resample(y.mean(axis=1), sr, ANALYSIS_SR)
    if grid is None:
        assert mono is not None  # resampled just above
        grid = beat_grid(mono, ANALYSIS_SR)
    n = int(round(duration * sr))
    energy = None  # level per 0.1 s, needed only to choose a section by intensity
    if intensity is not None:
        assert mono is not None  # resampled just above
        step = int(ENERGY_STEP * ANALYSIS_SR)
        energy = 20 * np.log10(np.maximum(frame_rms(mono, step, step), 1e-5))
    plan = None
    if grid is not None:
        try:
            plan = plan_fit(
                grid,
                length,
                duration,
                energy=energy,
                intensity=intensity,
                cuts=cuts,
                max_stretch=max_stretch,
                crossfade=crossfade,
                start_hint=start_hint,
            )
        except DramaTuneError:
            plan = None
    if plan is None:
        return _plain_loop(y, track, duration, sr, crossfade, fade_in, fade_out, volume)
    if plan.rate != 1.0:
        y = time_stretch(y, plan.rate, sr)
    h = max(1, int(crossfade * sr / 2))
    s0 = int(round(plan.start * sr))
    joins: list[int] = []
    if plan.loop is not None:
        b0, b1 = (int(round(t * sr)) for t in plan.loop)
        full, joins = _render_loop(y, b0, b1, s0 + n + h, h)
        out = full[s0 : s0 + n].copy()
        joins = [j - s0 for j in joins if 0 < j - s0 < n]
    else:
        out = np.zeros((n, 2), np.float32)
        seg = y[s0 : s0 + n]
        out[: seg.shape[0]] = seg
    t_in, t_out = (_in_track(t, plan) for t in (plan.start, plan.start + duration))
    fin, fout = _fades(out, sr, fade_in, fade_out)
    out *= np.float32(volume)
    bounds = [0.0, *(j / sr for j in joins), n / sr]
    segments = [
        (
            1,
            round(a, 4),
            round(b, 4),
            round(_in_track(plan.start + a + 1e-6, plan) if k else t_in, 4),
            round((_in_track(plan.start + a + 1e-6, plan) if k else t_in) + (b - a) * plan.rate, 4),
            str(track),
        )
        for k, (a, b) in enumerate(zip(bounds, bounds[1:]))
    ]
    return FittedCue(
        audio=out,
        sr=sr,
        source=str(track),
        duration=n / sr,
        method="bars",
        rate=plan.rate,
        track_in=round(t_in, 3),
        track_out=round(t_out, 3),
        loops=len(joins),
        joins=joins,
        bars=[round(float(b), 3) for b in plan.bars if 0 <= b <= duration + 1e-6],
        cut_hits=plan.cut_hits,
        fade_in=fin,
        fade_out=fout,
        volume=volume,
        segments=segments,
    )


def _in_track(t: float, plan: FitPlan) -> float:
    """Where time ``t`` of the stretched, looped track falls in the original track, seconds."""
    if plan.loop is not None and t >= plan.loop[1]:
        b0, b1 = plan.loop
        t = b0 + (t - b1) % (b1 - b0)
    return t * plan.rate


def _plain_loop(y, track, duration, sr, crossfade, fade_in, fade_out, volume) -> FittedCue:
    """No bar grid: loop the whole track with equal-power crossfades (or trim it)."""
    n = int(round(duration * sr))
    xf = max(1, int(crossfade * sr))
    fo, fi = _equal_power(xf)
    out, joins = y, []
    while out.shape[0] < n:
        joins.append(out.shape[0] - xf)
        out = np.concatenate([out[:-xf], out[-xf:] * fo + y[:xf] * fi, y[xf:]])
    out = out[:n].copy()
    fin, fout = _fades(out, sr, fade_in, fade_out)
    out *= np.float32(volume)
    length = y.shape[0] / sr
    joins = [j for j in joins if j < n]
    bounds = [0.0, *(j / sr for j in joins), n / sr]
    segments = [(1, round(a, 4), round(b, 4), 0.0, round(b - a, 4), str(track)) for a, b in zip(bounds, bounds[1:])]
    return FittedCue(
        audio=out,
        sr=sr,
        source=str(track),
        duration=n / sr,
        method="plain loop",
        rate=1.0,
        track_in=0.0,
        track_out=round(min(duration, length) if not joins else duration % length, 3),
        loops=len(joins),
        joins=joins,
        bars=[],
        cut_hits=0,
        fade_in=fin,
        fade_out=fout,
        volume=volume,
        segments=segments,
    )


def join_cues(
    parts: list[tuple[str | Path, float, float]],
    duration: float,
    *,
    crossfade: float = 1.0,
    fade_in: float = 0.5,
    fade_out: float = 2.0,
    volume: float = 0.8,
    cuts: list[float] | None = None,
    sr: int = 44100,
) -> FittedCue:
    """Score a clip scene by scene: each ``(track, start, end)`` is fitted to its scene (bar lines,
    loops, fades; beats nudged onto the scene's ``cuts`` if given), and neighbours overlap by
    ``crossfade`` seconds centred on each scene boundary, one fading out as the next fades in.
    The result is one cue for :func:`export_scene`, whose cue sheet has a row per scene.

    Notebook: 06_compose.ipynb, 07_fit_and_export.ipynb
    """
    n = int(round(duration * sr))
    out = np.zeros((n, 2), np.float32)
    half = crossfade / 2
    sheet, fitted = [], []
    segments: list[tuple[int, float, float, float, float, str]] = []
    for k, (track, start, end) in enumerate(parts):
        a = max(0.0, start - (half if k else 0.0))
        b = min(duration, end + (half if k < len(parts) - 1 else 0.0))
        inner = [c - a for c in (cuts or []) if a < c < b]
        cue = fit_track(
            track,
            b - a,
            fade_in=crossfade if k else fade_in,
            fade_out=crossfade if k < len(parts) - 1 else fade_out,
            volume=volume,
            cuts=inner or None,
            sr=sr,
        )
        i0 = int(round(a * sr))
        m = min(cue.audio.shape[0], n - i0)
        out[i0 : i0 + m] += cue.audio[:m]
        fitted.append(cue)
        row = cue_sheet(cue)[0]
        sheet.append({**row, "cue": k + 1, "scene_in": round(a, 3), "scene_out": round(b, 3)})
        segments += [
            (k + 1, round(x + a, 4), round(y + a, 4), s_in, s_out, f) for _, x, y, s_in, s_out, f in cue.segments
        ]
    first = fitted[0]
    return FittedCue(
        audio=out,
        sr=sr,
        source=first.source,
        duration=duration,
        method="per scene",
        rate=first.rate,
        track_in=first.track_in,
        track_out=fitted[-1].track_out,
        loops=sum(c.loops for c in fitted),
        joins=[],
        bars=[b for c in fitted for b in c.bars],
        cut_hits=sum(c.cut_hits for c in fitted),
        fade_in=fade_in,
        fade_out=fade_out,
        volume=volume,
        sheet=sheet,
        segments=segments,
    )


def track_licence(track: str | Path) -> str:
    """The licence of a track, from a ``licences.json`` beside it ({file name: licence}), else unknown.

    Used by: :func:`cue_sheet`
    """
    track = Path(track)
    for folder in (track.parent, track.parent.parent):
        f = folder / "licences.json"
        if f.exists():
            try:
                table = json.loads(f.read_text())
            except ValueError:
                break
            return str(table.get(track.name, table.get("*", "unknown — check before publishing")))
    return "unknown — check before publishing"


def cue_sheet(cue: FittedCue) -> list[dict]:
    """The cue sheet rows: cue number, source, in/out in the scene and in the track, licence.

    Notebook: 07_fit_and_export.ipynb
    """
    if cue.sheet:
        return cue.sheet
    return [
        {
            "cue": 1,
            "source": Path(cue.source).name,
            "path": cue.source,
            "scene_in": 0.0,
            "scene_out": round(cue.duration, 3),
            "track_in": cue.track_in,
            "track_out": cue.track_out,
            "duration": round(cue.duration, 3),
            "loops": cue.loops,
            "tempo_change_percent": round((cue.rate - 1) * 100, 2),
            "fade_in": round(cue.fade_in, 3),
            "fade_out": round(cue.fade_out, 3),
            "licence": track_licence(cue.source),
        }
    ]
