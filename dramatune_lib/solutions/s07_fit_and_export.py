"""Solutions to the exercises of notebook 07 (fit and export)."""

from __future__ import annotations

import tempfile
from pathlib import Path


def solution_07_1(show: bool = False, *, seconds: float = 10.0):
    """Exercise 1: one track fitted with ``intensity=0`` and ``=1``: the fit starts where the
    track is calmest or most energetic (``track_in``), still ending on a bar line.

    Notebook: 07_fit_and_export.ipynb
    """
    from ..dataset_prep import ensure_demo_data
    from ..fit_and_export import fit_track

    track = max(ensure_demo_data().library.glob("*.ogg"), key=lambda p: p.stat().st_size)  # the longest cue
    out = {x: round(fit_track(track, seconds, intensity=x).track_in, 2) for x in (0.0, 1.0)}
    if show:
        print(f"{track.name}: calmest start at {out[0.0]} s, most energetic at {out[1.0]} s")
    return out


def solution_07_2(show: bool = False):
    """Exercise 2: the chase exported for broadcast (-23 LUFS) and measured back: the loudness
    lands on the target within a fraction of a LU, the true peak under -1 dBTP.

    Notebook: 07_fit_and_export.ipynb
    """
    from ..dataset_prep import ensure_demo_data
    from ..fit_and_export import export_scene, fit_track, probe_output

    demo = ensure_demo_data()
    cue = fit_track(sorted(demo.library.glob("*.ogg"))[0], 10.0)
    with tempfile.TemporaryDirectory() as d:
        res = export_scene(demo.scenes["chase"], cue, Path(d) / "chase_broadcast.mp4", loudness="broadcast")
        measured = probe_output(res.output)
    if show:
        print(f"asked -23 LUFS; exported {res.loudness_lufs:.1f} LUFS, measured back {measured['lufs']:.1f}")
    return res.loudness_lufs, measured
