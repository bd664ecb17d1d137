"""Stage 04 · a sanity check, not a result: the rankers on DramaTune's own composed demo cues."""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..circumplex import label_for
from ..feature_extraction import target_tempo
from ..matching import MatchWeights, recommend
from ..schema import SceneProfile, TrackFeatures
from .report_forest import QUADRANTS, report_rank


@dataclass
class Case:
    """A scene whose intended mood is known."""

    name: str
    profile: SceneProfile
    quadrant: str


def evaluation_cases(per_quadrant: int = 8, seed: int = 1) -> list[Case]:
    """Scene profiles at known points of each quadrant (|valence| and |arousal| 0.25..0.9), with
    the pace, target tempo and length the scene analysis gives such a scene. Seeded, and never
    used to tune the matcher.

    Notebook: 04_evaluation.ipynb
    """
    rng = np.random.default_rng(seed)
    cases = []
    for q in QUADRANTS:
        sv, sa = (1 if q.startswith("positive") else -1), (1 if q.endswith("high") else -1)
        for k in range(per_quadrant):
            v, a = sv * rng.uniform(0.25, 0.9), sa * rng.uniform(0.25, 0.9)
            pace = float(np.clip((a + 1) / 2 + rng.normal(0, 0.1), 0, 1))
            profile = SceneProfile(
                path=f"case-{q}-{k}",
                duration=round(float(rng.uniform(12, 45)), 1),
                fps=25.0,
                width=1280,
                height=720,
                has_audio=True,
                valence=round(v, 3),
                arousal=round(a, 3),
                confidence=0.7,
                emotion=label_for(v, a),
                pace=round(pace, 3),
                target_tempo=target_tempo(a, pace),
                face_share=0.0,
                brightness=0.5,
            )
            cases.append(Case(f"{q} {k + 1}", profile, q))
    return cases


def track_quadrants(tracks: list[TrackFeatures], cues_json: str | Path) -> dict[str, str]:
    """The quadrant each composed track was composed for (from the library's ``cues.json``).

    Notebook: 04_evaluation.ipynb
    """
    rows = json.loads(Path(cues_json).read_text())
    by_file = {r["file"]: r["quadrant"] for r in rows}
    return {t.path: by_file[Path(t.path).name] for t in tracks if Path(t.path).name in by_file}


def _random_hits(n: int, k: int, top: int) -> tuple[float, float]:
    """Exact chance that a random pick (top 1) / any of ``top`` random picks is among ``k`` of ``n``."""
    if n == 0:
        return 0.0, 0.0
    miss = math.comb(n - k, top) / math.comb(n, top) if n >= top else 0.0
    return k / n, 1 - miss


def compare_rankers(
    cases: list[Case], tracks: list[TrackFeatures], truth: dict[str, str], forest=None, *, top: int = 3
):
    """Top-1 and top-3 hit rates and milliseconds per ranking of the matcher, the report's forest,
    a tempo-only ranking and random choice, on the same cases. Returns a DataFrame.

    Notebook: 04_evaluation.ipynb
    """
    import pandas as pd

    tracks = [t for t in tracks if t.path in truth]
    rankers = {
        "DramaTune matcher": lambda p: recommend(p, tracks, top=top),
        "tempo only": lambda p: recommend(
            p, tracks, top=top, weights=MatchWeights(emotion=0, tempo=1, duration=0, diversity=0)
        ),
    }
    if forest is not None:
        rankers["the report's forest"] = lambda p: report_rank(forest, p, tracks, top=top)
    rows = []
    for name, rank in rankers.items():
        hit1 = hit3 = 0
        t0 = time.perf_counter()
        picks = [rank(c.profile) for c in cases]
        ms = 1000 * (time.perf_counter() - t0) / max(1, len(cases))
        for c, recs in zip(cases, picks):
            got = [truth[r.path] for r in recs]
            hit1 += bool(got) and got[0] == c.quadrant
            hit3 += c.quadrant in got
        rows.append(
            {
                "ranker": name,
                "top-1 hit": hit1 / len(cases),
                "top-3 hit": hit3 / len(cases),
                "ms per ranking": round(ms, 2),
            }
        )
    n = len(tracks)
    h1 = np.mean([_random_hits(n, sum(q == c.quadrant for q in truth.values() if q), top)[0] for c in cases])
    h3 = np.mean([_random_hits(n, sum(q == c.quadrant for q in truth.values() if q), top)[1] for c in cases])
    rows.append({"ranker": "random (expected)", "top-1 hit": float(h1), "top-3 hit": float(h3), "ms per ranking": 0.0})
    df = pd.DataFrame(rows)
    df[["top-1 hit", "top-3 hit"]] = df[["top-1 hit", "top-3 hit"]].round(3)
    return df


def report_style_table(named: dict[str, SceneProfile], tracks: list[TrackFeatures], rank=None, *, top: int = 3):
    """A table shaped like the report's: each clip, its detected emotion, and the top 1/2/3 with
    their scores. ``rank`` is a ranking function ``(profile, tracks) -> [Recommendation]``
    (default: the matcher).

    Notebook: 04_evaluation.ipynb
    """
    import pandas as pd

    rank = rank or (lambda p, ts: recommend(p, ts, top=top))
    rows = []
    for clip, p in named.items():
        row = {"clip": clip, "detected emotion": p.emotion, "valence": p.valence, "arousal": p.arousal}
        for r in rank(p, tracks):
            row[f"top {r.rank}"] = f"{r.title} ({r.score:.2f})"
        rows.append(row)
    return pd.DataFrame(rows)
