"""Stage 07 · the mix: the music ducked under speech, the whole brought to a loudness target under
a true-peak ceiling.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..feature_extraction import SOUND_SR, SPEECH_HOP_S, listen, load_sound_model
from ..loudness import integrated_loudness
from ..signal.filters import firwin, lfilter
from ..signal.spectral import resample
from .fit import FittedCue

#: Loudness targets: web (EBU R128 s2 / streaming practice) and broadcast (EBU R128).
LOUDNESS_TARGETS = {"web": -16.0, "broadcast": -23.0}


TRUE_PEAK_DBTP = -1.0


_TP_MARGIN_DB = 0.5  # AAC encoding can lift peaks a little: limit below the ceiling


def duck_gain(
    mask: np.ndarray,
    n: int,
    sr: int,
    *,
    depth_db: float = 10.0,
    attack: float = 0.08,
    release: float = 0.5,
    hop: float = 0.01,
) -> np.ndarray:
    """A gain curve (n samples) that dips by ``depth_db`` under speech, with attack and release.

    Used by: :func:`mix_scene`
    """
    if not mask.size or depth_db <= 0:
        return np.ones(n, np.float32)
    # look ahead by three attack times (a one-pole filter settles to 95 % in three): duck where
    # speech starts within that time, so the dip is in place when the first word starts; the
    # release still waits for the speech to end
    lead = int(3 * attack / hop)
    ahead = np.convolve(mask.astype(int), np.ones(lead + 1, int))[lead : lead + mask.size] > 0
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

    h = (firwin(48, 0.25) * 4).astype(np.float32)  # 4x interpolation: each phase has unity DC gain
    phases = np.stack([h[p::4] for p in range(4)])  # (4, 12)
    bound = float(np.abs(phases).sum(axis=1).max())
    x = y if y.ndim == 2 else y[:, None]
    peak = np.maximum.reduce([np.abs(x[:, c]) for c in range(x.shape[1])])  # 20x faster than max(axis=1)
    if not peak.size:
        return peak
    floor = float(peak.max()) if floor is None else floor
    idx = np.flatnonzero(maximum_filter1d(peak, 13) * bound >= floor)
    xp = np.pad(x, ((6, 6), (0, 0)))
    offsets = 12 - np.arange(12)  # out[n] = sum_k phase[k] * x[n + 6 - k]
    for chunk in np.array_split(idx, max(1, idx.size // 200_000)):
        near = xp[chunk[:, None] + offsets].transpose(0, 2, 1).reshape(-1, 12)  # (sample, channel) x tap
        vals = np.abs(near @ phases.T).reshape(chunk.size, -1)  # a matrix product: 2.5x faster than einsum
        peak[chunk] = np.maximum(peak[chunk], vals.max(axis=1))
    return peak


def true_peak_db(y: np.ndarray, sr: int) -> float:
    """True peak in dBTP: the peak of the 4x oversampled signal (ITU-R BS.1770-4, Annex 2).

    Used by: :mod:`fit_and_export.export`
    """
    if not y.size:
        return -math.inf
    return 20 * math.log10(max(float(_oversampled_peaks(y).max()), 1e-12))


def _limiter_gain(y: np.ndarray, ceiling_db: float, sr: int, release: float = 0.08) -> np.ndarray:
    """Gain curve of a look-ahead peak limiter working on the 4x oversampled peak of each sample."""
    from scipy.ndimage import maximum_filter1d

    ceiling = 10 ** (ceiling_db / 20)
    look = max(1, int(0.005 * sr))
    peak = maximum_filter1d(_oversampled_peaks(y, ceiling), size=2 * look + 1)  # gain drops 5 ms before a peak
    need = np.minimum(1.0, ceiling / np.maximum(peak, 1e-12))
    a = math.exp(-1 / (release * sr))
    # release: the gain recovers smoothly; the minimum keeps every peak under the ceiling
    smooth = lfilter(np.array([1 - a]), np.array([1, -a]), need, zi=np.array([need[0] * a]))
    return np.minimum(need, smooth).astype(np.float32)


def normalise_loudness(
    y: np.ndarray, sr: int, *, target_lufs: float = -16.0, true_peak: float = TRUE_PEAK_DBTP
) -> tuple[np.ndarray, np.ndarray, float, float]:
    """Bring a mix to ``target_lufs`` integrated loudness with its true peak at or below ``true_peak``.

    Returns ``(y, gain, lufs, dbtp)``: the processed audio, the gain curve applied to it (so a
    stem can get exactly the same treatment) and the loudness and true peak measured after
    processing. A silent mix is returned as is.

    Used by: :func:`mix_scene`
    """
    gain = np.ones(y.shape[0], np.float32)
    lufs, tp0 = integrated_loudness(y, sr), true_peak_db(y, sr)
    if not np.isfinite(lufs):
        return y, gain, -math.inf, tp0
    ceiling = true_peak - _TP_MARGIN_DB
    g0 = target_lufs - lufs
    if tp0 + g0 <= ceiling:  # a plain gain is enough: its true peak moves by exactly the gain
        g = np.float32(10 ** (g0 / 20))
        gain *= g
        out = (y * g).astype(np.float32, copy=False)
        return out, gain, integrated_loudness(out, sr), tp0 + g0  # measured: the gate may pass new blocks
    out = y
    for _ in range(4):  # gain, limit, measure: the limiter costs a little loudness each time
        gain *= np.float32(10 ** ((target_lufs - lufs) / 20))
        out = y * gain[:, None]
        if true_peak_db(out, sr) > ceiling:
            gain *= _limiter_gain(out, ceiling, sr)
            out = y * gain[:, None]
        lufs = integrated_loudness(out, sr)
        if abs(lufs - target_lufs) < 0.2:
            break
    return out.astype(np.float32, copy=False), gain, float(lufs), true_peak_db(out, sr)


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
        scene[: s.shape[0]] = s * scene_gain if scene_gain != 1.0 else s
        if duck_depth > 0:
            channels = scene_audio.shape[1]  # mean(axis=1)'s bits, 10x faster on two channels
            mono = sum(scene_audio[:, c] for c in range(channels)) / channels
            model = load_sound_model() if sound_model == "auto" else sound_model
            # the analysis' own decision (feature_extraction.listen), so the mix ducks where the
            # analysis hears speech and nowhere else
            mask = listen(resample(mono, cue.sr, SOUND_SR), SOUND_SR, model, rate=False).speech_frames
    gain = duck_gain(mask, music.shape[0], cue.sr, depth_db=duck_depth)
    music *= gain[:, None]
    out, norm, lufs, tp = normalise_loudness(music + scene, cue.sr, target_lufs=target)
    stem = (music * norm[:, None]).astype(np.float32, copy=False)  # the music exactly as it sits in the mix
    return Mix(
        audio=out,
        music=stem,
        sr=cue.sr,
        lufs=lufs,
        true_peak=tp,
        speech_seconds=float(mask.sum()) * SPEECH_HOP_S,
        gain=gain,
    )
