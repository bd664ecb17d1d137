"""Solutions to the exercises of notebook 07 (fit and export)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from .. import dataset_prep, fit_and_export


def solution_07_1(show: bool = False, *, seconds: float = 10.0):
    """Exercise 1: one track fitted with ``intensity=0`` and ``=1``: the fit starts where the
    track is calmest or most energetic (``track_in``), still ending on a bar line.

    Notebook: 07_fit_and_export.ipynb
    """
    track = max(
        dataset_prep.ensure_demo_data().library.glob("*.ogg"), key=lambda p: p.stat().st_size
    )  # the longest cue
    out = {x: round(fit_and_export.fit_track(track, seconds, intensity=x).track_in, 2) for x in (0.0, 1.0)}
    if show:
        print(f"{track.name}: calmest start at {out[0.0]} s, most energetic at {out[1.0]} s")
    return out


def solution_07_2(show: bool = False):
    """Exercise 2: the chase exported for broadcast (-23 LUFS) and measured back: the loudness
    lands on the target within a fraction of a LU, the true peak under -1 dBTP.

    Notebook: 07_fit_and_export.ipynb
    """
    demo = dataset_prep.ensure_demo_data()
    cue = fit_and_export.fit_track(sorted(demo.library.glob("*.ogg"))[0], 10.0)
    with tempfile.TemporaryDirectory() as d:
        res = fit_and_export.export_scene(
            demo.scenes["chase"], cue, Path(d) / "chase_broadcast.mp4", loudness="broadcast"
        )
        measured = fit_and_export.probe_output(res.output)
    if show:
        print(f"asked -23 LUFS; exported {res.loudness_lufs:.1f} LUFS, measured back {measured['lufs']:.1f}")
    return res.loudness_lufs, measured


def solution_07_3(show: bool = False, *, sr: int = 48000):
    """Exercise 3: BS.1770's meter with and without its relative gate on the EBU Tech 3341 cases.
    Without it, the quiet -36 dBFS stretches of cases 3 and 4 count and pull the reading about
    1.2 LU under -23 LUFS (0.1 LU is allowed); cases 1 and 2 (one level throughout) and case 5
    (its levels within 6 dB of each other, none 10 LU under the mean) do not move.

    Notebook: 07_fit_and_export.ipynb
    """
    import pandas as pd
    import scipy.signal

    def k_weighted(x):
        w, big_a = 2 * np.pi * 1500 / sr, 10 ** (4 / 40)
        c, r = np.cos(w), 2 * np.sqrt(big_a) * np.sin(w) * np.sqrt(2) / 2
        a1 = big_a + 1
        shelf_b = big_a * np.array([a1 + (big_a - 1) * c + r, -2 * (big_a - 1 + a1 * c), a1 + (big_a - 1) * c - r])
        shelf_a = np.array([a1 - (big_a - 1) * c + r, 2 * (big_a - 1 - a1 * c), a1 - (big_a - 1) * c - r])
        w = 2 * np.pi * 38 / sr
        c, s = np.cos(w), np.sin(w)
        x = scipy.signal.lfilter(shelf_b, shelf_a, x, axis=0)
        return scipy.signal.lfilter(
            np.array([1 + c, -2 * (1 + c), 1 + c]) / 2, np.array([1 + s, -2 * c, 1 - s]), x, axis=0
        )

    def loudness(y, relative: bool) -> float:
        x = k_weighted(y)
        size, hop = int(0.4 * sr), int(0.1 * sr)
        power = np.array([(x[i : i + size] ** 2).mean(axis=0).sum() for i in range(0, len(x) - size + 1, hop)])
        above = power[-0.691 + 10 * np.log10(power) > -70]
        if relative:
            above = above[10 * np.log10(above) > 10 * np.log10(above.mean()) - 10]
        return float(-0.691 + 10 * np.log10(above.mean()))

    cases: dict[int, list[tuple[float, float]]] = {
        1: [(-23, 20)],
        2: [(-33, 20)],
        3: [(-36, 10), (-23, 60), (-36, 10)],
        4: [(-72, 10), (-36, 10), (-23, 60), (-36, 10), (-72, 10)],
        5: [(-26, 20), (-20, 20.1), (-26, 20)],
    }
    rows = []
    for k, parts in cases.items():
        tone = np.concatenate(
            [10 ** (db / 20) * np.sin(2 * np.pi * 1000 * np.arange(int(s * sr)) / sr) for db, s in parts]
        )
        y = np.stack([tone, tone], 1)
        required = -33.0 if k == 2 else -23.0
        gated, ungated = loudness(y, True), loudness(y, False)
        rows.append(
            {
                "case": k,
                "required": required,
                "both gates": round(gated, 2),
                "absolute gate only": round(ungated, 2),
                "fails without": abs(ungated - required) > 0.1,
            }
        )
    table = pd.DataFrame(rows)
    if show:
        print(table.to_string(index=False))
    return table
