"""Stage 07: fit the cue to the cut, mix it under the scene, export fast.

``FittedCue -> mix (ducking, loudness) -> MP4 + music stem + cue sheet``

Fitting (:func:`fit_track`) works on the track's bars, as an editor would:

- a track longer than the scene is cut so that it **ends on a bar line at the scene's end**,
  with a fade-out; where it starts is chosen by the energy that suits the scene (``intensity``);
- a shorter track is **looped on bar boundaries** with short equal-power crossfades centred on
  the bar lines, so the rhythm never stumbles and no join clicks;
- optionally (``cuts``) the tempo is nudged by at most 8 %, pitch preserved, so that beats land on
  the scene's cuts (the AWS paper's tempo alteration; CMT's visual beats);
- without a usable beat grid (a track shorter than a bar, no steady pulse) it falls back to a
  plain crossfaded loop and says so.

Mixing (:func:`mix_scene`) keeps the scene's own sound at a gain, ducks the music where speech is
detected (a gain envelope with attack and release) and normalises the whole mix to a target
loudness (-16 LUFS for the web, -23 LUFS for broadcast) with the true peak at or below -1 dBTP.

Export (:func:`export_scene`) copies the video stream with ffmpeg and encodes the mix as AAC, and
writes the music stem (WAV) and a cue sheet (CSV and JSON) beside it. The user's files are never
written; no output is replaced without ``overwrite=True``; every output is written under a
temporary name and renamed only when all of them are complete, so a failure leaves nothing
behind. The report's moviepy + pydub merge is kept as :func:`report_merge`, the baseline that
``bench/bench_export.py`` compares against.
"""
from __future__ import annotations

import csv
import json
import math
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import soundfile as sf

from . import config
from .errors import BadInputError, DramaTuneError, OutputExistsError
from .feature_extraction import SOUND_SR, BeatGrid, beat_grid, grid_of, known_track, listen, load_sound_model
from .media import (audio_duration, check_complete, decode_audio, frame_rms, guard_outputs, load_audio,
                    power_spectrogram, probe, probe_scene, resample, run_ffmpeg)
from .schema import ExportResult

