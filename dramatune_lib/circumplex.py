"""The valence–arousal circumplex: the common language between picture and music.

Every cue (a face, the light, the pace, the sound; a track's features) becomes a :class:`Cue`:
valence and arousal in [-1, 1] with a confidence in [0, 1]. Cues are fused by a weighted mean in
which each weight is multiplied by the cue's confidence, so a missing cue (no face, no audio)
counts for nothing instead of being guessed. The discrete emotion label is derived from the fused
point, never the other way round.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

#: Positions of fer's seven classes on the circumplex, (valence, arousal).
#: Angles approximate the placements of "happy/pleased", "astonished", "afraid", "angry",
#: "sad" and the neutral centre in Russell, J. A. (1980), "A circumplex model of affect",
#: Journal of Personality and Social Psychology 39(6), 1161-1178, Fig. 2. "Disgust" is not on
#: that figure; it is placed between angry and sad (unpleasant, moderately aroused), as
#: most FER-to-circumplex mappings do. Issue #3 refines these with a cited table.
EMOTION_VA: dict[str, tuple[float, float]] = {
    "happy": (0.80, 0.35),
    "surprise": (0.25, 0.85),
    "fear": (-0.60, 0.70),
    "angry": (-0.70, 0.60),
    "disgust": (-0.70, 0.20),
    "sad": (-0.70, -0.40),
    "neutral": (0.0, 0.0),
}

#: Labels used to name a fused point. fer's classes leave the calm, pleasant quadrant empty,
#: so "calm" (Russell's "relaxed/serene", about 320 degrees) and "tense" are added for scenes
#: and music.
LABEL_VA: dict[str, tuple[float, float]] = {
    **EMOTION_VA,
    "calm": (0.55, -0.55),
    "tense": (-0.35, 0.80),
    "gloomy": (-0.45, -0.75),
}


@dataclass(frozen=True)
class Cue:
    """One source's reading of the scene or track on the circumplex.

    Notebook: 02_feature_extraction.ipynb
    """

    name: str
    valence: float
    arousal: float
    confidence: float
    weight: float = 1.0
    detail: str = ""


def clip_va(x: float) -> float:
    """Clip a value to the circumplex range [-1, 1].

    Notebook: 02_feature_extraction.ipynb
    """
    return float(min(1.0, max(-1.0, x)))


def fuse(cues: list[Cue]) -> tuple[float, float, float]:
    """Fuse cues into one (valence, arousal, confidence).

    Each cue counts with ``weight * confidence``; the fused confidence is the weighted mean
    confidence, so a scene read from fewer or weaker cues is less certain.

    Notebook: 02_feature_extraction.ipynb
    """
    total_w = sum(c.weight for c in cues)
    eff = [(c.weight * c.confidence, c) for c in cues if c.confidence > 0]
    s = sum(w for w, _ in eff)
    if s <= 0 or total_w <= 0:
        return 0.0, 0.0, 0.0
    v = sum(w * c.valence for w, c in eff) / s
    a = sum(w * c.arousal for w, c in eff) / s
    return clip_va(v), clip_va(a), float(s / total_w)


def label_for(valence: float, arousal: float) -> str:
    """The discrete emotion nearest to a circumplex point ("neutral" near the centre).

    Notebook: 02_feature_extraction.ipynb
    """
    if math.hypot(valence, arousal) < 0.15:
        return "neutral"
    return min(
        (k for k in LABEL_VA if k != "neutral"),
        key=lambda k: math.hypot(LABEL_VA[k][0] - valence, LABEL_VA[k][1] - arousal),
    )


def quadrant(valence: float, arousal: float) -> str:
    """Name of the circumplex quadrant a point lies in.

    Notebook: 01_dataset_prep.ipynb
    """
    return ("positive" if valence >= 0 else "negative") + "-" + (
        "high" if arousal >= 0 else "low"
    )


def emotions_to_va(probs: dict[str, float]) -> tuple[float, float]:
    """Map fer's seven class probabilities to a circumplex point (probability-weighted mean).

    Notebook: 02_feature_extraction.ipynb
    """
    total = sum(probs.values())
    if total <= 0:
        return 0.0, 0.0
    v = sum(p * EMOTION_VA[k][0] for k, p in probs.items()) / total
    a = sum(p * EMOTION_VA[k][1] for k, p in probs.items()) / total
    return clip_va(v), clip_va(a)
