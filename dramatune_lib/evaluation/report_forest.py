"""Stage 04 · the report's Random Forest, reproduced: its tempo and volume match, trained and used as a ranker."""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from .. import circumplex
from ..circumplex import EMOTION_VA
from ..schema import Recommendation, SceneProfile, TrackFeatures
from ..storage import model_path, model_target, write_report

#: What the report's forest reads, in order.
REPORT_FEATURES = ("video_rhythm_bpm", "video_emotion_arousal", "tempo_bpm", "volume_lufs")


QUADRANTS = ("positive-high", "positive-low", "negative-high", "negative-low")


def scene_rhythm(profile: SceneProfile) -> float:
    """The video's rhythm in beats a minute: its visual tempo where the picture has one, else the
    middle of the tempo range its pace asks for.

    Used by: :func:`report_rank`
    """
    if profile.visual_tempo:
        return float(profile.visual_tempo)
    return float(sum(profile.target_tempo) / 2)


def scene_emotion_level(profile: SceneProfile) -> float:
    """The video's emotion as the report used it, one number: the arousal of fer's dominant face
    emotion (its circumplex coordinate), or of the scene's label when no face was seen.

    Used by: :func:`report_rank`
    """
    if profile.face_emotions:
        top = max(profile.face_emotions, key=lambda k: profile.face_emotions[k])
        return float(EMOTION_VA.get(top, (0.0, 0.0))[1])
    return float(circumplex.LABEL_VA.get(profile.emotion, (0.0, profile.arousal))[1])


def report_formula(rhythm, emotion, tempo, volume) -> np.ndarray:
    """The report's score in [0, 1]: the mean of a tempo match (1 when the track's tempo equals
    the video's rhythm, 0 when it is half as far again off) and a volume match (an aroused
    emotion wants a loud track: -30 LUFS at arousal -1 up to -10 LUFS at +1; 0 at 15 LU away).

    Used by: :func:`train_report_forest`
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
    report = ForestReport(
        mode="fast" if fast else "full",
        pairs=n,
        trees=trees,
        r2_held_out=round(float(r2_score(y[split:], pred)), 4),
        mae_held_out=round(float(mean_absolute_error(y[split:], pred)), 4),
        train_s=round(time.perf_counter() - t0, 2),
    )
    return model, report


def report_forest_path() -> Path:
    """Where the report's forest lives (``models/report_forest.joblib``).

    Notebook: 04_evaluation.ipynb
    """
    return model_path("report_forest.joblib")


def save_report_forest(model, report: ForestReport, path: str | Path | None = None) -> Path:
    """Save the forest with joblib and its metadata as JSON beside it.

    Used by: :mod:`evaluation.__main__`
    """
    import joblib

    path = model_target(path, report_forest_path().name)
    joblib.dump(model, path, compress=3)
    write_report(path, asdict(report))
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
    return [
        Recommendation(
            rank=k + 1,
            path=tracks[i].path,
            title=tracks[i].title,
            score=round(float(score[i]), 3),
            emotion_distance=round(
                math.hypot(tracks[i].valence - profile.valence, tracks[i].arousal - profile.arousal), 3
            ),
            tempo_fit=0.0,
            duration_fit=0.0,
            reason=f"the report's forest: {tracks[i].tempo:.0f} BPM against a rhythm of {rhythm:.0f}, "
            f"{tracks[i].loudness_lufs:.0f} LUFS",
            valence=tracks[i].valence,
            arousal=tracks[i].arousal,
            tempo=tracks[i].tempo,
        )
        for k, i in enumerate(order)
    ]
