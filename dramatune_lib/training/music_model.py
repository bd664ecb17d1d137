"""Stage 03 · the music-emotion model fitted on the soundtracks, and the priors' valence calibrated."""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from .. import feature_extraction
from ..feature_extraction import (
    MusicModel,
)
from ..storage import model_target
from .music_corpus import CONTEXT_VA, SOUNDTRACKS, MusicClip, soundtrack_features

#: Share of the priors in the arousal reading (:class:`feature_extraction.MusicModel`): half,
#: chosen by hand so that the reading holds both on real soundtracks and on composed cues.
PRIOR_WEIGHT = 0.5


#: Share of the ear (musicnn's calibrated tag score, :meth:`MusicModel.ear`) in the arousal
#: reading. Chosen on notebook 04's benchmark (leave one game out) among 0, 0.25, 0.5, 0.75 and 1.
EAR_WEIGHT = 0.75


#: Regularisation of the arousal model's logistic regression (inverse strength, scikit-learn's
#: C). Chosen by hand; 0.1 to 2 gave leave-one-game-out arousal AUCs within 0.02 of each other.
MUSIC_MODEL_C = 0.5


def fit_music_model(
    clips: list[MusicClip], feats, *, C: float = MUSIC_MODEL_C, ear_weight: float = EAR_WEIGHT
) -> MusicModel:
    """Fit the music-emotion model (:class:`feature_extraction.MusicModel`) on labelled recordings:
    arousal from the standardised features (a logistic regression, both sides weighted equally;
    the reading mixes it with the priors, :data:`PRIOR_WEIGHT`),
    valence as the priors calibrated (a logistic regression on the prior's one number, whose
    slope is kept positive so it can never turn the priors round). Recordings all on one side of
    valence (one game's ambient and combat music, say) cannot calibrate it: the priors' one
    number then goes through unscaled (slope 1, intercept 0). The ear (musicnn's tag score) is
    calibrated the same way on the arousal labels and takes ``ear_weight`` of the arousal reading
    (0: no ear; tracks measured without it keep the rest).

    Used by: :mod:`evaluation.real_music`, :mod:`solutions.s03_training`
    """
    from sklearn.linear_model import LogisticRegression

    X = np.vstack([feature_extraction.music_feature_vector(f) for f in feats])
    mean, scale = X.mean(axis=0), X.std(axis=0)
    scale[scale < 1e-9] = 1.0
    a = np.array([np.nan if c.arousal is None else np.sign(c.arousal) for c in clips])
    v = np.array([np.nan if c.valence is None else np.sign(c.valence) for c in clips])
    ok = np.isfinite(a)
    arousal = LogisticRegression(C=C, class_weight="balanced", max_iter=5000).fit(((X - mean) / scale)[ok], a[ok] > 0)
    prior = np.array(
        [
            feature_extraction.music_va(
                f.mode, f.mode_strength, f.tempo, f.loudness_lufs, f.onset_density, f.centroid_hz
            )[0]
            for f in feats
        ]
    )
    ok = np.isfinite(v)
    v_coef, v_intercept = 1.0, 0.0
    if len(set((v[ok] > 0).tolist())) == 2:
        valence = LogisticRegression(class_weight="balanced", max_iter=5000).fit(prior[ok, None], v[ok] > 0)
        v_coef, v_intercept = float(valence.coef_[0, 0]), float(valence.intercept_[0])

    heard = np.isfinite(a) & np.array([bool(f.ear_tags) for f in feats])
    ear_coef = ear_intercept = 0.0
    if ear_weight > 0 and len(set((a[heard] > 0).tolist())) == 2:
        score = np.array([feature_extraction.ear_arousal(f.ear_tags) for f, h in zip(feats, heard) if h])
        ear = LogisticRegression(class_weight="balanced", max_iter=5000).fit(score[:, None], a[heard] > 0)
        ear_coef, ear_intercept = float(ear.coef_[0, 0]), float(ear.intercept_[0])
    else:
        ear_weight = 0.0
    games = sorted({c.source for c in clips})
    return MusicModel(
        features=list(feature_extraction.MUSIC_MODEL_FEATURES),
        mean=mean.round(6).tolist(),
        scale=scale.round(6).tolist(),
        arousal_coef=arousal.coef_[0].round(6).tolist(),
        arousal_intercept=round(float(arousal.intercept_[0]), 6),
        valence_coef=round(max(0.1, v_coef), 6),
        valence_intercept=round(v_intercept, 6),
        prior_weight=PRIOR_WEIGHT,
        trained_on=f"{len(clips)} recordings of {len(games)} games: {', '.join(games)}",
        ear_coef=round(max(0.1, ear_coef), 6),
        ear_intercept=round(ear_intercept, 6),
        ear_weight=ear_weight,
    )


