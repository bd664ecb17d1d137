"""Composing speed: a 30 s cue composed and rendered, for each instrumentation, against the time
tinysoundfont takes to render 30 s of a real piece (a Bach chorale from music21) with the same
soundfont, same run. The figures to keep: seconds per 30 s cue (the target is under 2 s) and the
ratio to the chorale's render. Run: ``make bench``.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from dramatune_lib import compose
from dramatune_lib.dataset_prep import composer

OUT = Path(__file__).parent / "results"
SECONDS = 30.0


def main() -> dict:
    composer.compose_cue(0.5, 0.5, 2.0)  # imports and the soundfont's first load
    name, _, chorale = compose.music21_chorales(1)[0]
    t0 = time.perf_counter()
    composer.render_midi(chorale, SECONDS)
    base = time.perf_counter() - t0
    result = {"chorale_render_s": round(base, 2), "chorale": name, "cues": {}}
    for inst in sorted(composer.INSTRUMENTS):
        times = []
        for v, a in ((0.7, 0.8), (-0.6, -0.6)):
            t0 = time.perf_counter()
            composer.compose_cue(v, a, SECONDS, instrument=inst)
            times.append(time.perf_counter() - t0)
        result["cues"][inst] = {
            "seconds": round(max(times), 2),
            "x_realtime": round(SECONDS / max(times)),
            "vs_chorale_render": round(max(times) / base, 2),
        }
    worst = max(r["seconds"] for r in result["cues"].values())
    per_instrument = ", ".join(f"{k} {v['seconds']:.2f} s" for k, v in result["cues"].items())
    print(
        f"composing a {SECONDS:.0f} s cue: at most {worst:.2f} s over 5 instrumentations x 2 moods "
        f"({per_instrument}); "
        f"rendering 30 s of a Bach chorale ({name}): {base:.2f} s"
    )
    OUT.mkdir(exist_ok=True)
    (OUT / "compose.json").write_text(json.dumps(result, indent=1))
    return result


if __name__ == "__main__":
    main()
