"""'More like this' speed: exact search in numpy over musicnn's 200-number embeddings, at 10,000
and 100,000 tracks (random embeddings: the time does not depend on what they hold).

Times, best of seven, in this process: making the library's sound space once (centred, unit rows,
float32), one similar-track query over it, and the matcher ranking a scene with and without
"more like this". Run: ``make bench``; the figures to keep are the ratios within one run.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from bench_ranking import best_ms, library, scene

from dramatune_lib.matching import recommend
from dramatune_lib.similarity import similar, sound_space

SIZES = (10_000, 100_000)


def main() -> dict:
    p = scene()
    rng = np.random.default_rng(1)
    result = {}
    for n in SIZES:
        tracks = library(n)
        for t in tracks:
            t.embedding = rng.normal(size=200).round(3).tolist()
        space = sound_space(tracks)
        row = {
            "sound space, once (ms)": best_ms(lambda tracks=tracks: sound_space(tracks), repeat=3),
            "similar query (ms)": best_ms(lambda tracks=tracks, space=space: similar(tracks[7], tracks, space=space)),
            "rank a scene (ms)": best_ms(lambda tracks=tracks: recommend(p, tracks)),
            "rank a scene, more like one track (ms)": best_ms(
                lambda tracks=tracks, space=space: recommend(p, tracks, like=tracks[7], space=space)
            ),
        }
        result[n] = {k: round(v, 1) for k, v in row.items()}
        print(f"{n} tracks: " + ", ".join(f"{k} {v:.1f}" for k, v in row.items()))
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "similar.json").write_text(json.dumps(result, indent=1))
    return result


if __name__ == "__main__":
    main()
