"""Stage 02 · a track on the circumplex: the music-psychology priors and the music model trained in notebook 03."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import numpy as np

from ..errors import DramaTuneError
from ..schema import TrackFeatures
from ..storage import model_path
from .musicnn import ear_arousal
from .tracks import DESCRIPTORS, music_va

#: What the music-emotion model reads of a track: nothing that depends on how loud the track
#: was mastered (all measured by :func:`track_features`; see :func:`music_feature_vector`).
MUSIC_MODEL_FEATURES = (
    "mode_signed",
    "mode_strength",
    "tempo_fast",
    "onset_density",
    "loudness_range_lu",
    "centroid_khz",
    "danceability",
    *DESCRIPTORS,
)


def _fold_tempo(tempo: float) -> float:
    while 0 < tempo < 60:
        tempo *= 2
    while tempo > 180:
        tempo /= 2
    return tempo


def music_feature_vector(t: TrackFeatures) -> np.ndarray:
    """The numbers the music-emotion model reads (:data:`MUSIC_MODEL_FEATURES`): mode as a signed
    strength and its strength, tempo folded into 60-180 BPM and scaled (0 at 60, 1 at 180), onset
    rate, loudness range, brightness, danceability and the :func:`sound_descriptors` (0 where a
    track was indexed before they existed).

    Used by: :mod:`training.music_model`
    """
    sign = 1.0 if t.mode == "major" else -1.0
    d = t.descriptors or {}
    return np.array(
        [
            sign * t.mode_strength,
            t.mode_strength,
            (_fold_tempo(t.tempo) - 60) / 120,
            t.onset_density,
            t.loudness_range_lu,
            t.centroid_hz / 1000,
            t.danceability,
            *(d.get(k, 0.0) for k in DESCRIPTORS),
        ]
    )


def priors_va(tracks: list[TrackFeatures]) -> tuple[np.ndarray, np.ndarray]:
    """:func:`music_va` of each track: valence and arousal, shape (n,) each.

    Used by: :class:`MusicModel`, :mod:`feature_extraction.library`, :mod:`feature_extraction.sections`
    """
    va = np.array(
        [music_va(t.mode, t.mode_strength, t.tempo, t.loudness_lufs, t.onset_density, t.centroid_hz) for t in tracks]
    ).reshape(-1, 2)
    return va[:, 0], va[:, 1]


@dataclass
class MusicModel:
    """The music-emotion model, stored as plain numbers (``models/music_emotion.json``), so it
    loads without scikit-learn.

    - **arousal**: half a logistic regression on the standardised :data:`MUSIC_MODEL_FEATURES`,
      trained on game soundtracks labelled by where the game plays each piece (combat and
      tension against peace, ambient and lament; notebook 03), half the priors of
      :func:`music_va` (:attr:`prior_weight`). The regression alone orders the soundtracks of
      games it has not seen best, but it learns those soundtracks' style as much as their mood:
      on DramaTune's composed cues it orders arousal no better than chance, the priors
      perfectly, and the half-and-half mix holds on both (notebook 04);
    - **the ear** (when :attr:`ear_weight` > 0): musicnn's tag score (:func:`ear_arousal`), its
      zero point and scale calibrated on the same soundtracks by a logistic regression on that
      one number, takes :attr:`ear_weight` of the arousal reading; a track measured before the
      ear existed (no ``ear_tags``) keeps the reading above;
    - **valence**: the priors' valence (mode, tempo, brightness), its zero point and scale
      calibrated on the same soundtracks by a logistic regression on that one number. A learned
      valence model did worse than the priors on games it had not seen (notebook 04): the few
      tracks with a valence label are not enough to learn from.

    Each axis is read as a position in [-1, 1]; its confidence is how far from 0 it is.
    """

    features: list[str]
    mean: list[float]
    scale: list[float]
    arousal_coef: list[float]
    arousal_intercept: float
    valence_coef: float = 1.0
    valence_intercept: float = 0.0
    prior_weight: float = 0.5
    trained_on: str = ""
    ear_coef: float = 0.0
    ear_intercept: float = 0.0
    ear_weight: float = 0.0

    def place(self, tracks: list[TrackFeatures], ear: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Valence and arousal of each track, shape (n,) each, in [-1, 1]; ``ear`` is
        :meth:`ear` of the same tracks when the caller has it already.
        """
        if list(self.features) != list(MUSIC_MODEL_FEATURES):
            raise DramaTuneError(
                f"the music model reads {self.features}, this DramaTune measures "
                f"{list(MUSIC_MODEL_FEATURES)} — retrain it: make models"
            )
        X = np.vstack([music_feature_vector(t) for t in tracks])
        Z = (X - np.asarray(self.mean)) / np.asarray(self.scale)
        learned = 2 / (1 + np.exp(-(Z @ np.asarray(self.arousal_coef) + self.arousal_intercept))) - 1
        prior_v, prior_a = priors_va(tracks)
        arousal = (1 - self.prior_weight) * learned + self.prior_weight * prior_a
        ear = self.ear(tracks) if ear is None else ear
        heard = np.isfinite(ear)
        arousal[heard] = (1 - self.ear_weight) * arousal[heard] + self.ear_weight * ear[heard]
        valence = 2 / (1 + np.exp(-(self.valence_coef * prior_v + self.valence_intercept))) - 1
        return valence, arousal

    def ear(self, tracks: list[TrackFeatures]) -> np.ndarray:
        """The ear's calibrated arousal of each track, in [-1, 1]; NaN where the model has no ear
        (:attr:`ear_weight` 0) or the track was measured without it.
        """
        scores = np.array([ear_arousal(t.ear_tags) if t.ear_tags else np.nan for t in tracks], float)
        return self.ear_of_scores(scores)

    def ear_of_scores(self, scores: np.ndarray) -> np.ndarray:
        """The ear's calibrated arousal of tag scores (:func:`musicnn.ear_arousal`), in [-1, 1];
        NaN where a score is NaN or the model has no ear."""
        if self.ear_weight <= 0:
            return np.full(len(scores), np.nan)
        return 2 / (1 + np.exp(-(self.ear_coef * np.asarray(scores, float) + self.ear_intercept))) - 1

    def to_dict(self) -> dict:
        """JSON-ready form (what ``models/music_emotion.json`` holds beside the report)."""
        return asdict(self)


def music_model_path() -> Path:
    """Where the trained music-emotion model lives (``models/music_emotion.json``).

    Notebook: 03_training.ipynb
    """
    return model_path("music_emotion.json")


def load_music_model(path: str | Path | None = None) -> MusicModel | None:
    """The trained music-emotion model, or None when the file is missing.

    Used by: :mod:`compose.metrics`, :mod:`feature_extraction.library` and 3 more
    """
    path = Path(path) if path else music_model_path()
    if not path.is_file():
        return None
    d = json.loads(path.read_text())["model"]
    return MusicModel(**{f.name: d[f.name] for f in fields(MusicModel) if f.name in d})
