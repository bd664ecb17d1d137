"""Shared kernel: pyloudnorm's loudness meter (ITU-R BS.1770-4) and loudness range (EBU Tech 3342)
written out in numpy, each tested equal to pyloudnorm's to 1e-6 LU: pyloudnorm imports scipy.signal
(0.85 s of CPU in a new process) for one IIR filter, which :func:`filters.lfilter` stands in for."""

from __future__ import annotations

import math

import numpy as np

from .filters import lfilter

#: ITU-R BS.1770-4: 400 ms gating blocks overlapping by 75 %, an absolute gate at -70 LUFS and a
#: relative gate 10 LU under the loudness of the blocks above it; channel weights L, R, C, Ls, Rs.
LOUDNESS_BLOCK_S, LOUDNESS_OVERLAP = 0.4, 0.75
ABSOLUTE_GATE_LUFS, RELATIVE_GATE_LU = -70.0, -10.0
CHANNEL_WEIGHTS = (1.0, 1.0, 1.0, 1.41, 1.41)


def k_weighting(sr: float) -> list[tuple[np.ndarray, np.ndarray]]:
    """The two biquads of BS.1770's K-weighting (a +4 dB shelf above 1.5 kHz, a 38 Hz high-pass)
    as pyloudnorm designs them for ``sr`` (RBJ's cookbook): ``[(b, a), (b, a)]``.

    Notebook: 07_fit_and_export.ipynb
    """
    filters = []
    for gain, q, fc, kind in ((4.0, 1 / np.sqrt(2), 1500.0, "shelf"), (0.0, 0.5, 38.0, "high_pass")):
        A = 10 ** (gain / 40.0)
        w0 = 2.0 * np.pi * (fc / sr)
        alpha = np.sin(w0) / (2.0 * q)
        if kind == "shelf":
            b0 = A * ((A + 1) + (A - 1) * np.cos(w0) + 2 * np.sqrt(A) * alpha)
            b1 = -2 * A * ((A - 1) + (A + 1) * np.cos(w0))
            b2 = A * ((A + 1) + (A - 1) * np.cos(w0) - 2 * np.sqrt(A) * alpha)
            a0 = (A + 1) - (A - 1) * np.cos(w0) + 2 * np.sqrt(A) * alpha
            a1 = 2 * ((A - 1) - (A + 1) * np.cos(w0))
            a2 = (A + 1) - (A - 1) * np.cos(w0) - 2 * np.sqrt(A) * alpha
        else:
            b0, b1, b2 = (1 + np.cos(w0)) / 2, -(1 + np.cos(w0)), (1 + np.cos(w0)) / 2
            a0, a1, a2 = 1 + alpha, -2 * np.cos(w0), 1 - alpha
        filters.append((np.array([b0, b1, b2]) / a0, np.array([a0, a1, a2]) / a0))
    return filters


def block_loudness(y: np.ndarray, sr: float, block: float = LOUDNESS_BLOCK_S, overlap: float = LOUDNESS_OVERLAP):
    """pyloudnorm's ``Meter(sr, block_size=block).integrated_loudness`` up to its gates: the
    K-weighted mean square of each channel in each block, ``z`` of shape (channels, blocks),
    and each block's loudness in LUFS. Blocks are laid out exactly as pyloudnorm lays them.

    Notebook: 07_fit_and_export.ipynb
    """
    y = np.asarray(y)
    if not np.issubdtype(y.dtype, np.floating):
        raise ValueError("Data must be floating point.")
    x = y[:, None] if y.ndim == 1 else y
    if x.shape[1] > len(CHANNEL_WEIGHTS):
        raise ValueError("Audio must have five channels or less.")
    if x.shape[0] < block * sr:
        raise ValueError("Audio must have length greater than the block size.")
    n = x.shape[0]
    step = 1.0 - overlap
    count = int(np.round(((n / sr - block) / (block * step)))) + 1
    j = np.arange(count)
    lower = (block * (j * step) * sr).astype(int)
    upper = (block * (j * step + 1) * sr).astype(int)
    # the energy between consecutive block edges, summed once; each block adds up its stretches
    edges = np.unique(np.concatenate([lower, np.minimum(upper, n)]))
    edges = edges[edges < n]
    first, last = np.searchsorted(edges, lower), np.searchsorted(edges, np.minimum(upper, n))
    z = np.zeros((x.shape[1], count))
    for c in range(x.shape[1]):
        weighted = x[:, c]
        for b, a in k_weighting(sr):  # each stage kept at the input's precision, as pyloudnorm does
            weighted = lfilter(b, a, weighted, dtype=x.dtype)
        stretch = np.add.reduceat(np.square(weighted, out=weighted), edges, dtype=np.float64)
        energy = np.concatenate([[0.0], np.cumsum(stretch)])
        z[c] = (energy[last] - energy[first]) / (block * sr)
    weights = np.asarray(CHANNEL_WEIGHTS[: x.shape[1]])[:, None]
    with np.errstate(divide="ignore"):
        return z, -0.691 + 10.0 * np.log10((weights * z).sum(axis=0))


