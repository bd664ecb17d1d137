"""Stage 04: evaluation. The report's Random Forest reproduced, and every way of ranking music
compared on the same held-out cases.

``[SceneProfile] x [TrackFeatures] -> table of hit rates and timings``

**The report's model.** The report ranked tracks on tempo and volume alone: a score formula
(the track's tempo against the video's rhythm, its volume against the video's emotion) and a
``RandomForestRegressor`` trained on (video rhythm, video emotion, tempo, volume) to reproduce
that formula. :func:`train_report_forest` does the same on sampled pairs and saves it with its
metadata in ``models/report_forest.joblib``; :func:`report_rank` ranks a library with it.

**The cases.** A case is a scene whose intended mood is known. The library's composed demo cues
carry the quadrant they were composed for, and :func:`evaluation_cases` draws scene profiles at
known points of each quadrant, with the pace and target tempo the scene analysis would give them.
A ranker *hits* when its top 1 (or any of its top 3) was composed for the scene's quadrant. The
random baseline is the exact expectation, not a draw.
"""
from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from . import config
from .circumplex import EMOTION_VA, label_for
from .recommend_and_merge import MatchWeights, recommend
from .schema import Recommendation, SceneProfile, TrackFeatures

#: What the report's forest reads, in order.
REPORT_FEATURES = ("video_rhythm_bpm", "video_emotion_arousal", "tempo_bpm", "volume_lufs")
QUADRANTS = ("positive-high", "positive-low", "negative-high", "negative-low")


# --- the report's Random Forest ----------------------------------------------------------------

def scene_rhythm(profile: SceneProfile) -> float:
    """The video's rhythm in beats a minute: its visual tempo where the picture has one, else the
    middle of the tempo range its pace asks for.

    Notebook: 04_evaluation.ipynb
    """
    if profile.visual_tempo:
        return float(profile.visual_tempo)
    return float(sum(profile.target_tempo) / 2)


def scene_emotion_level(profile: SceneProfile) -> float:
    """The video's emotion as the report used it, one number: the arousal of fer's dominant face
    emotion (its circumplex coordinate), or of the scene's label when no face was seen.

    Notebook: 04_evaluation.ipynb
    """
    from .circumplex import LABEL_VA

    if profile.face_emotions:
        top = max(profile.face_emotions, key=profile.face_emotions.get)
        return float(EMOTION_VA.get(top, (0.0, 0.0))[1])
    return float(LABEL_VA.get(profile.emotion, (0.0, profile.arousal))[1])


def report_formula(rhythm, emotion, tempo, volume) -> np.ndarray:
    """The report's score in [0, 1]: the mean of a tempo match (1 when the track's tempo equals
    the video's rhythm, 0 when it is half as far again off) and a volume match (an aroused
    emotion wants a loud track: -30 LUFS at arousal -1 up to -10 LUFS at +1; 0 at 15 LU away).

    Notebook: 04_evaluation.ipynb
    """
    rhythm, emotion, tempo, volume = (np.asarray(x, float) for x in (rhythm, emotion, tempo, volume))
    tempo_match = np.clip(1 - np.abs(tempo - rhythm) / (0.5 * rhythm), 0, 1)
    want = -20 + 10 * np.clip(emotion, -1, 1)
    volume_match = np.clip(1 - np.abs(volume - want) / 15, 0, 1)
    return 0.5 * tempo_match + 0.5 * volume_match


@dataclass
class ForestReport:
    """How the report's forest was trained and how closely it reproduces the formula."""

    mode: str
    pairs: int
    trees: int
    r2_held_out: float
    mae_held_out: float
    features: tuple[str, ...] = REPORT_FEATURES
    target: str = "report_formula: mean of tempo match and volume match"
    train_s: float = 0.0


def train_report_forest(pairs: int = 4000, *, fast: bool = True, seed: int = 0):
    """Train the report's ``RandomForestRegressor`` to reproduce :func:`report_formula` on
    sampled (video rhythm, video emotion, tempo, volume) pairs: rhythm 50..180, emotion the
    arousal of one of fer's seven classes, tempo 50..200 BPM, volume -35..-8 LUFS. A fifth of
    the pairs is held out to measure the fit. Returns ``(model, report)``.

    Notebook: 04_evaluation.ipynb
    """
    from sklearn.ensemble import RandomForestRegressor
    from sklearn.metrics import mean_absolute_error, r2_score

    t0 = time.perf_counter()
    rng = np.random.default_rng(seed)
    n = pairs if not fast else min(pairs, 1500)
    levels = np.array([a for _, a in EMOTION_VA.values()])
    X = np.c_[rng.uniform(50, 180, n), rng.choice(levels, n), rng.uniform(50, 200, n), rng.uniform(-35, -8, n)]
    y = report_formula(*X.T)
    split = int(0.8 * n)
    trees = 20 if fast else 60
    model = RandomForestRegressor(n_estimators=trees, min_samples_leaf=4, random_state=seed, n_jobs=1)
    model.fit(X[:split], y[:split])
    pred = model.predict(X[split:])
    report = ForestReport(mode="fast" if fast else "full", pairs=n, trees=trees,
                          r2_held_out=round(float(r2_score(y[split:], pred)), 4),
                          mae_held_out=round(float(mean_absolute_error(y[split:], pred)), 4),
                          train_s=round(time.perf_counter() - t0, 2))
    return model, report


