"""Stage 04 · the real-music benchmark's stored run: made by ``make models`` (full mode), read by notebook 04."""

from __future__ import annotations

import json
from pathlib import Path

from .. import config
from . import clip_moments
from .real_music import (
    BENCHMARK_METHODS,
    LIBRARIES,
    benchmark_tracks,
    matcher_ablation,
    matcher_benchmark,
    music_benchmark,
    vibenet_available,
)


def benchmark_path() -> Path:
    """Where the benchmark's tables are kept (``models/music_benchmark.json``, full mode).

    Used by: :mod:`evaluation.__main__`
    """
    return config.PROJECT_ROOT / "models" / "music_benchmark.json"


def run_benchmark(fast: bool = True, forest=None) -> dict:
    """The whole real-music benchmark in one call: :func:`music_benchmark` (with vibenet's row
    when the optional package is installed) and :func:`matcher_benchmark` on both
    :data:`LIBRARIES`, as JSON-ready tables.

    Used by: :mod:`evaluation.__main__`
    """
    tracks = benchmark_tracks(fast=fast)
    methods = BENCHMARK_METHODS + (("vibenet as it comes",) if vibenet_available() else ())
    table, placed = music_benchmark(tracks, methods)
    out = {
        "mode": "fast" if fast else "full",
        "games": sorted({b.game for b in tracks}),
        "tracks": sum(bool(b.group) for b in tracks),
        "whole_tracks": len(tracks),
        "placement": table.to_dict(orient="records"),
    }
    for library in LIBRARIES:
        matches, summary = matcher_benchmark(tracks, placed, forest, library=library)
        out[f"matcher_{library}"] = matches.to_dict(orient="records")
        out[f"matcher_summary_{library}"] = summary.reset_index().to_dict(orient="records")
    out["matcher_ablation"] = matcher_ablation(tracks, placed).to_dict(orient="records")
    clips, landing = clip_moments.clip_landing(tracks, placed, fast=fast)
    out["clip_landing"] = landing
    out["clips"] = clips.to_dict(orient="records")
    return out


def load_benchmark(path: str | Path | None = None) -> dict:
    """The stored benchmark (:func:`benchmark_path`, full mode, written by ``make models``) as
    tables: ``placement`` (pooled over games), ``matcher`` (labelled and whole libraries side by
    side, per mood), ``ablation`` and ``clip_landing`` (:func:`clip_moments.clip_landing`'s
    summary); plus its ``mode`` and ``games``.

    Notebook: 04_evaluation.ipynb
    """
    import pandas as pd

    d = json.loads(Path(path or benchmark_path()).read_text())
    placement = pd.DataFrame(d["placement"])
    matcher = pd.concat({lib: pd.DataFrame(d[f"matcher_summary_{lib}"]).set_index("mood") for lib in LIBRARIES}, axis=1)
    return {
        "mode": d["mode"],
        "games": d["games"],
        "placement": placement[placement["game"] == "all games"].set_index("method"),
        "matcher": matcher,
        "ablation": pd.DataFrame(d["matcher_ablation"]).set_index("variant"),
        "clip_landing": d.get("clip_landing", {}),  # a stored run from before the moments has none
    }
