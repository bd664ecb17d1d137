"""Stage 05: rank a library for a scene; the app (notebook 05) then fits and exports the pick.

``SceneProfile -> [Recommendation]``

Ranking (:func:`recommend`) scores every track on emotion distance in valence/arousal, tempo
compatibility (half and double time allowed) and duration, then picks a diverse top N.
Fitting and export live in :mod:`dramatune_lib.fit_and_export` (notebook 07).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .schema import Recommendation, SceneProfile, TrackFeatures


@dataclass
class MatchWeights:
    """How much each criterion counts in the ranking (normalised when used)."""

    emotion: float = 0.6
    tempo: float = 0.25
    duration: float = 0.15
    diversity: float = 0.2  # penalty for a pick close to one already chosen


def weights_for_intensity(intensity: float) -> MatchWeights:
    """Weights for the app's "mood intensity" slider (0 = pace matters most, 1 = mood does).

    Notebook: 05_recommend_and_merge.ipynb
    """
    i = float(np.clip(intensity, 0, 1))
    return MatchWeights(emotion=0.3 + 0.6 * i, tempo=0.5 - 0.35 * i, duration=0.15)


def _tempo_fit(tempos: np.ndarray, lo: float, hi: float) -> tuple[np.ndarray, np.ndarray]:
    """Fit in [0, 1] of each tempo to [lo, hi], allowing half and double time; and the factor used."""
    cands = np.stack([tempos, tempos / 2, tempos * 2])  # (3, n)
    below = np.clip((lo - cands) / lo, 0, None)
    above = np.clip((cands - hi) / hi, 0, None)
    dist = below + above
    best = dist.argmin(axis=0)
    d = dist[best, np.arange(tempos.size)]
    fit = np.exp(-d / 0.15) * np.where(best == 0, 1.0, 0.9)  # a little less for half/double
    fit[tempos <= 0] = 0.0
    return fit, np.array([1.0, 0.5, 2.0])[best]


def _pace_word(p: SceneProfile) -> str:
    return "still" if p.pace < 0.15 else "slow" if p.pace < 0.4 else "lively" if p.pace < 0.7 else "fast"


def _loud_word(lufs: float) -> str:
    return "soft" if lufs < -23 else "medium" if lufs < -17 else "loud"


def reason_for(t: TrackFeatures, p: SceneProfile, tempo_factor: float, loops: int) -> str:
    """One sentence, built from the measured numbers, saying why a track fits a scene.

    Notebook: 05_recommend_and_merge.ipynb
    """
    feel = f"{t.mode}, {t.tempo:.0f} BPM, {_loud_word(t.loudness_lufs)}"
    how = "fits" if math.hypot(t.valence - p.valence, t.arousal - p.arousal) < 0.5 else "leans towards"
    extra = ""
    if tempo_factor != 1.0:
        extra += f"; felt in {'half' if tempo_factor == 0.5 else 'double'} time"
    if loops:
        extra += f"; looped {loops}x to cover {p.duration:.0f} s"
    return f"{feel}: {how} the {_pace_word(p)}, {p.emotion} scene{extra}"


def recommend(
    profile: SceneProfile,
    tracks: list[TrackFeatures],
    *,
    top: int = 3,
    exclude: set[str] | frozenset[str] = frozenset(),
    weights: MatchWeights | None = None,
) -> list[Recommendation]:
    """Rank ``tracks`` for a scene and return a diverse top ``top`` (vectorised over tracks).

    ``exclude`` holds paths already shown (for "show alternatives").

    Notebook: 05_recommend_and_merge.ipynb
    """
    w = weights or MatchWeights()
    pool = [t for t in tracks if t.path not in exclude]
    if not pool:
        return []
    v = np.array([t.valence for t in pool])
    a = np.array([t.arousal for t in pool])
    tempo = np.array([t.tempo for t in pool])
    dur = np.array([t.duration for t in pool])
    dist = np.hypot(v - profile.valence, a - profile.arousal)
    emo = 1 - dist / (2 * math.sqrt(2))
    tfit, factor = _tempo_fit(tempo, *profile.target_tempo)
    dfit = np.where(dur >= profile.duration, 1.0, 0.5 + 0.5 * dur / max(profile.duration, 1e-6))
    total = w.emotion + w.tempo + w.duration
    base = (w.emotion * emo + w.tempo * tfit + w.duration * dfit) / total
    chosen: list[int] = []
    picked_score: list[float] = []
    penalty = np.zeros_like(base)
    for _ in range(min(top, len(pool))):
        score = base - penalty
        score[chosen] = -np.inf
        i = int(np.argmax(score))
        chosen.append(i)
        picked_score.append(float(score[i]))
        # penalise tracks that sit close to this pick on the circumplex and in tempo
        near = np.exp(-np.hypot(v - v[i], a - a[i]) / 0.15) * np.exp(-np.abs(np.log((tempo + 1) / (tempo[i] + 1))) / 0.1)
        penalty = np.maximum(penalty, w.diversity * near)
    out = []
    for rank, (i, sc) in enumerate(zip(chosen, picked_score), 1):
        t = pool[i]
        loops = 0 if t.duration >= profile.duration else math.ceil(profile.duration / max(t.duration, 1e-6)) - 1
        out.append(Recommendation(
            rank=rank, path=t.path, title=t.title, score=round(sc, 3),
            emotion_distance=round(float(dist[i]), 3), tempo_fit=round(float(tfit[i]), 3),
            duration_fit=round(float(dfit[i]), 3), reason=reason_for(t, profile, float(factor[i]), loops),
            valence=t.valence, arousal=t.arousal, tempo=t.tempo,
        ))
    return out


#: Scene-track pairs from which a batch is worth sending to joblib's workers.
BATCH_PARALLEL_FROM = 1_000_000


def recommend_batch(
    profiles: list[SceneProfile],
    tracks: list[TrackFeatures],
    *,
    top: int = 3,
    weights: MatchWeights | None = None,
    n_jobs: int = -1,
) -> list[list[Recommendation]]:
    """:func:`recommend` for many scenes at once, through joblib: in worker processes here, or on
    a Dask cluster inside ``joblib.parallel_backend("dask")`` (see the README). Small batches
    (fewer than :data:`BATCH_PARALLEL_FROM` scene-track pairs) run in this process: 200 scenes
    against 28 tracks took 0.04 s in a loop and 0.55 s through two workers.

    Notebook: 04_evaluation.ipynb
    """
    from functools import partial

    from .feature_extraction import parallel_map

    if len(profiles) * len(tracks) < BATCH_PARALLEL_FROM:
        n_jobs = 1
    return parallel_map(partial(_recommend_one, tracks=tracks, top=top, weights=weights), profiles, n_jobs=n_jobs,
                        unit="scene")


def _recommend_one(profile: SceneProfile, *, tracks, top, weights) -> list[Recommendation]:
    return recommend(profile, tracks, top=top, weights=weights)


def unique_path(path: str | Path) -> Path:
    """``path`` if free, else ``name-2.ext``, ``name-3.ext``...: never replaces a file.

    Notebook: 05_recommend_and_merge.ipynb
    """
    path = Path(path)
    k = 2
    out = path
    while out.exists():
        out = path.with_name(f"{path.stem}-{k}{path.suffix}")
        k += 1
    return out