def report_forest_path() -> Path:
    """Where the report's forest lives (``models/report_forest.joblib``).

    Notebook: 04_evaluation.ipynb
    """
    return config.PROJECT_ROOT / "models" / "report_forest.joblib"


def save_report_forest(model, report: ForestReport, path: str | Path | None = None) -> Path:
    """Save the forest with joblib and its metadata as JSON beside it.

    Notebook: 04_evaluation.ipynb
    """
    import joblib

    path = Path(path) if path else report_forest_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, path, compress=3)
    path.with_suffix(".json").write_text(json.dumps(asdict(report), indent=1))
    return path


def load_report_forest(path: str | Path | None = None):
    """The saved forest, or None when the file is missing.

    Notebook: 04_evaluation.ipynb
    """
    import joblib

    path = Path(path) if path else report_forest_path()
    return joblib.load(path) if path.is_file() else None


def report_rank(model, profile: SceneProfile, tracks: list[TrackFeatures], *, top: int = 3) -> list[Recommendation]:
    """Rank ``tracks`` for a scene the report's way: the forest's score of (video rhythm, video
    emotion, tempo, volume), best first; no diversity, no duration.

    Notebook: 04_evaluation.ipynb
    """
    if not tracks:
        return []
    rhythm, level = scene_rhythm(profile), scene_emotion_level(profile)
    X = np.array([[rhythm, level, t.tempo, t.loudness_lufs] for t in tracks])
    score = model.predict(X)
    order = np.argsort(-score, kind="stable")[:top]
    return [Recommendation(rank=k + 1, path=tracks[i].path, title=tracks[i].title, score=round(float(score[i]), 3),
                           emotion_distance=round(math.hypot(tracks[i].valence - profile.valence,
                                                             tracks[i].arousal - profile.arousal), 3),
                           tempo_fit=0.0, duration_fit=0.0,
                           reason=f"the report's forest: {tracks[i].tempo:.0f} BPM against a rhythm of {rhythm:.0f}, "
                                  f"{tracks[i].loudness_lufs:.0f} LUFS",
                           valence=tracks[i].valence, arousal=tracks[i].arousal, tempo=tracks[i].tempo)
            for k, i in enumerate(order)]


# --- the cases and the comparison ------------------------------------------------------------

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
            lo = 60 + 60 * (a + 1) / 2 + 40 * pace
            profile = SceneProfile(
                path=f"case-{q}-{k}", duration=round(float(rng.uniform(12, 45)), 1), fps=25.0, width=1280, height=720,
                has_audio=True, valence=round(v, 3), arousal=round(a, 3), confidence=0.7, emotion=label_for(v, a),
                pace=round(pace, 3), target_tempo=(round(lo), round(lo * 1.25)), face_share=0.0, brightness=0.5)
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


def compare_rankers(cases: list[Case], tracks: list[TrackFeatures], truth: dict[str, str], forest=None,
                    *, top: int = 3):
    """Top-1 and top-3 hit rates and milliseconds per ranking of the matcher, the report's forest,
    a tempo-only ranking and random choice, on the same cases. Returns a DataFrame.

    Notebook: 04_evaluation.ipynb
    """
    import pandas as pd

    tracks = [t for t in tracks if t.path in truth]
    rankers = {
        "DramaTune matcher": lambda p: recommend(p, tracks, top=top),
        "tempo only": lambda p: recommend(p, tracks, top=top, weights=MatchWeights(emotion=0, tempo=1, duration=0,
                                                                                   diversity=0)),
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
        rows.append({"ranker": name, "top-1 hit": hit1 / len(cases), "top-3 hit": hit3 / len(cases),
                     "ms per ranking": round(ms, 2)})
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


def main(argv: list[str] | None = None) -> int:
    """``python -m dramatune_lib.evaluation [--full] [--overwrite]``: train and save the report's
    forest in ``models/`` (refused if one exists, unless ``--overwrite``).

    Notebook: 04_evaluation.ipynb
    """
    import argparse
    import sys

    from .errors import OutputExistsError

    ap = argparse.ArgumentParser(description="Train the report's Random Forest")
    ap.add_argument("--full", action="store_true", help="4,000 pairs and 60 trees (default: 1,500 and 20)")
    ap.add_argument("--out", default=None, help="where to save (default models/report_forest.joblib)")
    ap.add_argument("--overwrite", action="store_true", help="replace an existing model file")
    a = ap.parse_args(argv)
    out = Path(a.out) if a.out else report_forest_path()
    if out.exists() and not a.overwrite:
        print(f"dramatune: error: {OutputExistsError(out)}", file=sys.stderr)
        return 2
    model, report = train_report_forest(fast=not a.full)
    save_report_forest(model, report, out)
    print(f"saved {out}: R² {report.r2_held_out} on held-out pairs, MAE {report.mae_held_out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
