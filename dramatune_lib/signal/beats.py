"""Shared kernel: the beat tracker, Ellis's (2007) dynamic programme as librosa 0.11 runs it
(``librosa.beat.beat_track``), and librosa's tempo estimator, written out in numpy.

librosa compiles its tracker with numba in every new process (one of its kernels is declared
``cache=False``): 2.5 s of a ``dramatune merge`` of a track no index had measured.
This is the same computation in the same order and the same precision, checked frame for frame
against librosa's in ``tests/test_feature_extraction.py``.
"""

from __future__ import annotations

import numpy as np

from .spectral import hann

#: librosa.feature.tempo's defaults, which :func:`tempo_estimate` follows: a log-normal prior
#: centred on 120 per minute, one octave wide, over 8 s autocorrelation windows.
TEMPO_PRIOR_BPM, TEMPO_PRIOR_OCTAVES, TEMPO_WINDOW_S = 120.0, 1.0, 8.0


def tempo_estimate(
    envelope: np.ndarray, sr: float, hop: int = 1, *, max_tempo: float = 320.0, block: int = 2048
) -> float:
    """``librosa.feature.tempo(onset_envelope=envelope, sr=sr, hop_length=hop, max_tempo=...)``
    written out in numpy (windowed autocorrelation, averaged over time, weighted by the prior):
    the same answer, checked in ``tests/test_feature_extraction.py``. It spares a new ``dramatune
    analyze`` librosa's second-long import, and indexing its memory: ``block`` frames at a time
    instead of the whole tempogram (846 MB at once for a 5-minute track).

    Notebook: 02_feature_extraction.ipynb
    """
    x = np.asarray(envelope, dtype=np.float64)
    n, win = x.size, int(np.floor(TEMPO_WINDOW_S * sr / hop))
    padded = np.pad(x, win // 2, mode="linear_ramp", end_values=(0, 0))
    windows = np.lib.stride_tricks.sliding_window_view(padded, win)[:n]  # (n, win), centred
    window = hann(win)
    total = np.zeros(win)
    for b0 in range(0, n, block):
        power = np.abs(np.fft.rfft(windows[b0 : b0 + block] * window, n=2 * win, axis=1)) ** 2
        ac = np.fft.irfft(power, n=2 * win, axis=1)[:, :win]
        peak = np.abs(ac).max(axis=1, keepdims=True)
        total += (ac / np.where(peak > np.finfo(ac.dtype).tiny, peak, 1.0)).sum(axis=0)
    tg = total / n
    with np.errstate(divide="ignore"):
        bpms = np.r_[np.inf, 60.0 * sr / (hop * np.arange(1.0, win))]
        logprior = -0.5 * ((np.log2(bpms) - np.log2(TEMPO_PRIOR_BPM)) / TEMPO_PRIOR_OCTAVES) ** 2
    logprior[: int(np.argmax(bpms < max_tempo))] = -np.inf
    return float(bpms[int(np.argmax(np.log1p(1e6 * tg) + logprior))])


#: How closely the beats keep to the tempo (librosa's default).
TIGHTNESS = 100.0


def _local_score(x: np.ndarray, period: float) -> np.ndarray:
    """The onset envelope smoothed by a Gaussian a beat wide: librosa's same-mode convolution,
    which leaves out the envelope's first frame, summed in its order and precision."""
    n = x.size
    window = np.exp(-0.5 * (np.arange(-period, period + 1) * 32.0 / period) ** 2)
    k_len, half = window.size, window.size // 2
    score = np.zeros(n, dtype=x.dtype)
    i = np.arange(n)
    for k in range(k_len):
        valid = (k > i + half - n) & (k < i + half)  # librosa's loop bounds: x[0] never counts
        idx = i[valid]
        score[idx] += window[k] * x[idx + half - k]
    return score


def _dynamic_programme(score: np.ndarray, period: float, tightness: float) -> tuple[np.ndarray, np.ndarray]:
    """Each frame's best preceding beat (backlink) and the best path's score up to it (cumscore).
    Frames are solved a block of half a beat at a time: no frame in a block can precede another."""
    n = score.size
    dtype = score.dtype.type
    cumscore = np.zeros(n, dtype=score.dtype)
    backlink = np.full(n, -1, dtype=np.int32)
    near, far = int(np.round(period / 2)), int(2 * period)  # predecessors i-near .. i-far
    offsets = np.arange(near, far + 1)  # i - loc
    # librosa's score for a predecessor: cumscore[loc] - tightness (log(i - loc) - log(period))^2
    penalty = np.float32(tightness) * (np.log(offsets) - np.log(dtype(period))) ** 2
    block = max(1, near)
    for start in range(0, n, block):
        rows = np.arange(start, min(n, start + block))
        locs = rows[:, None] - offsets[None, :]
        cand = np.where(locs >= 0, cumscore[np.maximum(locs, 0)] - penalty, -np.inf)
        best = np.argmax(cand, axis=1)  # the first of equal scores: librosa's nearest predecessor
        best_score = cand[np.arange(rows.size), best]
        found = np.isfinite(best_score)
        cumscore[rows] = np.where(found, score[rows] + best_score, score[rows])
        backlink[rows] = np.where(found, locs[np.arange(rows.size), best], -1)
    # the first beat waits for an onset above 1 % of the strongest: no frame before it links back
    above = np.flatnonzero(score >= np.float64(0.01) * np.float64(score.max()))
    backlink[: above[0] if above.size else n] = -1
    return backlink, cumscore


def _last_beat(cumscore: np.ndarray) -> int:
    """The last frame that is a local maximum of the path score and at least half their median."""
    padded = np.pad(cumscore, 1, mode="edge")
    peaks = (cumscore > padded[:-2]) & (cumscore >= padded[2:])
    threshold = 0.5 * np.ma.getdata(np.ma.median(np.ma.masked_array(cumscore, mask=~peaks)))
    hits = np.flatnonzero(peaks & (cumscore >= cumscore.dtype.type(threshold)))
    return int(hits[-1]) if hits.size else cumscore.size - 1


def _trim(score: np.ndarray, beats: np.ndarray) -> np.ndarray:
    """Leading and trailing frames whose smoothed score is under half the beats' RMS: not beats."""
    smooth = np.convolve(score[beats], np.hanning(5))[2 : score.size + 2]
    threshold = 0.5 * ((smooth**2).mean() ** 0.5)
    out = beats.copy()
    n = 0
    while score[n] <= threshold:
        out[n] = False
        n += 1
    n = score.size - 1
    while score[n] <= threshold:
        out[n] = False
        n -= 1
    return out


def beat_track(
    envelope: np.ndarray, sr: int, hop: int, *, bpm: float | None = None, tightness: float = TIGHTNESS
) -> np.ndarray:
    """Beat frames of an onset envelope: ``librosa.beat.beat_track(onset_envelope=..., sr=...,
    hop_length=..., bpm=...)[1]`` without numba. The tempo, when not given, is
    :func:`tempo_estimate` (librosa's own estimate, written out the same way).

    Notebook: 02_feature_extraction.ipynb
    """
    if not envelope.any():
        return np.array([], dtype=int)
    if bpm is None:
        bpm = tempo_estimate(envelope, sr, hop)
    period = float(np.round(sr / hop * 60.0 / bpm))
    x = envelope / (envelope.std(ddof=1) + np.finfo(envelope.dtype).tiny)
    # librosa's tempo is float64, so numba runs its float64 kernels: the score is float64 too
    score = _local_score(x.astype(np.float64), period)
    backlink, cumscore = _dynamic_programme(score, period, tightness)
    beats = np.zeros(envelope.size, dtype=bool)
    n = _last_beat(cumscore)
    while n >= 0:
        beats[n] = True
        n = backlink[n]
    return np.flatnonzero(_trim(score, beats))
