"""Shared kernel: loudness as ITU-R BS.1770-4 and EBU R128 measure it, by libebur128 (through
``pyebur128``, MIT), on every channel of a signal: BS.1770 sums the channels' powers, so a stereo
track is measured as stereo, never as its mono mixdown (which reads it 3 LU low, more for wide stereo).

libebur128 was chosen by measurement (RESULTS.md, "Loudness"; ``bench/bench_loudness.py``): on a
252 s stereo track it measured the integrated loudness and the loudness range together in 0.35 s,
5x faster than pyloudnorm, imports in under 0.01 s (pyloudnorm: 1.2 s), and meets the EBU Tech
3341 and 3342 conformance cases (``tests/test_signal.py``), which ffmpeg's ``ebur128`` filter meets
too, but only as a separate process that decodes the file again.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

#: BS.1770-4's gating block, seconds: the shortest signal with an integrated loudness.
LOUDNESS_BLOCK_S = 0.4

#: EBU Tech 3342's short-term window, seconds: the shortest signal with a loudness range.
RANGE_WINDOW_S = 3.0


@dataclass
class Loudness:
    """A signal's integrated loudness (LUFS; -inf for silence or under one block) and loudness
    range (LU; nan when it has none: shorter than 3 s, or too quiet)."""

    lufs: float
    range_lu: float


class LoudnessMeter:
    """An EBU R128 meter fed a signal block by block (``add``), so a long file is measured as it
    is read and never held whole; ``result()`` gives its :class:`Loudness`.

    Notebook: 02_feature_extraction.ipynb, 07_fit_and_export.ipynb
    """

    def __init__(self, channels: int, sr: int, *, with_range: bool = True) -> None:
        import pyebur128

        mode = pyebur128.MeasurementMode.MODE_I
        if with_range:
            mode |= pyebur128.MeasurementMode.MODE_LRA
        self.channels, self.sr, self.with_range = channels, int(sr), with_range
        self._state = pyebur128.R128State(channels, int(sr), mode)
        self.frames = 0

    def add(self, y: np.ndarray) -> None:
        """Feed ``y``: samples (one channel) or samples x channels."""
        x = np.asarray(y, dtype=np.float64)
        x = x[:, None] if x.ndim == 1 else x
        if x.shape[1] != self.channels:
            raise ValueError(f"the meter was made for {self.channels} channels, not {x.shape[1]}")
        if x.shape[0]:
            self._state.add_frames(np.ascontiguousarray(x).ravel(), x.shape[0])
            self.frames += x.shape[0]

    def result(self) -> Loudness:
        """The loudness of everything fed so far."""
        import pyebur128

        seconds = self.frames / self.sr
        lufs = pyebur128.get_loudness_global(self._state) if seconds >= LOUDNESS_BLOCK_S else -math.inf
        lra = math.nan
        if self.with_range and seconds >= RANGE_WINDOW_S and math.isfinite(lufs):
            lra = pyebur128.get_loudness_range(self._state)
        return Loudness(lufs=float(lufs) if lufs > -70.0 else -math.inf, range_lu=float(lra))


def measure_loudness(y: np.ndarray, sr: int, *, with_range: bool = True) -> Loudness:
    """The loudness of a whole signal (samples, or samples x channels).

    Notebook: 07_fit_and_export.ipynb
    """
    x = np.asarray(y)
    meter = LoudnessMeter(1 if x.ndim == 1 else x.shape[1], sr, with_range=with_range)
    meter.add(x)
    return meter.result()


def integrated_loudness(y: np.ndarray, sr: int) -> float:
    """A signal's integrated loudness in LUFS (BS.1770-4); -inf for silence or under one block.

    Used by: :mod:`fit_and_export.export`, :mod:`fit_and_export.mix`
    """
    return measure_loudness(y, sr, with_range=False).lufs