@dataclass
class MusicModelReport:
    """What the music-emotion model was trained on."""

    mode: str
    games: dict[str, int]  # recordings per game
    groups: dict[str, int]  # recordings per context group
    labels_from: dict[str, str]  # per game, the file its labels are read from
    licences: dict[str, str]
    features: list[str] = field(default_factory=list)
    train_s: float = 0.0


def train_music_model(clips: list[MusicClip], fast: bool = True) -> tuple[MusicModel, MusicModelReport]:
    """Measure the labelled recordings and fit :func:`fit_music_model` on all of them. How well
    it places games it has not seen is notebook 04's benchmark (leave one game out).

    Notebook: 03_training.ipynb
    """
    t0 = time.perf_counter()
    clips, feats = soundtrack_features([c for c in clips if c.kind == "recording"])
    model = fit_music_model(clips, feats)
    by_package = {st.package: st for st in SOUNDTRACKS}
    report = MusicModelReport(
        mode="fast" if fast else "full",
        games=dict(Counter(c.source for c in clips)),
        groups=dict(Counter(c.group for c in clips)),
        labels_from={g: by_package[g].labels_from for g in sorted({c.source for c in clips}) if g in by_package},
        licences={c.source: c.licence for c in clips},
        features=list(feature_extraction.MUSIC_MODEL_FEATURES),
        train_s=round(time.perf_counter() - t0, 1),
    )
    return model, report


def music_corpus_table(clips: list[MusicClip]):
    """Recordings per game and context group, with the side of each axis the group gives.

    Notebook: 03_training.ipynb
    """
    import pandas as pd

    df = pd.DataFrame(
        [
            {"game": c.source, "group": c.group, "valence": CONTEXT_VA[c.group][0], "arousal": CONTEXT_VA[c.group][1]}
            for c in clips
        ]
    )
    return df.groupby(["game", "group", "valence", "arousal"]).size().rename("recordings").reset_index()


def music_model_table(model: MusicModel):
    """The arousal model's weights, one row a feature, largest effect first: what the model
    listens to (the features are standardised, so the weights compare).

    Notebook: 03_training.ipynb
    """
    import pandas as pd

    df = pd.DataFrame({"feature": model.features, "weight": np.round(model.arousal_coef, 3)})
    return df.reindex(df["weight"].abs().sort_values(ascending=False).index).reset_index(drop=True)


def save_music_model(model: MusicModel, report: MusicModelReport, path: str | Path | None = None) -> Path:
    """Save the model and its report as one JSON file (plain numbers: no pickle, no scikit-learn
    needed to load it).

    Notebook: 03_training.ipynb
    """
    path = model_target(path, feature_extraction.music_model_path().name)
    meta = {
        "model": model.to_dict(),
        "report": asdict(report),
        "method": "arousal: logistic regression (scikit-learn) on measured, loudness-independent features; "
        "valence: the music-psychology priors, calibrated; labels: where each game plays each piece",
    }
    path.write_text(json.dumps(meta, indent=1))
    return path
