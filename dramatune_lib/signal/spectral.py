"""Shared kernel: the few signal-processing steps DramaTune writes in numpy (each checked against
the librosa or scipy function it stands for), so a new process need not import librosa for them."""

from __future__ import annotations

import numpy as np


def resample(y: np.ndarray, orig_sr: int, target_sr: int) -> np.ndarray:
    """``y`` (samples, or samples x channels) at ``target_sr``: soxr's high quality, which is what
    ``librosa.resample`` runs by default, called directly so a new process need not import librosa.

    Used by: :mod:`feature_extraction.musicnn`, :mod:`fit_and_export.fit` and 2 more
    """
    import soxr

    if orig_sr == target_sr:
        return y
    return soxr.resample(y, orig_sr, target_sr, quality="soxr_hq")


def hann(n: int) -> np.ndarray:
    """The periodic Hann window of ``n`` points (scipy's ``get_window("hann", n)``, which librosa
    uses for its spectra and tempograms).

    Used by: :mod:`signal.beats`
    """
    # scipy's general_cosine on n + 1 symmetric points, the last dropped: the same bits as scipy
    fac = np.linspace(-np.pi, np.pi, n + 1)
    return (np.zeros(n + 1) + 0.5 * np.cos(0 * fac) + 0.5 * np.cos(1 * fac))[:-1]


# --- librosa 0.11's spectra, at float precision: what a beat grid needs ---------------------------

#: Spectrum frames a track's onset envelope is computed from at a time (47 s of music at hop 256):
#: bounds the memory of a long track's spectrum (chosen by hand).
SPECTRUM_BLOCK = 4096
#: Frames :func:`stft_power` transforms at once: about a megabyte of windowed float64 frames at 2048
#: points, so they stay in the processor's cache (librosa works in 256 KB blocks; chosen by hand).
FFT_BLOCK = 64