ANALYSIS_SR = 22050
HOP = 256
#: A track's level is read every 0.1 s to choose a calm or an energetic section (chosen by hand).
ENERGY_STEP = 0.1
#: Longest stretch of a track that is read and fitted; a 2-hour file is not loaded whole.
MAX_TRACK_SECONDS = 300.0
#: Loudness targets: web (EBU R128 s2 / streaming practice) and broadcast (EBU R128).
LOUDNESS_TARGETS = {"web": -16.0, "broadcast": -23.0}
TRUE_PEAK_DBTP = -1.0
_TP_MARGIN_DB = 0.5  # AAC encoding can lift peaks a little: limit below the ceiling


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
) -> FitPlan:
    """Choose the tempo nudge and the start so the cue ends on a bar line at ``duration``.

    ``energy`` is the track's RMS in dB per 0.1 s; with ``intensity`` (0 = calmest section,
    1 = most energetic) it picks the section. With ``cuts`` it tries rates within
    ``1 ± max_stretch`` and keeps a nudge only if it lands more cuts on beats.

    Notebook: 07_fit_and_export.ipynb
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
            score = (10.0 * hits + 5.0 * np.clip(1 - dist / (2 * CUT_TOLERANCE), 0, 1).mean()
                     - 0.5 * abs(r - 1) / max(max_stretch, 1e-9)) if cut_arr.size else 0.0
            if level_range is not None:
                score -= 3.0 * abs(_segment_level(energy, level_range, s * r, duration * r, loop, r) - want)
            score -= 0.001 * s  # otherwise prefer an earlier start
            if best is None or score > best[0] + 1e-9:
                best = (score, FitPlan(rate=r, start=float(s), loop=loop, cut_hits=hits,
                                       bars=bars - s, beats=beats - s))
    if best is None:
        raise DramaTuneError("no bar grid fits")  # caught by fit_track: falls back to a plain loop
    return best[1]


def _segment_level(energy: np.ndarray, level_range: tuple[float, float], start: float, dur: float,
                   loop, r: float) -> float:
    """Mean level of a section, 0 (quietest part of the track) to 1 (loudest)."""
    lo, hi = level_range
    if hi - lo < 1.0:
        return 0.5
    i0 = int(start * 10)
    if loop is None:
        seg = energy[i0: i0 + max(1, int(dur * 10))]
    else:
        seg = energy[int(loop[0] * r * 10): int(loop[1] * r * 10)]
    return float(np.clip((np.mean(seg) - lo) / (hi - lo), 0, 1)) if seg.size else 0.5


# --- fitting --------------------------------------------------------------------------------

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
        out[pos: pos + take] = y[b0: b0 + take]
        joins.append(pos)
        pos += period
    fo, fi = _equal_power(2 * h)
    # every join is the same blend: what would have followed without the loop, fading out,
    # into the loop's start with its own lead-in, fading in
    blend = y[b1 - h: b1 + h] * fo + y[b0 - h: b0 + h] * fi
    for j in joins:
        n = min(2 * h, total - (j - h))
        out[j - h: j - h + n] = blend[:n]
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

    Notebook: 07_fit_and_export.ipynb
    """
    import python_stretch

    stretcher = python_stretch.Signalsmith.Stretch()
    stretcher.preset(y.shape[1], sr)
    stretcher.timeFactor = rate
    return np.ascontiguousarray(stretcher.process(np.ascontiguousarray(y.T, dtype=np.float32)).T)


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
) -> FittedCue:
    """Fit a track to ``duration`` seconds on its bars (see the module docstring).

    ``intensity`` (0-1) chooses a calm or an energetic section; ``cuts`` (seconds) turns on
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
        grid = beat_grid(mono, ANALYSIS_SR)
    n = int(round(duration * sr))
    energy = None  # level per 0.1 s, needed only to choose a section by intensity
    if intensity is not None:
        energy = 20 * np.log10(np.maximum(frame_rms(mono, int(ENERGY_STEP * ANALYSIS_SR)), 1e-5))
    plan = None
    if grid is not None:
        try:
            plan = plan_fit(grid, length, duration, energy=energy, intensity=intensity, cuts=cuts,
                            max_stretch=max_stretch, crossfade=crossfade)
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
        out = full[s0: s0 + n].copy()
        joins = [j - s0 for j in joins if 0 < j - s0 < n]
    else:
        out = np.zeros((n, 2), np.float32)
        seg = y[s0: s0 + n]
        out[: seg.shape[0]] = seg
    t_in, t_out = (_in_track(t, plan) for t in (plan.start, plan.start + duration))
    fin, fout = _fades(out, sr, fade_in, fade_out)
    out *= np.float32(volume)
    bounds = [0.0, *(j / sr for j in joins), n / sr]
    segments = [(1, round(a, 4), round(b, 4), round(_in_track(plan.start + a + 1e-6, plan) if k else t_in, 4),
                 round((_in_track(plan.start + a + 1e-6, plan) if k else t_in) + (b - a) * plan.rate, 4), str(track))
                for k, (a, b) in enumerate(zip(bounds, bounds[1:]))]
    return FittedCue(audio=out, sr=sr, source=str(track), duration=n / sr, method="bars", rate=plan.rate,
                     track_in=round(t_in, 3), track_out=round(t_out, 3), loops=len(joins), joins=joins,
                     bars=[round(float(b), 3) for b in plan.bars if 0 <= b <= duration + 1e-6],
                     cut_hits=plan.cut_hits, fade_in=fin, fade_out=fout, volume=volume, segments=segments)


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
    return FittedCue(audio=out, sr=sr, source=str(track), duration=n / sr, method="plain loop", rate=1.0,
                     track_in=0.0, track_out=round(min(duration, length) if not joins else duration % length, 3),
                     loops=len(joins), joins=joins, bars=[], cut_hits=0,
                     fade_in=fin, fade_out=fout, volume=volume, segments=segments)


# --- mixing ---------------------------------------------------------------------------------

def speech_activity(y: np.ndarray, sr: int, *, hop: float = 0.01, classes: list[str] | None = None) -> np.ndarray:
    """A speech/no-speech decision every ``hop`` seconds, from the scene's own sound.

    Frames are speech when they are well above the noise floor, carry most of their energy in
    the voice band (250-3500 Hz), are not noise-like (spectral flatness), and lie in a run long
    enough to be a syllable; pauses shorter than 0.6 s (between words and sentences of one line)
    are bridged, so the music does not pump. ``classes`` (per second, from the trained
    music/speech/other classifier, :func:`feature_extraction.listen`) vetoes the seconds it hears
    as music: a melody in the voice band is not dialogue to duck under.

    Notebook: 07_fit_and_export.ipynb
    """
    if y.size < sr // 10:
        return np.zeros(0, bool)
    hop_n, n_fft = int(hop * sr), 1024
    S = power_spectrogram(y, n_fft, hop_n)
    freqs = np.fft.rfftfreq(n_fft, 1 / sr)
    total = S.sum(axis=0) + 1e-12
    voice = S[(freqs >= 250) & (freqs <= 3500)].sum(axis=0) / total
    energy_db = 10 * np.log10(total)
    floor = np.percentile(energy_db, 10)
    # librosa.feature.spectral_flatness(S=S): geometric over arithmetic mean of max(1e-10, S ** 2)
    flat_s = np.maximum(1e-10, S ** 2)
    flat = np.exp(np.log(flat_s).mean(axis=0)) / flat_s.mean(axis=0)
    raw = (energy_db > floor + 12) & (voice > 0.6) & (flat < 0.3)
    from scipy.ndimage import binary_closing, binary_opening

    mask = binary_opening(raw, structure=np.ones(int(0.06 / hop)))  # syllables last > 60 ms
    mask = binary_closing(mask, structure=np.ones(int(0.6 / hop)))  # hold through pauses within a line
    per = int(round(1 / hop))
    for k, c in enumerate(classes or []):
        if c == "music":
            mask[k * per:(k + 1) * per] = False
    return mask


def duck_gain(mask: np.ndarray, n: int, sr: int, *, depth_db: float = 10.0, attack: float = 0.08,
              release: float = 0.5, hop: float = 0.01) -> np.ndarray:
    """A gain curve (n samples) that dips by ``depth_db`` under speech, with attack and release.

    Notebook: 07_fit_and_export.ipynb
    """
    if not mask.size or depth_db <= 0:
        return np.ones(n, np.float32)
    # look ahead by three attack times (a one-pole filter settles to 95 % in three): duck where
    # speech starts within that time, so the dip is in place when the first word starts; the
    # release still waits for the speech to end
    lead = int(3 * attack / hop)
    ahead = np.convolve(mask.astype(int), np.ones(lead + 1, int))[lead: lead + mask.size] > 0
    target = np.where(ahead, 10 ** (-depth_db / 20), 1.0)
    g = np.empty_like(target)
    a_coef, r_coef = math.exp(-hop / attack), math.exp(-hop / release)
    cur = 1.0
    for i, t in enumerate(target):  # one-pole smoothing: fast down (attack), slow up (release)
        c = a_coef if t < cur else r_coef
        cur = c * cur + (1 - c) * t
        g[i] = cur
    t_frames = np.arange(g.size) * hop
    return np.interp(np.arange(n) / sr, t_frames, g).astype(np.float32)


def _oversampled_peaks(y: np.ndarray, floor: float | None = None) -> np.ndarray:
    """Per input sample, the largest magnitude among it and the three values a 4x oversampler
    interpolates after it, over all channels: a 48-tap polyphase low-pass (12 taps per phase,
    the length ITU-R BS.1770-4 Annex 2 uses).

    An interpolated value is a 12-tap sum of its neighbours, so it can exceed ``floor`` only
    where ``B * (local sample peak) >= floor`` (``B``: the largest sum of absolute tap weights of
    a phase). Only those samples are interpolated, exactly; elsewhere the sample magnitude is
    returned, which lies below ``floor``. ``floor=None`` uses the sample peak, which finds the
    true peak exactly.
    """
    from scipy.ndimage import maximum_filter1d
    from scipy.signal import firwin

    h = (firwin(48, 0.25) * 4).astype(np.float32)  # 4x interpolation: each phase has unity DC gain
    phases = np.stack([h[p::4] for p in range(4)])  # (4, 12)
    bound = float(np.abs(phases).sum(axis=1).max())
    x = y if y.ndim == 2 else y[:, None]
    peak = np.abs(x).max(axis=1)
    if not peak.size:
        return peak
    floor = float(peak.max()) if floor is None else floor
    idx = np.flatnonzero(maximum_filter1d(peak, 13) * bound >= floor)
    xp = np.pad(x, ((6, 6), (0, 0)))
    offsets = 12 - np.arange(12)  # out[n] = sum_k phase[k] * x[n + 6 - k]
    for chunk in np.array_split(idx, max(1, idx.size // 200_000)):
        vals = np.einsum("mkc,pk->mpc", xp[chunk[:, None] + offsets], phases)
        peak[chunk] = np.maximum(peak[chunk], np.abs(vals).max(axis=(1, 2)))
    return peak


def true_peak_db(y: np.ndarray, sr: int) -> float:
    """True peak in dBTP: the peak of the 4x oversampled signal (ITU-R BS.1770-4, Annex 2).

    Notebook: 07_fit_and_export.ipynb
    """
    if not y.size:
        return -math.inf
    return 20 * math.log10(max(float(_oversampled_peaks(y).max()), 1e-12))


def _limiter_gain(y: np.ndarray, ceiling_db: float, sr: int, release: float = 0.08) -> np.ndarray:
    """Gain curve of a look-ahead peak limiter working on the 4x oversampled peak of each sample."""
    from scipy.ndimage import maximum_filter1d
    from scipy.signal import lfilter

    ceiling = 10 ** (ceiling_db / 20)
    look = max(1, int(0.005 * sr))
    peak = maximum_filter1d(_oversampled_peaks(y, ceiling), size=2 * look + 1)  # gain drops 5 ms before a peak
    need = np.minimum(1.0, ceiling / np.maximum(peak, 1e-12))
    a = math.exp(-1 / (release * sr))
    # release: the gain recovers smoothly; the minimum keeps every peak under the ceiling
    smooth = lfilter([1 - a], [1, -a], need, zi=[need[0] * a])[0]
    return np.minimum(need, smooth).astype(np.float32)


def normalise_loudness(y: np.ndarray, sr: int, *, target_lufs: float = -16.0,
                       true_peak: float = TRUE_PEAK_DBTP) -> tuple[np.ndarray, np.ndarray, float, float]:
    """Bring a mix to ``target_lufs`` integrated loudness with its true peak at or below ``true_peak``.

    Returns ``(y, gain, lufs, dbtp)``: the processed audio, the gain curve applied to it (so a
    stem can get exactly the same treatment) and the loudness and true peak measured after
    processing. A silent mix is returned as is.

    Notebook: 07_fit_and_export.ipynb
    """
    import pyloudnorm

    meter = pyloudnorm.Meter(sr)
    gain = np.ones(y.shape[0], np.float32)
    lufs = meter.integrated_loudness(y)
    if not np.isfinite(lufs):
        return y, gain, -math.inf, true_peak_db(y, sr)
    ceiling = true_peak - _TP_MARGIN_DB
    tp0 = true_peak_db(y, sr)
    g0 = (target_lufs - lufs)
    if tp0 + g0 <= ceiling:  # a plain gain is enough: its true peak moves by exactly the gain
        gain *= np.float32(10 ** (g0 / 20))
        out = y * gain[:, None]
        return out.astype(np.float32), gain, float(meter.integrated_loudness(out)), tp0 + g0
    out = y
    for _ in range(4):  # gain, limit, measure: the limiter costs a little loudness each time
        gain *= np.float32(10 ** ((target_lufs - lufs) / 20))
        out = y * gain[:, None]
        if true_peak_db(out, sr) > ceiling:
            gain *= _limiter_gain(out, ceiling, sr)
            out = y * gain[:, None]
        lufs = meter.integrated_loudness(out)
        if abs(lufs - target_lufs) < 0.2:
            break
    return out.astype(np.float32), gain, float(lufs), true_peak_db(out, sr)


@dataclass
class Mix:
    """The final mix, the music as it sits in it (the stem), and what was measured."""

    audio: np.ndarray
    music: np.ndarray
    sr: int
    lufs: float
    true_peak: float
    speech_seconds: float
    gain: np.ndarray  # the ducking gain applied to the music


def mix_scene(
    cue: FittedCue,
    scene_audio: np.ndarray | None,
    *,
    scene_gain: float = 1.0,
    duck_depth: float = 10.0,
    loudness: str | float = "web",
    sound_model="auto",
) -> Mix:
    """Mix the cue under the scene's own sound, duck it under speech, normalise the loudness.

    ``loudness`` is "web" (-16 LUFS), "broadcast" (-23 LUFS) or a number in LUFS. The trained
    music/speech/other classifier (``sound_model``: "auto" loads it from ``models/``, None skips
    it) keeps the music from ducking under the scene's own music.

    Notebook: 07_fit_and_export.ipynb
    """
    target = LOUDNESS_TARGETS[loudness] if isinstance(loudness, str) else float(loudness)
    music = cue.audio.copy()
    scene = np.zeros_like(music)
    mask = np.zeros(0, bool)
    if scene_audio is not None and scene_audio.size:
        s = scene_audio[: music.shape[0]]
        scene[: s.shape[0]] = s * scene_gain
        if duck_depth > 0:
            mono = scene_audio.mean(axis=1)
            classes = None
            model = load_sound_model() if sound_model == "auto" else sound_model
            if model is not None:
                classes = listen(resample(mono, cue.sr, SOUND_SR), SOUND_SR, model, rate=False).classes
            mask = speech_activity(mono, cue.sr, classes=classes)
    gain = duck_gain(mask, music.shape[0], cue.sr, depth_db=duck_depth)
    music *= gain[:, None]
    out, norm, lufs, tp = normalise_loudness(music + scene, cue.sr, target_lufs=target)
    stem = (music * norm[:, None]).astype(np.float32)  # the music exactly as it sits in the mix
    return Mix(audio=out, music=stem, sr=cue.sr, lufs=lufs, true_peak=tp,
               speech_seconds=float(mask.sum() * 0.01), gain=gain)


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

    Notebook: 06_compose.ipynb
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
        cue = fit_track(track, b - a, fade_in=crossfade if k else fade_in,
                        fade_out=crossfade if k < len(parts) - 1 else fade_out, volume=volume,
                        cuts=inner or None, sr=sr)
        i0 = int(round(a * sr))
        m = min(cue.audio.shape[0], n - i0)
        out[i0:i0 + m] += cue.audio[:m]
        fitted.append(cue)
        row = cue_sheet(cue)[0]
        sheet.append({**row, "cue": k + 1, "scene_in": round(a, 3), "scene_out": round(b, 3)})
        segments += [(k + 1, round(x + a, 4), round(y + a, 4), s_in, s_out, f) for _, x, y, s_in, s_out, f in cue.segments]
    first = fitted[0]
    return FittedCue(audio=out, sr=sr, source=first.source, duration=duration, method="per scene",
                     rate=first.rate, track_in=first.track_in, track_out=fitted[-1].track_out,
                     loops=sum(c.loops for c in fitted), joins=[], bars=[b for c in fitted for b in c.bars],
                     cut_hits=sum(c.cut_hits for c in fitted), fade_in=fade_in, fade_out=fade_out, volume=volume,
                     sheet=sheet, segments=segments)


# --- export ---------------------------------------------------------------------------------

def track_licence(track: str | Path) -> str:
    """The licence of a track, from a ``licences.json`` beside it ({file name: licence}), else unknown.

    Notebook: 07_fit_and_export.ipynb
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
    return [{
        "cue": 1, "source": Path(cue.source).name, "path": cue.source,
        "scene_in": 0.0, "scene_out": round(cue.duration, 3),
        "track_in": cue.track_in, "track_out": cue.track_out, "duration": round(cue.duration, 3),
        "loops": cue.loops, "tempo_change_percent": round((cue.rate - 1) * 100, 2),
        "fade_in": round(cue.fade_in, 3), "fade_out": round(cue.fade_out, 3),
        "licence": track_licence(cue.source),
    }]