def integrated_loudness(y: np.ndarray, sr: float) -> float:
    """pyloudnorm's ``Meter(sr).integrated_loudness(y)`` (ITU-R BS.1770-4) in LUFS, equal to it
    to about 1e-6 LU (``tests/test_dsp.py``); ``-inf`` for silence. ``y``: samples, or samples x
    channels (at most five).

    Notebook: 07_fit_and_export.ipynb
    """
    return gated_loudness(block_loudness(y, sr)[0])


def gated_loudness(z: np.ndarray) -> float:
    """The integrated loudness (LUFS) of blocks whose K-weighted mean squares are ``z`` (channels x
    blocks, from :func:`block_loudness`): BS.1770-4's two gates. The filter is linear, so ``z *
    g**2`` is the loudness of the signal times ``g``, without filtering it again.

    Notebook: 07_fit_and_export.ipynb
    """
    weights = np.asarray(CHANNEL_WEIGHTS[: z.shape[0]])
    with np.errstate(divide="ignore"):
        loud = -0.691 + 10.0 * np.log10((weights[:, None] * z).sum(axis=0))
    above = loud >= ABSOLUTE_GATE_LUFS
    if not above.any():  # silence, or nothing above the absolute gate
        return -math.inf
    relative = -0.691 + 10.0 * np.log10(np.sum(weights * z[:, above].mean(axis=1))) + RELATIVE_GATE_LU
    gated = (loud > relative) & (loud > ABSOLUTE_GATE_LUFS)
    with np.errstate(divide="ignore"):
        return float(-0.691 + 10.0 * np.log10(np.sum(weights * np.nan_to_num(z[:, gated].mean(axis=1)))))


#: EBU Tech 3342: loudness range from 3 s blocks every 0.09 s (overlap 0.97), gated at -70 LUFS and
#: 20 LU under their mean, the spread from the 10th to the 95th percentile; 1.5 s of silence after.
RANGE_BLOCK_S, RANGE_OVERLAP, RANGE_GATE_LU, RANGE_PERCENTILES, RANGE_TAIL_S = 3.0, 0.97, -20.0, (10, 95), 1.5


def loudness_range(y: np.ndarray, sr: float) -> float:
    """pyloudnorm's ``Meter(sr).loudness_range(y)`` (EBU Tech 3342) in LU; ``nan`` when too quiet.

    Notebook: 02_feature_extraction.ipynb
    """
    tail = np.zeros((int(RANGE_TAIL_S * sr),) + np.shape(y)[1:])
    _, loud = block_loudness(np.concatenate([y, tail]), sr, RANGE_BLOCK_S, RANGE_OVERLAP)
    loud = loud[loud >= ABSOLUTE_GATE_LUFS]
    if not loud.size:
        return math.nan
    loud = loud[loud >= 10 * np.log10(np.sum(np.power(10, loud / 10)) / loud.size) + RANGE_GATE_LU]
    if not loud.size:
        return math.nan
    low, high = np.percentile(loud, RANGE_PERCENTILES)
    return float(high - low)
