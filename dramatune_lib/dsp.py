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
    return 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n) / n)


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