def output_paths(output: str | Path) -> dict[str, Path]:
    """Every file an export writes: the video, the music stem and the cue sheet (CSV, JSON).

    Notebook: 07_fit_and_export.ipynb
    """
    output = Path(output)
    return {"video": output, "stem": output.with_suffix(".music.wav"),
            "csv": output.with_suffix(".cues.csv"), "json": output.with_suffix(".cues.json")}


def free_output(path: str | Path) -> Path:
    """``path``, or ``name-2.mp4``, ``name-3.mp4``...: the first name whose video, stem and cue
    sheets are all free, so a new export never replaces an earlier one.

    Notebook: 07_fit_and_export.ipynb
    """
    path = Path(path)
    k, out = 2, path
    while any(p.exists() for p in output_paths(out).values()):
        out = path.with_name(f"{path.stem}-{k}{path.suffix}")
        k += 1
    return out


def _write_sheet_csv(path: Path, rows: list[dict]) -> None:
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)


def export_scene(
    scene: str | Path,
    cue: FittedCue,
    output: str | Path,
    *,
    scene_gain: float = 1.0,
    duck_depth: float = 10.0,
    loudness: str | float = "web",
    overwrite: bool = False,
) -> ExportResult:
    """Write the scored scene (video stream copied, AAC mix), the music stem and the cue sheet.

    Refuses to write over the input, or over any existing output unless ``overwrite``; writes
    each file under a hidden temporary name in the output folder and renames them only when all
    are complete; removes every temporary file, also when the export fails.

    Notebook: 07_fit_and_export.ipynb
    """
    scene, output = Path(scene), Path(output)
    info = probe_scene(scene)
    check_complete(scene, info)
    outs = output_paths(output)
    if output.suffix.lower() not in (".mp4", ".mov", ".mkv", ".m4v"):
        raise DramaTuneError(f"{output.name}: is not a video file name — name the output .mp4, .mov, .mkv or .m4v")
    guard_outputs(outs.values(), [scene, cue.source, *(r.get("path") for r in cue.sheet or [])])
    for p in outs.values():
        if p.exists() and not overwrite:
            raise OutputExistsError(p)
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        fd, wav = tempfile.mkstemp(prefix=".dramatune-", suffix=".wav", dir=output.parent)
        os.close(fd)
    except OSError as e:
        raise DramaTuneError(f"{output.parent}: cannot write there — {e.strerror}; choose another folder") from None
    tmp = {k: p.with_name(f".{p.stem}.partial{p.suffix}") for k, p in outs.items()}
    try:
        scene_audio = decode_audio(scene, sr=cue.sr, mono=False) if info.has_audio else None
        m = mix_scene(cue, scene_audio, scene_gain=scene_gain, duck_depth=duck_depth, loudness=loudness)
        sf.write(wav, m.audio, cue.sr, subtype="FLOAT")
        common = ["-i", str(scene), "-i", wav, "-map", "0:v:0", "-map", "1:a:0"]
        # ffmpeg's "fast" AAC coder: 3x faster than the default, 25 dB SNR at 192 kbit/s
        aac = ["-c:a", "aac", "-aac_coder", "fast", "-b:a", "192k", "-movflags", "+faststart"]
        copied = True
        try:
            run_ffmpeg([*common, "-c:v", "copy", *aac, str(tmp["video"])], scene)
        except DramaTuneError as e:
            if "No space left" in str(e):
                raise
            copied = False  # a codec the container cannot hold as it is: re-encode once
            run_ffmpeg([*common, "-c:v", "libx264", "-crf", "18", "-pix_fmt", "yuv420p", *aac, str(tmp["video"])], scene)
        sf.write(tmp["stem"], m.music, cue.sr, subtype="PCM_24", format="WAV")
        rows = cue_sheet(cue)
        _write_sheet_csv(tmp["csv"], rows)
        tmp["json"].write_text(json.dumps({"scene": str(scene), "output": str(output), "loudness_lufs": round(m.lufs, 2),
                                           "true_peak_dbtp": round(m.true_peak, 2), "cues": rows}, indent=1))
        for k in ("stem", "csv", "json", "video"):  # the video last: its presence means complete
            if outs[k].exists() and not overwrite:
                raise OutputExistsError(outs[k])
            os.replace(tmp[k], outs[k])
    except OSError as e:
        raise DramaTuneError(f"{output}: export failed — {e.strerror or e}") from None
    finally:
        for f in [wav, *tmp.values()]:
            try:
                os.unlink(f)
            except OSError:
                pass
    return ExportResult(output=str(output), duration=round(cue.duration, 3), video_copied=copied,
                        track=cue.source, stem=str(outs["stem"]), cue_sheet=str(outs["csv"]),
                        loudness_lufs=round(m.lufs, 2), true_peak_dbtp=round(m.true_peak, 2))