def stft_power(y: np.ndarray, n_fft: int, hop: int, *, centred: bool = True, power: int = 2) -> np.ndarray:
    """``abs(librosa.stft(y, n_fft=n_fft, hop_length=hop)) ** power`` bit for bit (``power=1``: the
    magnitude): frames centred and
    zero-padded (``centred=False``: ``y`` is already padded), librosa's float64 window, the
    spectrum stored as complex64 (complex128 for float64 ``y``) as librosa stores it;
    :data:`FFT_BLOCK` frames at a time.

    Used by: :mod:`feature_extraction.musicnn`, :mod:`feature_extraction.sound` and 1 more
    """
    y = np.asarray(y)
    y = y if y.dtype == np.float64 else y.astype(np.float32)  # librosa: float32 unless given float64
    spectrum = np.complex128 if y.dtype == np.float64 else np.complex64
    if centred:
        y = np.pad(y, n_fft // 2)
    frames = np.lib.stride_tricks.sliding_window_view(y, n_fft)[::hop]
    window = hann(n_fft)
    out = np.empty((len(frames), n_fft // 2 + 1), y.dtype)  # frames first: librosa's layout (order F)
    for f0 in range(0, len(frames), FFT_BLOCK):
        block = frames[f0 : f0 + FFT_BLOCK] * window
        out[f0 : f0 + len(block)] = np.abs(np.fft.rfft(block, axis=-1).astype(spectrum)) ** power
    return out.T


def _hz_to_mel(hz: np.ndarray) -> np.ndarray:
    """Slaney's mel scale (librosa's default): linear to 1 kHz, logarithmic above."""
    mels = hz / MEL_LINEAR_HZ
    log = hz >= MEL_LOG_FROM_HZ
    mels[log] = MEL_LOG_FROM_HZ / MEL_LINEAR_HZ + np.log(hz[log] / MEL_LOG_FROM_HZ) / MEL_LOG_STEP
    return mels


def _mel_to_hz(mels: np.ndarray) -> np.ndarray:
    hz = 0.0 + MEL_LINEAR_HZ * mels
    log = mels >= MEL_LOG_FROM_HZ / MEL_LINEAR_HZ
    hz[log] = MEL_LOG_FROM_HZ * np.exp(MEL_LOG_STEP * (mels[log] - MEL_LOG_FROM_HZ / MEL_LINEAR_HZ))
    return hz


#: Slaney's mel scale, as librosa and the Auditory Toolbox define it: 200/3 Hz a mel up to 1 kHz,
#: then 27 mels for each factor of 6.4.
MEL_LINEAR_HZ, MEL_LOG_FROM_HZ, MEL_LOG_STEP = 200.0 / 3, 1000.0, float(np.log(6.4) / 27.0)


def mel_filterbank(sr: float, n_fft: int, n_mels: int = 128, fmax: float | None = None) -> np.ndarray:
    """``librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=n_mels, fmax=fmax)`` bit for bit: Slaney's
    triangles, each scaled to unit area (float32, ``(n_mels, 1 + n_fft // 2)``).

    Notebook: 02_feature_extraction.ipynb
    """
    fmax = float(sr) / 2 if fmax is None else fmax
    weights = np.zeros((n_mels, 1 + n_fft // 2), dtype=np.float32)
    fft_hz = np.fft.rfftfreq(n=n_fft, d=1.0 / sr)
    edges = mel_frequencies(n_mels + 2, fmax)  # as librosa builds its bank
    widths = np.diff(edges)
    ramps = np.subtract.outer(edges, fft_hz)
    for i in range(n_mels):
        weights[i] = np.maximum(0, np.minimum(-ramps[i] / widths[i], ramps[i + 2] / widths[i + 1]))
    weights *= (2.0 / (edges[2 : n_mels + 2] - edges[:n_mels]))[:, np.newaxis]
    return weights


def mel_frequencies(n_mels: int, fmax: float) -> np.ndarray:
    """``librosa.mel_frequencies(n_mels=n_mels, fmax=fmax)``: centres evenly spaced on Slaney's scale.

    Used by: :mod:`feature_extraction.tracks`
    """
    return _mel_to_hz(np.linspace(_hz_to_mel(np.array([0.0]))[0], _hz_to_mel(np.array([fmax]))[0], n_mels))


def power_to_db(power: np.ndarray, top_db: float = 80.0) -> np.ndarray:
    """``librosa.power_to_db(power)``: decibels re 1, floored at 1e-10 and ``top_db`` below the peak.

    Used by: :mod:`feature_extraction.sound`, :mod:`feature_extraction.tracks`
    """
    db = 10.0 * np.log10(np.maximum(1e-10, power))
    db -= 10.0 * np.log10(np.maximum(1e-10, 1.0))
    return np.maximum(db, db.max() - top_db)


def onset_strength(db: np.ndarray, hop: int, n_fft: int = 2048) -> np.ndarray:
    """``librosa.onset.onset_strength(S=db, hop_length=hop)``: the mean rise of each band from one
    frame to the next, shifted by the frames' centring and trimmed to the spectrum's length.

    Used by: :mod:`feature_extraction.tracks`
    """
    rise = np.mean(np.maximum(0.0, db[:, 1:] - db[:, :-1]), axis=0)
    return np.pad(rise, (1 + n_fft // (2 * hop), 0))[: db.shape[1]]


def _normalise(x: np.ndarray, norm: float) -> np.ndarray:
    """``librosa.util.normalize(x, norm=norm, axis=0)``: columns below the dtype's tiny value kept."""
    mag = np.abs(x).astype(float)
    length = mag.max(axis=0, keepdims=True) if norm == np.inf else (mag**norm).sum(axis=0, keepdims=True) ** (1 / norm)
    length[length < np.finfo(x.dtype).tiny] = 1.0
    out = np.empty_like(x)
    out[:] = x / length
    return out


#: librosa's piptrack range and threshold, which its tuning estimate uses: peaks between 150 Hz and
#: 4 kHz, at least a tenth of the frame's strongest; the estimate's resolution, a hundredth of a bin.
PITCH_RANGE_HZ, PITCH_THRESHOLD, TUNING_RESOLUTION = (150.0, 4000.0), 0.1, 0.01


def estimate_tuning(power: np.ndarray, sr: float, n_fft: int) -> float:
    """``librosa.estimate_tuning(S=power, sr=sr)``: the spectral peaks' offset from equal
    temperament (A440), in fractions of a semitone, as the histogram peak of piptrack's
    parabolically interpolated peaks above their median magnitude. Frames are searched
    :data:`FFT_BLOCK` at a time, keeping only the peaks: piptrack holds six arrays the spectrum's
    size.

    Used by: :func:`chroma_stft`
    """
    hz = np.fft.rfftfreq(n=n_fft, d=1.0 / sr)
    in_range = ((PITCH_RANGE_HZ[0] <= hz) & (hz < min(PITCH_RANGE_HZ[1], sr / 2)))[:, None]
    pitches, mags = [], []
    for f0 in range(0, power.shape[1], FFT_BLOCK):
        p, m = _spectral_peaks(np.abs(power[:, f0 : f0 + FFT_BLOCK]), in_range, sr, n_fft)
        pitches.append(p)
        mags.append(m)
    pitch, mag = np.concatenate(pitches), np.concatenate(mags)
    voiced = pitch > 0
    threshold = np.median(mag[voiced]) if voiced.any() else 0.0
    freqs = pitch[(mag >= threshold) & voiced]
    if not freqs.size:
        return 0.0
    residual = np.mod(12 * np.log2(freqs / (440.0 / 16)), 1.0)
    residual[residual >= 0.5] -= 1.0
    counts, edges = np.histogram(residual, np.linspace(-0.5, 0.5, int(np.ceil(1.0 / TUNING_RESOLUTION)) + 1))
    return float(edges[np.argmax(counts)])


def _spectral_peaks(s: np.ndarray, in_range: np.ndarray, sr: float, n_fft: int) -> tuple[np.ndarray, np.ndarray]:
    """piptrack's peaks in some frames of a power spectrum: their interpolated frequencies and
    magnitudes (librosa's numba stencils, in float64 as numba computes them)."""
    x0, below, above = s[1:-1], s[:-2], s[2:]
    a = (above + below).astype(np.float64) - 2 * x0.astype(np.float64)
    b = (above - below).astype(np.float64) / 2
    shift = np.zeros_like(s)
    with np.errstate(divide="ignore", invalid="ignore"):
        shift[1:-1] = np.where(np.abs(b) >= np.abs(a), 0.0, -b / a)
    t = s * (s > PITCH_THRESHOLD * s.max(axis=0)[None])
    peak = np.zeros(t.shape, bool)  # librosa's local-maximum stencil: the first bin never counts
    peak[1:-1] = (t[1:-1] > t[:-2]) & (t[1:-1] >= t[2:])
    peak[-1] = t[-1] > t[-2]
    idx = np.nonzero(in_range & peak)
    pitch = np.zeros_like(s)
    pitch[idx] = (idx[0] + shift[idx]) * float(sr) / n_fft
    mag = (s + 0.5 * np.gradient(s, axis=0) * shift)[idx]
    return pitch[idx], mag


def chroma_filterbank(sr: float, n_fft: int, tuning: float = 0.0) -> np.ndarray:
    """``librosa.filters.chroma(sr=sr, n_fft=n_fft, tuning=tuning)`` bit for bit: Ellis's
    chroma bank, Gaussian bumps on each semitone weighted around C5 over two octaves (float32,
    ``(12, 1 + n_fft // 2)``, C first).

    Used by: :func:`chroma_stft`
    """
    n = 12
    frequencies = np.linspace(0, sr, n_fft, endpoint=False)[1:]
    bins = n * np.log2(frequencies / (float(440.0 * 2.0 ** (tuning / n)) / 16))
    bins = np.concatenate(([bins[0] - 1.5 * n], bins))
    widths = np.concatenate((np.maximum(bins[1:] - bins[:-1], 1.0), [1]))
    d = np.subtract.outer(bins, np.arange(0, n, dtype="d")).T
    half = np.round(float(n) / 2)
    d = np.remainder(d + half + 10 * n, n) - half
    weights = _normalise(np.exp(-0.5 * (2 * d / np.tile(widths, (n, 1))) ** 2), 2)
    weights *= np.tile(np.exp(-0.5 * (((bins / n - 5.0) / 2) ** 2)), (n, 1))
    weights = np.roll(weights, -3, axis=0)
    return np.ascontiguousarray(weights[:, : int(1 + n_fft / 2)], dtype=np.float32)


def chroma_stft(y: np.ndarray, sr: float, hop: int, n_fft: int = 2048) -> np.ndarray:
    """``librosa.feature.chroma_stft(y=y, sr=sr, hop_length=hop)`` bit for bit, its tuning
    estimated from the same spectrum; each frame scaled to a peak of 1.

    Notebook: 02_feature_extraction.ipynb
    """
    power = stft_power(y, n_fft, hop)
    bank = chroma_filterbank(sr, n_fft, estimate_tuning(power, sr, n_fft))
    return _normalise(np.einsum("cf,...ft->...ct", bank, power, optimize=True), np.inf)


def sync_mean(x: np.ndarray, frames: np.ndarray) -> np.ndarray:
    """``librosa.util.sync(x, frames)``: the mean of ``x``'s columns between consecutive
    boundaries (0 and the end added, duplicates dropped).

    Used by: :mod:`feature_extraction.tracks`
    """
    n = x.shape[1]
    edges = np.unique(np.concatenate(([0, n], np.clip(frames, 0, n)))).astype(int)
    out = np.empty((x.shape[0], len(edges) - 1), dtype=x.dtype)
    for i, (a, b) in enumerate(zip(edges[:-1], edges[1:])):
        out[:, i] = np.mean(x[:, a:b], axis=1)
    return out


def spectral_centroid(y: np.ndarray, sr: float, hop: int, n_fft: int = 2048) -> np.ndarray:
    """``librosa.feature.spectral_centroid(y=y, sr=sr, hop_length=hop)[0]``: each frame's
    magnitude-weighted mean frequency, Hz.

    Used by: :mod:`feature_extraction.tracks`
    """
    magnitude = stft_power(y, n_fft, hop, power=1)
    hz = np.fft.rfftfreq(n=n_fft, d=1.0 / sr)[:, None]
    return np.sum(hz * _normalise(magnitude, 1), axis=0)


def hpss(spec: np.ndarray, kernel: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """``librosa.decompose.hpss(spec, kernel_size=kernel)``: Fitzgerald's (2010) harmonic and
    percussive parts of a (mel) power spectrogram, by median filters along time (``kernel[0]``
    frames) and frequency (``kernel[1]`` bins) and soft masks (power 2).

    Used by: :mod:`feature_extraction.tracks`
    """
    from scipy.ndimage import median_filter

    harm = np.empty_like(spec)
    harm[:] = median_filter(spec, size=[1, kernel[0]], mode="reflect")
    perc = np.empty_like(spec)
    perc[:] = median_filter(spec, size=[kernel[1], 1], mode="reflect")
    return spec * _softmask(harm, perc), spec * _softmask(perc, harm)


def _softmask(x: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """``librosa.util.softmask(x, ref, power=2, split_zeros=True)``."""
    z = np.maximum(x, ref).astype(x.dtype)
    bad = z < np.finfo(x.dtype).tiny
    z[bad] = 1
    mask = (x / z) ** 2.0
    ref_mask = (ref / z) ** 2.0
    good = ~bad
    mask[good] /= mask[good] + ref_mask[good]
    mask[bad] = 0.5
    return mask


def autocorrelate(x: np.ndarray) -> np.ndarray:
    """``librosa.autocorrelate(x)``: by FFT along the last axis, zero-padded to a fast length at
    least ``2n - 1``.

    Used by: :mod:`feature_extraction.tracks`
    """
    import scipy.fft

    n_pad = scipy.fft.next_fast_len(2 * x.shape[-1] - 1, real=True)
    spectrum = scipy.fft.rfft(x, n=n_pad)
    return scipy.fft.irfft(spectrum.real**2 + spectrum.imag**2, n=n_pad)[..., : x.shape[-1]]


def frame_rms(y: np.ndarray, frame: int, hop: int) -> np.ndarray:
    """``librosa.feature.rms(y=y, frame_length=frame, hop_length=hop)[0]``: frames centred
    (zero-padded), the mean square in float32.

    Used by: :mod:`feature_extraction.sound`, :mod:`fit_and_export.fit`
    """
    frames = np.lib.stride_tricks.sliding_window_view(np.pad(y, frame // 2), frame)[::hop]
    return np.sqrt(np.mean(np.square(frames, dtype=np.float32), axis=-1))


#: librosa's YIN: a trough of the normalised difference below this is a period (de Cheveigné and
#: Kawahara 2002's absolute threshold, librosa's default).
YIN_TROUGH = 0.1


def yin(y: np.ndarray, fmin: float, fmax: float, sr: float, frame: int, hop: int) -> np.ndarray:
    """``librosa.yin(y, fmin=fmin, fmax=fmax, sr=sr, frame_length=frame, hop_length=hop)``: the
    fundamental frequency of each centred frame, by the cumulative mean normalised difference,
    the first trough under :data:`YIN_TROUGH` (else the lowest point) and a parabola through it.

    Used by: :mod:`feature_extraction.sound`
    """
    rows = np.lib.stride_tricks.sliding_window_view(np.pad(y, frame // 2), frame)[::hop]  # (n, frame)
    frames = rows.T
    lo, hi = int(np.floor(sr / fmax)), min(int(np.ceil(sr / fmin)), frame - 1)
    acf = autocorrelate(rows).T[: hi + 1]
    energy = np.cumsum(np.square(frames), axis=0)
    energy[0] = 0  # librosa zeroes the first row of the array that holds the energy before using it
    diff = np.empty_like(energy[: hi + 1])
    diff[0] = 0
    diff[1:] = 2 * (acf[0:1] - acf[1:]) - energy[:hi]
    mean = np.cumsum(diff[1:], axis=0) / np.arange(1, hi + 1)[:, None]
    below = mean[lo - 1 : hi]
    d = diff[lo:] / (below + np.finfo(below.dtype).tiny)  # (periods, n)
    # the parabola's shift at each inner point (librosa's numba stencil: 0 where it would leave the bin)
    shifts = np.zeros_like(d)
    a = (d[2:] + d[:-2]) - 2 * d[1:-1]
    b = (d[2:] - d[:-2]) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        shifts[1:-1] = np.where(np.abs(b) >= np.abs(a), 0.0, -b / a)
    trough = np.zeros(d.shape, bool)
    trough[1:-1] = (d[1:-1] < d[:-2]) & (d[1:-1] <= d[2:])
    trough[0] = d[0] < d[1]
    trough[-1] = d[-1] < d[-2]
    deep = trough & (d < YIN_TROUGH)
    period = np.where(deep.any(axis=0), np.argmax(deep, axis=0), np.argmin(d, axis=0))
    period = lo + period + np.take_along_axis(shifts, period[None], axis=0)[0]
    return sr / period


#: librosa's onset picking (found "by large-scale search", Böck et al. 2012): a peak is the maximum
#: of the 30 ms before it, at least DELTA over the mean of the 100 ms around it, and 30 ms after
#: the last peak.
ONSET_PRE_MAX_S, ONSET_AVG_S, ONSET_WAIT_S, ONSET_DELTA = 0.03, 0.10, 0.03, 0.07


def onset_frames(envelope: np.ndarray, sr: float, hop: int) -> np.ndarray:
    """``librosa.onset.onset_detect(onset_envelope=envelope, sr=sr, hop_length=hop)``: the
    envelope scaled to 0..1, then librosa's peak picker, frame by frame as its compiled loop
    does (float32 means summed in order).

    Used by: :mod:`feature_extraction.tracks`
    """
    x = envelope - np.min(envelope, keepdims=True, axis=-1)
    x /= np.max(x, keepdims=True, axis=-1) + np.finfo(x.dtype).tiny
    if not x.any() or not np.all(np.isfinite(x)):
        return np.array([], dtype=int)
    pre_max = int(np.ceil(ONSET_PRE_MAX_S * sr // hop))
    post_max = 1
    pre_avg = int(np.ceil(ONSET_AVG_S * sr // hop))
    post_avg = int(np.ceil(ONSET_AVG_S * sr // hop + 1))
    wait = int(np.ceil(ONSET_WAIT_S * sr // hop))
    n = x.shape[0]

    def mean(a: int, b: int) -> float:
        return float(np.cumsum(x[a:b], dtype=x.dtype)[-1]) / (b - a)  # numba's in-order sum

    # a frame can only be a peak where it equals the maximum of its window: find those at once
    padded = np.concatenate([np.full(pre_max, -np.inf, x.dtype), x])
    window_max = np.lib.stride_tricks.sliding_window_view(padded, pre_max + post_max).max(axis=1)
    candidates = np.flatnonzero(x == window_max[:n])
    peaks = []
    start = 1
    if x[0] >= x[: min(post_max, n)].max() and x[0] >= mean(0, min(post_avg, n)) + ONSET_DELTA:
        peaks.append(0)
        start = wait + 1
    for k in candidates:
        if k < start:
            continue
        if x[k] >= mean(max(0, k - pre_avg), min(k + post_avg, n)) + ONSET_DELTA:
            peaks.append(int(k))
            start = k + wait + 1
    return np.array(peaks, dtype=int)


def dct_matrix(n: int, k: int) -> np.ndarray:
    """The first ``k`` rows of the orthonormal DCT-II on ``n`` points (what librosa's MFCC applies
    through ``scipy.fft.dct(norm="ortho")``; a matrix spares a new process scipy.fft's 0.2 s import).

    Used by: :mod:`feature_extraction.sound`
    """
    m = np.cos(np.pi / n * (np.arange(n)[None, :] + 0.5) * np.arange(k)[:, None]) * np.sqrt(2.0 / n)
    m[0] /= np.sqrt(2.0)
    return m
