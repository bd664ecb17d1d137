"""Ranking by the moment: the matcher scoring every section of every track (``matching.recommend``
with :mod:`dramatune_lib.moments`), at 10,000 and 100,000 tracks, beside ranking whole tracks.

Each track of 20-300 s has the index's sections (20 s windows every 10 s, a random-walk curve:
the time does not depend on what they hold). The scene is a minute long with a rising timeline,
so the curve term runs over five sections. Times, best of seven, in this process: making the
library's section table once, and ranking with it, without it (made inside the call, as for a
library of a few hundred tracks) and by whole tracks. Run: ``make bench``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from bench_ranking import best_ms, library, scene

from dramatune_lib.matching import MatchWeights, recommend
from dramatune_lib.moments import section_table

SIZES = (10_000, 100_000)


def with_sections(n: int, seed: int = 2):
    rng = np.random.default_rng(seed)
    tracks = library(n)
    for t in tracks:
        k = 1 + int((t.duration - 20) // 10)
        walk = np.clip(t.arousal + np.cumsum(rng.normal(0, 0.1, k)), -1, 1)
        t.section_curve = [
            [10.0 * i, 10.0 * i + 20, round(t.valence, 2), round(float(x), 2), 0.5, 0.5] for i, x in enumerate(walk)
        ]
        t.placed_by, t.valence_sound, t.arousal_sound = "model", t.valence, t.arousal
    return tracks


def main() -> dict:
    p = scene()
    p.duration = 60.0
    p.timeline = [[float(s), p.valence, -0.2 + 0.01 * s, 0.7] for s in range(61)]
    whole = MatchWeights(sections=False)
    result = {}
    for n in SIZES:
        tracks = with_sections(n)
        table = section_table(tracks)
        row = {
            "sections": int(table.track.size),
            "section table, once (ms)": best_ms(lambda tracks=tracks: section_table(tracks), repeat=3),
            "rank with sections (ms)": best_ms(lambda tracks=tracks, table=table: recommend(p, tracks, sections=table)),
            "rank with sections, table made in the call (ms)": best_ms(
                lambda tracks=tracks: recommend(p, tracks), repeat=3
            ),
            "rank whole tracks (ms)": best_ms(lambda tracks=tracks: recommend(p, tracks, weights=whole)),
        }
        result[n] = {k: round(v, 1) for k, v in row.items()}
        print(f"{n} tracks: " + ", ".join(f"{k} {v:g}" for k, v in row.items()))
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "moments.json").write_text(json.dumps(result, indent=1))
    return result


if __name__ == "__main__":
    main()
