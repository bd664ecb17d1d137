"""Shared kernel: the scipy.signal functions DramaTune uses, written out in numpy (each checked
against scipy's own): an IIR filter, forward and backward, a Butterworth band-pass, a windowed FIR
low-pass and a peak finder.

Kept because the gain is large: importing scipy.signal costs a new process 0.85-1.0 s of CPU
(1.10-1.21 s against numpy's 0.15 s on this 2-core machine), against a `dramatune analyze` of a
scene with speech of about 3 s and a `dramatune merge` of an indexed track of about 1.2 s, which
need nothing else from it. Importing it on a second thread when speech is found (tried) raced the
analysis's other imports: one run in three of notebook 02 stopped with ``KeyError: 'scipy'``.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import DTypeLike

#: Samples an IIR filter solves at once in :func:`lfilter` (64 was fastest of 32, 64 and 128 here;
#: the error stays near 1e-12 for each; chosen by timing).
IIR_BLOCK = 64
#: Samples :func:`lfilter` works on at a time, a multiple of :data:`IIR_BLOCK`: its working arrays
#: stay near 4 MB however long the track (chosen by hand; as fast as the whole signal at once).
IIR_CHUNK = 2**18


def lfilter(
    b: np.ndarray, a: np.ndarray, x: np.ndarray, zi: np.ndarray | None = None, dtype: DTypeLike = np.float64
) -> np.ndarray:
    """``scipy.signal.lfilter(b, a, x, zi=zi)`` for a 1-D ``x`` (``zi``: the initial state of
    scipy's transposed direct form II; zero when ``None``), computed in float64 to about 1e-12 of
    scipy's and returned as ``dtype``.

    The recursion runs :data:`IIR_BLOCK` samples at a time as matrix products: each block's
    answer from a zero state, plus what the state carried in from the block before adds, the
    carried states found for all blocks at once by a doubling scan; :data:`IIR_CHUNK` samples at
    a time, each chunk starting from the state the one before ended in.

    Used by: :mod:`fit_and_export.mix`
    """
    b = np.asarray(b, np.float64) / a[0]
    a = np.asarray(a, np.float64) / a[0]
    order = max(len(a), len(b)) - 1
    b, a = np.pad(b, (0, order + 1 - len(b))), np.pad(a, (0, order + 1 - len(a)))
    x = np.asarray(x)
    n, size = x.size, IIR_BLOCK
    if order == 0:
        return (b[0] * x.astype(np.float64)).astype(dtype, copy=False)
    # state space of the transposed direct form II: s' = A s + B x, y = b0 x + s[0]
    A = np.zeros((order, order))
    A[:, 0] = -a[1:]
    A[np.arange(order - 1), np.arange(1, order)] = 1.0
    B = b[1:] - a[1:] * b[0]
    powers = [np.eye(order)]
    for _ in range(size):
        powers.append(A @ powers[-1])
    response = np.concatenate([[b[0]], [p[0] @ B for p in powers[: size - 1]]])  # impulse response
    lag = np.subtract.outer(np.arange(size), np.arange(size))
    inside = np.where(lag >= 0, response[np.clip(lag, 0, None)], 0.0)  # a block from a zero state
    from_state = np.array([p[0] for p in powers[:size]])  # what the starting state adds to each output
    to_state = np.array([powers[size - 1 - j] @ B for j in range(size)])  # each input's part of the end state
    block_output = np.vstack([inside.T, from_state.T])
    out: np.ndarray = np.empty(n, dtype)
    state = np.zeros(order) if zi is None else np.asarray(zi, np.float64)
    for start in range(0, n, IIR_CHUNK):
        piece = x[start : start + IIR_CHUNK]
        # one row per block: its samples, then the state it starts from (one matrix product gives y)
        m, k, full = piece.size, -(-piece.size // size), piece.size // size
        rows = np.zeros((k, size + order))
        rows[:full, :size] = piece[: full * size].reshape(full, size)
        rows[full:, : m - full * size] = piece[full * size :]
        carried = rows[:, :size] @ to_state  # (k, order): each block's end state from a zero start
        carried[0] += powers[size] @ state
        step, P = 1, powers[size]
        while step < k:  # end state of block j = sum over i <= j of M^(j - i) carried[i], M = A^size
            carried[step:] += carried[:-step] @ P.T
            P = P @ P
            step *= 2
        rows[0, size:] = state
        rows[1:, size:] = carried[:-1]
        out[start : start + m] = (rows @ block_output).reshape(-1)[:m]
        state = carried[-1]  # where the next chunk starts (chunks are whole blocks but the last)
    return out


def firwin(taps: int, cutoff: float) -> np.ndarray:
    """``scipy.signal.firwin(taps, cutoff)``: a low-pass FIR filter, a sinc under a Hamming
    window, scaled to unity gain at DC (``cutoff`` as a fraction of Nyquist).

    Used by: :mod:`fit_and_export.mix`
    """
    m = np.arange(0, taps) - 0.5 * (taps - 1)
    h = cutoff * np.sinc(cutoff * m)
    fac = np.linspace(-np.pi, np.pi, taps)
    h *= np.zeros(taps) + 0.54 * np.cos(0 * fac) + 0.46 * np.cos(1 * fac)  # scipy's general_cosine
    return h / np.sum(h)


def butter_bandpass(order: int, low: float, high: float, sr: float) -> np.ndarray:
    """``scipy.signal.butter(order, [low, high], btype="band", fs=sr, output="sos")``'s filter:
    the analog Butterworth prototype moved to the band and through the bilinear transform, as
    second-order sections ``(b0, b1, b2, a0, a1, a2)``, each a pair of conjugate poles over a zero
    at 0 Hz and one at Nyquist (scipy pairs them otherwise; the whole filter is the same).

    Used by: :mod:`feature_extraction.sound`
    """
    poles = -np.exp(1j * np.pi * np.arange(-order + 1, order, 2) / (2 * order))  # scipy's buttap
    low_w, high_w = (4.0 * math.tan(math.pi * f / sr) for f in (low, high))  # pre-warped, fs = 2
    centre, width = math.sqrt(low_w * high_w), high_w - low_w
    p = poles * width / 2
    p = np.concatenate([p + np.sqrt(p**2 - centre**2), p - np.sqrt(p**2 - centre**2)])  # lp2bp_zpk
    gain = width**order
    digital = (4.0 + p) / (4.0 - p)  # bilinear_zpk: zeros at 0 (order of them) go to +1, the rest to -1
    gain *= np.real(4.0**order / np.prod(4.0 - p))
    upper = digital[digital.imag > 0]
    if 2 * len(upper) != len(digital):
        raise ValueError(f"a band from {low} to {high} Hz of order {order} has real poles: not supported")
    sos = np.zeros((len(upper), 6))
    sos[:, 0], sos[:, 2] = 1.0, -1.0
    sos[:, 3], sos[:, 4], sos[:, 5] = 1.0, -2 * upper.real, np.abs(upper) ** 2
    sos[0, :3] *= gain
    return sos


def sosfiltfilt(sos: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``scipy.signal.sosfiltfilt(sos, x)`` for a 1-D ``x``: the sections run forward and then
    backward (no phase shift), over ``x`` extended at each end by its odd reflection, each pass
    starting in the state a constant signal at its first value would have left.

    Used by: :mod:`feature_extraction.sound`
    """
    x = np.asarray(x, np.float64)
    edge = 3 * (2 * len(sos) + 1 - min(int((sos[:, 2] == 0).sum()), int((sos[:, 5] == 0).sum())))
    if x.size <= edge:
        raise ValueError(f"The length of the input vector x must be greater than padlen, which is {edge}.")
    ext = np.concatenate([2 * x[0] - x[edge:0:-1], x, 2 * x[-1] - x[-2 : -edge - 2 : -1]])
    steady = np.empty((len(sos), 2))  # scipy's sosfilt_zi
    scale = 1.0
    for k, (b, a) in enumerate(zip(sos[:, :3], sos[:, 3:])):
        b, a = b / a[0], a / a[0]
        companion = np.array([[-a[1], -a[2]], [1.0, 0.0]])
        steady[k] = scale * np.linalg.solve(np.eye(2) - companion.T, b[1:] - a[1:] * b[0])
        scale *= b.sum() / a.sum()
    y = ext
    for _ in ("forward", "backward"):
        start = y[0]
        for k in range(len(sos)):
            y = lfilter(sos[k, :3], sos[k, 3:], y, zi=steady[k] * start)
        y = y[::-1]
    return y[edge:-edge]


def find_peaks(x: np.ndarray, distance: int, prominence: float) -> np.ndarray:
    """``scipy.signal.find_peaks(x, distance=distance, prominence=prominence)[0]``: the local
    maxima (a flat top counts once, at its middle), the highest kept first and their neighbours
    closer than ``distance`` dropped, then those standing at least ``prominence`` above the
    higher of their two bases (the lowest points before a higher peak, or the ends, either side).

    Used by: :mod:`feature_extraction.sound`
    """
    x = np.asarray(x, np.float64)
    n, peaks, i = x.size, [], 1
    while i < n - 1:  # scipy's _local_maxima_1d
        if x[i - 1] < x[i]:
            ahead = i + 1
            while ahead < n - 1 and x[ahead] == x[i]:
                ahead += 1
            if x[ahead] < x[i]:
                peaks.append((i + ahead - 1) // 2)
                i = ahead
        i += 1
    found = np.array(peaks, dtype=np.intp)
    keep = np.ones(found.size, bool)
    for j in np.argsort(x[found])[::-1]:  # scipy's _select_by_peak_distance: highest first
        if keep[j]:
            near = np.abs(found - found[j]) < math.ceil(distance)
            near[j] = False
            keep &= ~near
    found = found[keep]
    # each peak's bases: the lowest point between it and the nearest higher point on each side
    higher_left = _nearest_higher(x, found, -1)
    higher_right = _nearest_higher(x, found, 1)
    tall = np.array(
        [x[p] - max(x[lo + 1 : p + 1].min(), x[p:hi].min()) for p, lo, hi in zip(found, higher_left, higher_right)]
    )
    return found[tall >= prominence] if found.size else found


def _nearest_higher(x: np.ndarray, peaks: np.ndarray, step: int) -> list[int]:
    """For each peak, the index of the nearest point beyond it (``step`` -1: to the left, +1:
    to the right) higher than it; -1 or ``len(x)`` where there is none."""
    out = []
    for p in peaks:
        if step < 0:
            higher = np.flatnonzero(x[:p] > x[p])
            out.append(int(higher[-1]) if higher.size else -1)
        else:
            higher = np.flatnonzero(x[p + 1 :] > x[p])
            out.append(p + 1 + int(higher[0]) if higher.size else x.size)
    return out
