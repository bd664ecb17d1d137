"""Shared kernel: the few signal-processing steps DramaTune writes in numpy (each checked against
the librosa or scipy function it stands for), so a new process need not import librosa for them."""

from __future__ import annotations

import numpy as np


def resample(y: np.ndarray, orig_sr: int, target_sr: int) -> np.ndarray:
    """``y`` (samples, or samples x channels) at ``target_sr``: soxr's high quality, which is what
    ``librosa.resample`` runs by default, called directly so a new process need not import librosa.

    Notebook: 07_fit_and_export.ipynb
    """
    import soxr

    if orig_sr == target_sr:
        return y
    return soxr.resample(y, orig_sr, target_sr, quality="soxr_hq")


def hann(n: int) -> np.ndarray:
    """The periodic Hann window of ``n`` points (scipy's ``get_window("hann", n)``, which librosa
    uses for its spectra and tempograms).

    Notebook: 07_fit_and_export.ipynb
    """
    # scipy's general_cosine on n + 1 symmetric points, the last dropped: the same bits as scipy
    fac = np.linspace(-np.pi, np.pi, n + 1)
    return (np.zeros(n + 1) + 0.5 * np.cos(0 * fac) + 0.5 * np.cos(1 * fac))[:-1]


def power_spectrogram(y: np.ndarray, n_fft: int, hop: int) -> np.ndarray:
    """``abs(librosa.stft(y, n_fft=n_fft, hop_length=hop)) ** 2`` (Hann window, frames centred,
    zero-padded at the ends) in numpy, shape ``(n_fft // 2 + 1, frames)``: the export's speech
    detection, without librosa's import in a new process.

    Notebook: 07_fit_and_export.ipynb
    """
    y = np.pad(np.asarray(y, dtype=np.float32), n_fft // 2)
    window = hann(n_fft).astype(np.float32)
    frames = np.lib.stride_tricks.sliding_window_view(y, n_fft)[::hop]
    return (np.abs(np.fft.rfft(frames * window, axis=1)) ** 2).T


def frame_rms(y: np.ndarray, frame: int) -> np.ndarray:
    """Root mean square of ``y`` in frames of ``frame`` samples, centred on every ``frame``-th
    sample (zero-padded at the ends): ``librosa.feature.rms(frame_length=frame, hop_length=frame)``.

    Notebook: 07_fit_and_export.ipynb
    """
    y = np.pad(np.asarray(y, dtype=np.float64), frame // 2)
    frames = np.lib.stride_tricks.sliding_window_view(y, frame)[::frame]
    return np.sqrt((frames**2).mean(axis=1))


# --- librosa 0.11's spectra, bit for bit: what a beat grid needs (issue #17) ---------------------

#: Spectrum frames a track's onset envelope is computed from at a time (47 s of music at hop 256):
#: bounds the memory of a long track's spectrum (chosen by hand).
SPECTRUM_BLOCK = 4096
#: Frames :func:`stft_power` transforms at once: about a megabyte of windowed float64 frames at 2048
#: points, so they stay in the processor's cache (librosa works in 256 KB blocks; chosen by hand).
FFT_BLOCK = 64


def stft_power(y: np.ndarray, n_fft: int, hop: int, *, centred: bool = True) -> np.ndarray:
    """``abs(librosa.stft(y, n_fft=n_fft, hop_length=hop)) ** 2`` bit for bit: frames centred and
    zero-padded (``centred=False``: ``y`` is already padded), librosa's float64 window, the
    spectrum stored as complex64 (complex128 for float64 ``y``) as librosa stores it;
    :data:`FFT_BLOCK` frames at a time.

    Notebook: 02_feature_extraction.ipynb
    """
    y = np.asarray(y)
    y = y if y.dtype == np.float64 else y.astype(np.float32)  # librosa: float32 unless given float64
    spectrum = np.complex128 if y.dtype == np.float64 else np.complex64
    if centred:
        y = np.pad(y, n_fft // 2)
    frames = np.lib.stride_tricks.sliding_window_view(y, n_fft)[::hop]
    window = hann(n_fft)
    power = np.empty((len(frames), n_fft // 2 + 1), y.dtype)  # frames first: librosa's layout (order F)
    for f0 in range(0, len(frames), FFT_BLOCK):
        block = frames[f0 : f0 + FFT_BLOCK] * window
        power[f0 : f0 + len(block)] = np.abs(np.fft.rfft(block, axis=-1).astype(spectrum)) ** 2
    return power.T


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
    edges = _mel_to_hz(np.linspace(_hz_to_mel(np.array([0.0]))[0], _hz_to_mel(np.array([fmax]))[0], n_mels + 2))
    widths = np.diff(edges)
    ramps = np.subtract.outer(edges, fft_hz)
    for i in range(n_mels):
        weights[i] = np.maximum(0, np.minimum(-ramps[i] / widths[i], ramps[i + 2] / widths[i + 1]))
    weights *= (2.0 / (edges[2 : n_mels + 2] - edges[:n_mels]))[:, np.newaxis]
    return weights


def power_to_db(power: np.ndarray, top_db: float = 80.0) -> np.ndarray:
    """``librosa.power_to_db(power)``: decibels re 1, floored at 1e-10 and ``top_db`` below the peak.

    Notebook: 02_feature_extraction.ipynb
    """
    db = 10.0 * np.log10(np.maximum(1e-10, power))
    db -= 10.0 * np.log10(np.maximum(1e-10, 1.0))
    return np.maximum(db, db.max() - top_db)


def onset_strength(db: np.ndarray, hop: int, n_fft: int = 2048) -> np.ndarray:
    """``librosa.onset.onset_strength(S=db, hop_length=hop)``: the mean rise of each band from one
    frame to the next, shifted by the frames' centring and trimmed to the spectrum's length.

    Notebook: 02_feature_extraction.ipynb
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
    parabolically interpolated peaks above their median magnitude.

    Notebook: 02_feature_extraction.ipynb
    """
    s = np.abs(power)
    x0, below, above = s[1:-1], s[:-2], s[2:]
    a = (above + below).astype(np.float64) - 2 * x0.astype(np.float64)  # librosa's numba stencil: float64
    b = (above - below).astype(np.float64) / 2
    shift = np.zeros_like(s)
    with np.errstate(divide="ignore", invalid="ignore"):
        shift[1:-1] = np.where(np.abs(b) >= np.abs(a), 0.0, -b / a)
    skew = 0.5 * np.gradient(s, axis=0) * shift
    hz = np.fft.rfftfreq(n=n_fft, d=1.0 / sr)
    in_range = ((PITCH_RANGE_HZ[0] <= hz) & (hz < min(PITCH_RANGE_HZ[1], sr / 2)))[:, None]
    t = s * (s > PITCH_THRESHOLD * s.max(axis=0)[None])
    peak = np.zeros(t.shape, bool)  # librosa's local-maximum stencil: the first bin never counts
    peak[1:-1] = (t[1:-1] > t[:-2]) & (t[1:-1] >= t[2:])
    peak[-1] = t[-1] > t[-2]
    idx = np.nonzero(in_range & peak)
    pitches, mags = np.zeros_like(s), np.zeros_like(s)
    pitches[idx] = (idx[0] + shift[idx]) * float(sr) / n_fft
    mags[idx] = s[idx] + skew[idx]
    voiced = pitches > 0
    threshold = np.median(mags[voiced]) if voiced.any() else 0.0
    freqs = pitches[(mags >= threshold) & voiced]
    freqs = freqs[freqs > 0]
    if not freqs.size:
        return 0.0
    residual = np.mod(12 * np.log2(freqs / (440.0 / 16)), 1.0)
    residual[residual >= 0.5] -= 1.0
    counts, edges = np.histogram(residual, np.linspace(-0.5, 0.5, int(np.ceil(1.0 / TUNING_RESOLUTION)) + 1))
    return float(edges[np.argmax(counts)])


def chroma_filterbank(sr: float, n_fft: int, tuning: float = 0.0) -> np.ndarray:
    """``librosa.filters.chroma(sr=sr, n_fft=n_fft, tuning=tuning)`` bit for bit: Ellis's
    chroma bank, Gaussian bumps on each semitone weighted around C5 over two octaves (float32,
    ``(12, 1 + n_fft // 2)``, C first).

    Notebook: 02_feature_extraction.ipynb
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

    Notebook: 02_feature_extraction.ipynb
    """
    n = x.shape[1]
    edges = np.unique(np.concatenate(([0, n], np.clip(frames, 0, n)))).astype(int)
    out = np.empty((x.shape[0], len(edges) - 1), dtype=x.dtype)
    for i, (a, b) in enumerate(zip(edges[:-1], edges[1:])):
        out[:, i] = np.mean(x[:, a:b], axis=1)
    return out