def report_merge(scene: str | Path, track: str | Path, output: str | Path) -> Path:
    """The report's merge, kept as the reproducible baseline: pydub loops or trims the track,
    moviepy sets it as the clip's audio and re-encodes every frame. Hard cut at the end.

    Notebook: 07_fit_and_export.ipynb
    """
    import warnings

    from moviepy import AudioFileClip, VideoFileClip

    with warnings.catch_warnings():  # pydub looks for ffmpeg on PATH at import; it is given one below
        warnings.simplefilter("ignore", RuntimeWarning)
        from pydub import AudioSegment

    from .media import ffmpeg_exe

    AudioSegment.converter = ffmpeg_exe()
    output = Path(output)
    if output.exists():
        raise OutputExistsError(output)
    with VideoFileClip(str(scene)) as video:
        ms = int(video.duration * 1000)
        y = load_audio(track, sr=44100, mono=False)
        seg = AudioSegment((y * 32767).astype("<i2").tobytes(), frame_rate=44100, sample_width=2, channels=2)
        seg = (seg * (ms // len(seg) + 1))[:ms]  # the report: loop, then trim
        with tempfile.TemporaryDirectory() as d:
            wav = Path(d) / "music.wav"
            seg.export(str(wav), format="wav")
            with AudioFileClip(str(wav)) as audio:
                video.with_audio(audio).write_videofile(str(output), codec="libx264", audio_codec="aac", logger=None)
    return output


def probe_output(path: str | Path) -> dict:
    """Duration, streams and measured loudness of an exported file (for tests and notebook 07).

    Notebook: 07_fit_and_export.ipynb
    """
    import pyloudnorm

    info = probe(path)
    y = decode_audio(path, sr=48000, mono=False) if info.has_audio else np.zeros((0, 2), np.float32)
    lufs = pyloudnorm.Meter(48000).integrated_loudness(y) if y.shape[0] > 48000 else -math.inf
    return {"duration": info.duration, "video_codec": info.video_codec, "audio_codec": info.audio_codec,
            "audio_seconds": y.shape[0] / 48000, "lufs": float(lufs), "true_peak_dbtp": true_peak_db(y, 48000)}


# --- timelines for the editor ----------------------------------------------------------------

#: The editing rates a scene's measured frame rate snaps to (NTSC rates exactly, as editors use them).
EDITOR_RATES = (24000 / 1001, 24.0, 25.0, 30000 / 1001, 30.0, 48.0, 50.0, 60000 / 1001, 60.0)
#: Timeline formats DramaTune writes, each through OpenTimelineIO's adapter for it, and the file
#: ending it writes (``OUT.otio``, ``OUT.xml``...): OTIO's own JSON, Final Cut Pro 7 XML (which
#: Premiere Pro and DaVinci Resolve import), Final Cut Pro X XML, and a CMX 3600 EDL of the music.
TIMELINE_FORMATS = {"otio": ("otio_json", ".otio"), "fcp7": ("fcp_xml", ".xml"), "fcpx": ("fcpx_xml", ".fcpxml"),
                    "edl": ("cmx_3600", ".edl")}
#: Where an editor's timeline starts: 01:00:00:00, the usual first frame of programme.
TIMELINE_START_TC = "01:00:00:00"


def editor_rate(fps: float) -> float:
    """The standard editing rate nearest ``fps`` (23.976, 25, 29.97...).

    Notebook: 07_fit_and_export.ipynb
    """
    return min(EDITOR_RATES, key=lambda r: abs(r - fps)) if fps > 0 else 25.0


def is_drop_frame(rate: float) -> bool:
    """Whether timecode at ``rate`` is counted drop-frame (29.97 and 59.94, as broadcast does).

    Notebook: 07_fit_and_export.ipynb
    """
    return any(abs(rate - r) < 1e-6 for r in (30000 / 1001, 60000 / 1001))


def editor_timeline(scene: str | Path, cue: FittedCue, *, stem: str | Path | None = None,
                    cuts: list[float] | tuple = (), scenes: list[tuple[float, float, str]] | tuple = (),
                    name: str | None = None):
    """The scored scene as an OpenTimelineIO timeline, for an editing program.

    - ``V1``: the scene, whole, with a marker on each of its ``cuts`` and at the start of each of
      its ``scenes`` (``(start, end, emotion)``, from a per-scene plan) naming the emotion;
    - ``A1 music``: each stretch of each original track file at its source in and out (a loop
      pass is a clip of its own), fades in and out and the crossfade between scenes as
      transitions, a tempo change as a time warp and in the clip's metadata;
    - ``A2 mix stem``: the music stem as it sits in the mix (``stem``), switched off: an
      alternative to A1.

    Times are whole frames at the scene's editing rate (:func:`editor_rate`); the timeline starts
    at :data:`TIMELINE_START_TC`.

    Notebook: 07_fit_and_export.ipynb
    """
    import opentimelineio as otio

    scene = Path(scene)
    info = probe(scene)
    rate = editor_rate(info.fps)
    ot = otio.opentime
    lengths: dict[str, float] = {}

    def rt(seconds: float):
        return ot.RationalTime(round(seconds * rate), rate)

    def rng(a: float, b: float):
        return ot.TimeRange(rt(a), rt(b) - rt(a))

    tc = TIMELINE_START_TC[:-3] + (";" if is_drop_frame(rate) else ":") + TIMELINE_START_TC[-2:]
    tl = otio.schema.Timeline(name=name or scene.stem, global_start_time=ot.from_timecode(tc, rate))
    duration = cue.duration
    video = otio.schema.Track(name="V1", kind=otio.schema.TrackKind.Video)
    def media(path: Path, seconds: float):
        return otio.schema.ExternalReference(target_url=path.resolve().as_uri(), available_range=rng(0, seconds))

    clip = otio.schema.Clip(name=scene.name, source_range=rng(0, duration), media_reference=media(scene, info.duration))
    for k, c in enumerate(cuts, 1):
        clip.markers.append(otio.schema.Marker(name=f"cut {k}", marked_range=ot.TimeRange(rt(c), ot.RationalTime(0, rate)),
                                               color=otio.schema.MarkerColor.YELLOW))
    for k, (start, _, emotion) in enumerate(scenes, 1):
        clip.markers.append(otio.schema.Marker(name=f"scene {k}: {emotion}", color=otio.schema.MarkerColor.GREEN,
                                               marked_range=ot.TimeRange(rt(start), ot.RationalTime(0, rate)),
                                               metadata={"dramatune": {"emotion": emotion}}))
    video.append(clip)
    music = otio.schema.Track(name="A1 music", kind=otio.schema.TrackKind.Audio)
    rows = {r["cue"]: r for r in cue_sheet(cue)}
    segs = cue.segments or [(1, 0.0, duration, cue.track_in, cue.track_in + duration * cue.rate, cue.source)]
    numbers = sorted({s[0] for s in segs})
    # each cue owns the record time up to the middle of its crossfade with the next
    starts = {k: (rows[k]["scene_in"] + rows[k - 1]["scene_out"]) / 2 if k > 1 and k in rows and k - 1 in rows
              else min(s[1] for s in segs if s[0] == k) for k in numbers}
    ends = {k: starts[numbers[i + 1]] if i + 1 < len(numbers) else max(s[2] for s in segs if s[0] == k)
            for i, k in enumerate(numbers)}
    position = 0.0
    for i, k in enumerate(numbers):
        if i and k in rows and numbers[i - 1] in rows:
            # the crossfade spans both cues' overlap, [this cue's in, the last cue's out], around the cut
            before, after = rt(starts[k]) - rt(rows[k]["scene_in"]), rt(rows[numbers[i - 1]]["scene_out"]) - rt(starts[k])
            if before.value > 0 or after.value > 0:
                music.append(otio.schema.Transition(name="crossfade", transition_type="SMPTE_Dissolve",
                                                    in_offset=before, out_offset=after))
        row = rows.get(k, {})
        speed = 1 + row.get("tempo_change_percent", 0.0) / 100
        for j, (_, a0, b0, s_in, _, path) in enumerate(s for s in segs if s[0] == k):
            if j == 0 and k in rows:  # the cue sheet's own numbers, so the two agree to the frame
                a0, s_in = rows[k]["scene_in"], rows[k]["track_in"]
            a, b = max(a0, starts[k]), min(b0, ends[k])
            if rt(b) <= rt(a):
                continue
            if rt(a) > rt(position):
                music.append(otio.schema.Gap(source_range=rng(position, a)))
            s_in += (a - a0) * speed  # the part of this stretch before the scene boundary stays a handle
            if path not in lengths:
                lengths[path] = audio_duration(path)
            item = otio.schema.Clip(
                name=Path(path).name, source_range=ot.TimeRange(rt(s_in), rt(b) - rt(a)),
                media_reference=media(Path(path), lengths[path]),
                metadata={"dramatune": {"cue": k, "scene_in": round(a, 3), "scene_out": round(b, 3),
                                        "track_in": round(s_in, 3), "tempo_change_percent": row.get("tempo_change_percent", 0.0),
                                        "licence": row.get("licence", "")}})
            if abs(speed - 1) > 1e-6:
                item.effects.append(otio.schema.LinearTimeWarp(name="tempo", time_scalar=speed))
            music.append(item)
            position = b
    fade_in = rows[numbers[0]].get("fade_in", cue.fade_in) if numbers[0] in rows else cue.fade_in
    fade_out = rows[numbers[-1]].get("fade_out", cue.fade_out) if numbers[-1] in rows else cue.fade_out
    if fade_in and len(music):
        music.insert(0, otio.schema.Transition(name="fade in", transition_type="SMPTE_Dissolve",
                                               in_offset=ot.RationalTime(0, rate), out_offset=rt(fade_in)))
    if fade_out and len(music):
        music.append(otio.schema.Transition(name="fade out", transition_type="SMPTE_Dissolve",
                                            in_offset=rt(fade_out), out_offset=ot.RationalTime(0, rate)))
    tl.tracks.extend([video, music])
    if stem:
        alt = otio.schema.Track(name="A2 mix stem", kind=otio.schema.TrackKind.Audio)
        alt.append(otio.schema.Clip(name=Path(stem).name, source_range=rng(0, duration),
                                    media_reference=media(Path(stem), duration)))
        alt.enabled = False  # an alternative to A1: switch it on instead
        tl.tracks.append(alt)
    return tl


def timeline_paths(output: str | Path, formats: list[str] | tuple[str, ...]) -> dict[str, Path]:
    """The file each timeline format is written to, beside the export (``OUT.otio``, ``OUT.xml``...).

    Notebook: 07_fit_and_export.ipynb
    """
    output = Path(output)
    return {f: output.with_suffix(TIMELINE_FORMATS[f][1]) for f in formats}


def _edl_text(tl, rate: float) -> str:
    """A CMX 3600 EDL of the music track (OpenTimelineIO's writer), with its frame-code mode."""
    import copy

    from otio_cmx3600_adapter.cmx_3600 import EDLWriter

    tracks = copy.deepcopy(tl.tracks)  # the writer edits what it is given
    music = next(i for i, t in enumerate(tracks) if t.name == "A1 music")
    for t in tracks:  # the EDL writer places fades itself; transitions at the ends confuse it
        while len(t) and t[0].schema_name() == "Transition":
            t.remove(t[0])
        while len(t) and t[-1].schema_name() == "Transition":
            t.remove(t[-1])
    text = EDLWriter(tracks=tracks, rate=rate, style="avid").get_content_for_track_at_index(music, title=tl.name)
    mode = "FCM: DROP FRAME" if is_drop_frame(rate) else "FCM: NON-DROP FRAME"
    head, _, rest = text.partition("\n")
    return f"{head}\n{mode}\n{rest}"


def timeline_problem(fmt: str, rate: float) -> str | None:
    """Why ``fmt`` cannot hold a timeline at ``rate``, in one line, or None. OpenTimelineIO's Final
    Cut Pro X adapter writes no frame duration for NTSC rates (23.976, 29.97), so FCP X XML is
    written at whole-number rates only.

    Notebook: 07_fit_and_export.ipynb
    """
    if fmt not in TIMELINE_FORMATS:
        return f"--timeline {fmt}: unknown — choose {', '.join(TIMELINE_FORMATS)}"
    if fmt == "fcpx" and abs(rate - round(rate)) > 1e-6:
        return (f"--timeline fcpx: OpenTimelineIO's Final Cut Pro X adapter cannot write a {rate:.3f} fps timeline "
                "— choose otio, fcp7 or edl for this scene")
    return None


def write_timelines(timeline, output: str | Path, formats: list[str] | tuple[str, ...]) -> list[Path]:
    """Write ``timeline`` in each of ``formats`` (:data:`TIMELINE_FORMATS`) beside ``output``,
    each under a temporary name first. Returns the files written.

    Notebook: 07_fit_and_export.ipynb
    """
    import opentimelineio as otio

    rate = timeline.tracks[0].duration().rate
    for fmt in formats:
        problem = timeline_problem(fmt, rate)
        if problem:
            raise DramaTuneError(problem)
    written = []
    for fmt, path in timeline_paths(output, formats).items():
        adapter = TIMELINE_FORMATS[fmt][0]
        tmp = path.with_name(f".{path.stem}.partial{path.suffix}")
        try:
            text = _edl_text(timeline, rate) if fmt == "edl" else otio.adapters.write_to_string(timeline, adapter)
        except Exception as e:  # an adapter that cannot hold this timeline: say which and why
            raise DramaTuneError(f"{path.name}: the {fmt} adapter cannot write this timeline ({type(e).__name__}: "
                                 f"{str(e).splitlines()[0] if str(e) else ''}) — choose another --timeline format") from None
        tmp.write_text(text)
        os.replace(tmp, path)
        written.append(path)
    return written


# --- a folder of scenes at once ------------------------------------------------------------------

@dataclass
class BatchJob:
    """What scoring one scene of a folder needs (sent to a joblib worker, so plain data)."""

    scene: str
    output: str
    tracks: list  # the library's TrackFeatures
    per_scene: bool = False
    timelines: tuple[str, ...] = ()
    overwrite: bool = False
    crossfade: float = 1.0
    loudness: str | float = "web"


def score_scene(job: BatchJob) -> dict:
    """Score one scene of a batch end to end (analyse, recommend, fit, export, timelines) and
    return its summary row; a problem with this scene becomes the row's ``error`` instead of
    stopping the batch.

    Notebook: 07_fit_and_export.ipynb
    """
    from .compose import ScenePart, plan_per_scene
    from .feature_extraction import analyze_scene
    from .matching import recommend

    row = {"scene": job.scene, "emotion": "", "valence": "", "arousal": "", "pick 1": "", "pick 2": "", "pick 3": "",
           "output": "", "stem": "", "cue sheet": "", "timelines": "", "error": ""}
    try:
        prof = analyze_scene(job.scene, sound_model="auto")
        row.update(emotion=prof.emotion, valence=prof.valence, arousal=prof.arousal)
        picks = recommend(prof, job.tracks, top=3)
        row.update({f"pick {r.rank}": Path(r.path).name for r in picks})
        if job.per_scene:
            plan = plan_per_scene(prof, job.tracks)
        else:
            whole = ScenePart(0.0, prof.duration, prof.valence, prof.arousal, prof.emotion, len(prof.cut_times) + 1)
            plan = [(whole, picks[0] if picks else None)]
        parts = [(pick.path, part.start, part.end) for part, pick in plan if pick]
        if not parts or len(parts) < len(plan):
            raise DramaTuneError(f"{job.scene}: too few tracks in the library for its {len(plan)} scenes — add music")
        cue = join_cues(parts, prof.duration, crossfade=job.crossfade, cuts=prof.cut_times)
        outs = [*output_paths(job.output).values(), *timeline_paths(job.output, job.timelines).values()]
        guard_outputs(outs, [job.scene, *(p for p, _, _ in parts)])
        res = export_scene(job.scene, cue, job.output, loudness=job.loudness, overwrite=job.overwrite)
        row.update(output=res.output, stem=res.stem, **{"cue sheet": res.cue_sheet})
        if job.timelines:
            scenes = [(p.start, p.end, p.emotion) for p, _ in plan] if job.per_scene else []
            tl = editor_timeline(job.scene, cue, stem=res.stem, cuts=prof.cut_times, scenes=scenes,
                                 name=Path(res.output).stem)
            row["timelines"] = " ".join(str(p) for p in write_timelines(tl, res.output, job.timelines))
    except DramaTuneError as e:
        row["error"] = str(e)
    except Exception as e:  # noqa: BLE001 - one bad file never stops the rest; the row says what happened
        row["error"] = f"{Path(job.scene).name}: unexpected {type(e).__name__}: {e}".splitlines()[0]
    return row


def score_folder(folder: str | Path, out_dir: str | Path, tracks: list, *, per_scene: bool = False,
                 timelines: tuple[str, ...] = (), overwrite: bool = False, n_jobs: int = -1,
                 progress: bool = False, **options) -> list[dict]:
    """Score every video in ``folder`` (not its sub-folders) into ``out_dir`` as
    ``<scene>_scored.mp4`` (+ stem, cue sheet, timelines), through the same joblib helper as
    indexing (so ``joblib.parallel_backend("dask")`` runs it on a cluster); writes
    ``out_dir/summary.csv`` (scene, emotion, the picks, output files, any error) and returns its rows.

    Notebook: 07_fit_and_export.ipynb
    """
    from .parallel import parallel_map

    folder, out_dir = Path(folder), Path(out_dir)
    if not folder.is_dir():
        raise BadInputError(folder, "is not a folder — give the folder that holds the scenes")
    if out_dir.resolve() == folder.resolve() or folder.resolve() in out_dir.resolve().parents:
        raise DramaTuneError(f"{out_dir}: is inside the folder of scenes {folder} — write the results elsewhere, "
                             "or a second run would score them as scenes")
    scenes = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in config.VIDEO_EXTENSIONS)
    if not scenes:
        raise BadInputError(folder, f"holds no videos ({', '.join(config.VIDEO_EXTENSIONS)}) — give a folder of scenes")
    out_dir.mkdir(parents=True, exist_ok=True)
    summary = out_dir / "summary.csv"
    guard_outputs([summary], scenes)
    if summary.exists() and not overwrite:
        raise OutputExistsError(summary)
    jobs = [BatchJob(str(p), str(out_dir / f"{p.stem}_scored.mp4"), tracks, per_scene, tuple(timelines), overwrite,
                     **options) for p in scenes]
    rows = parallel_map(score_scene, jobs, n_jobs=n_jobs, progress="scoring" if progress else None, unit="scene")
    _write_sheet_csv(summary, rows)
    return rows
