"""Ranking speed: the vectorised matcher on 10,000 tracks vs a per-track Python loop, same run.

The loop scores each track with the same formula one at a time, as a first version would; the
ratio between the two is the figure to keep. Run: ``make bench``.
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

import numpy as np

from dramatune_lib.matching import MatchWeights, recommend
from dramatune_lib.schema import SceneProfile, TrackFeatures

N = 10_000


def library(n: int, seed: int = 0) -> list[TrackFeatures]:
    rng = np.random.default_rng(seed)
    return [
        TrackFeatures(
            path=f"t{i}.ogg",
            title=f"t{i}",
            duration=float(rng.uniform(20, 300)),
            tempo=float(rng.uniform(60, 180)),
            key="C",
            mode="major",
            mode_strength=0.2,
            loudness_lufs=-18.0,
            centroid_hz=1500.0,
            onset_density=2.0,
            valence=float(rng.uniform(-1, 1)),
            arousal=float(rng.uniform(-1, 1)),
            emotion="x",
        )
        for i in range(n)
    ]


def loop_rank(p: SceneProfile, tracks: list[TrackFeatures], top: int = 3) -> list[str]:
    """The same score, one track at a time (no diversity step: it only makes the loop faster)."""
    w = MatchWeights()
    lo, hi = p.target_tempo
    scored = []
    for t in tracks:
        emo = 1 - math.hypot(t.valence - p.valence, t.arousal - p.arousal) / (2 * math.sqrt(2))
        dists = [max(0, (lo - c) / lo) + max(0, (c - hi) / hi) for c in (t.tempo, t.tempo / 2, t.tempo * 2)]
        best = dists.index(min(dists))
        tfit = math.exp(-dists[best] / 0.15) * (1.0 if best == 0 else 0.9)  # half/double time counts a little less
        dfit = 1.0 if t.duration >= p.duration else 0.5 + 0.5 * t.duration / p.duration
        scored.append(((w.emotion * emo + w.tempo * tfit + w.duration * dfit), t.path))
    return [p for _, p in sorted(scored, reverse=True)[:top]]


def best_ms(fn, repeat: int = 7) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return 1000 * min(times)


def scene() -> SceneProfile:
    """The benchmark's scene: 30 s, tense, at a medium pace."""
    return SceneProfile(
        path="s.mp4",
        duration=30,
        fps=25,
        width=1280,
        height=720,
        has_audio=True,
        valence=-0.4,
        arousal=0.3,
        confidence=0.7,
        emotion="tense",
        pace=0.5,
        target_tempo=(110, 140),
        face_share=0.5,
        brightness=0.4,
    )


def main() -> dict:
    tracks = library(N)
    p = scene()
    assert recommend(p, tracks, top=1, weights=MatchWeights(diversity=0))[0].path == loop_rank(p, tracks, 1)[0]
    vec = best_ms(lambda: recommend(p, tracks, top=3))
    loop = best_ms(lambda: loop_rank(p, tracks), repeat=3)
    result = {
        "tracks": N,
        "vectorised_ms": round(vec, 1),
        "python_loop_ms": round(loop, 1),
        "speedup": round(loop / vec, 1),
    }
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "ranking.json").write_text(json.dumps(result, indent=1))
    print(f"ranking {N} tracks: vectorised {vec:.1f} ms, Python loop {loop:.1f} ms -> {loop / vec:.1f}x")
    return result


if __name__ == "__main__":
    main()
