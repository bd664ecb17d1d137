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

#: Positions of fer's seven classes on the circumplex, (valence, arousal): the pleasure and
#: arousal coordinates of the six basic emotions measured by Russell, J. A. & Mehrabian, A.
#: (1977), "Evidence for a three-factor theory of emotions", Journal of Research in
#: Personality 11(3), 273-294, as tabulated for Ekman's six in Hoffmann, H. et al. (2012),
#: "Mapping discrete emotions into the dimensional space: an empirical approach", IEEE SMC,
#: 3316-3320 (joy 0.76/0.48, surprise 0.40/0.67, fear -0.64/0.60, anger -0.51/0.59,
#: disgust -0.60/0.35, sadness -0.63/-0.27; the dominance axis is dropped). fer's "neutral"
#: is the circumplex's origin by definition. The scale is the study's own: -1 to 1 per axis.
EMOTION_VA: dict[str, tuple[float, float]] = {
    "happy": (0.76, 0.48),
    "surprise": (0.40, 0.67),
    "fear": (-0.64, 0.60),
    "angry": (-0.51, 0.59),
    "disgust": (-0.60, 0.35),
    "sad": (-0.63, -0.27),
    "neutral": (0.0, 0.0),
}

#: Labels used to name a fused point. fer's classes leave the calm, pleasant quadrant and the
#: low-arousal unpleasant corner empty, so three labels are added for scenes and music: "calm"
#: (Russell 1980's "relaxed"/"serene", about 320 degrees), "tense" (Russell's "tense"/"alarmed",
#: about 95 degrees) and "gloomy" (Russell's "gloomy"/"depressed", about 210 degrees, further out
#: and lower than sadness).
LABEL_VA: dict[str, tuple[float, float]] = {
    **EMOTION_VA,
    "calm": (0.55, -0.55),
    "tense": (-0.35, 0.80),
    "gloomy": (-0.45, -0.75),
}


#: Music named in music's words: the nine emotions of the Geneva Emotional Music Scale (GEMS;
#: Zentner, Grandjean & Scherer 2008, "Emotions evoked by the sound of music", Emotion 8(4),
#: 494-521), the feelings listeners report music evokes. Their points, (valence, arousal), are
#: placed by hand after the arrangement of the nine in valence and arousal ratings reported by
#: Trost, Ethofer, Zentner & Vuilleumier (2012), "Mapping aesthetic musical emotions in the
#: brain", Cerebral Cortex 22(12), 2769-2783: joyful activation, power and tension aroused
#: (tension unpleasant), peacefulness, tenderness, nostalgia and sadness calm (sadness
#: unpleasant), wonder and transcendence between. fer's face classes stay for faces.
MUSIC_VA: dict[str, tuple[float, float]] = {
    "joyful activation": (0.65, 0.60),
    "power": (0.20, 0.75),
    "tension": (-0.55, 0.60),
    "wonder": (0.60, 0.20),
    "transcendence": (0.35, -0.05),
    "tenderness": (0.55, -0.40),
    "peacefulness": (0.45, -0.70),
    "nostalgia": (0.00, -0.45),
    "sadness": (-0.55, -0.45),
}


@dataclass(frozen=True)
class Cue:
    """One source's reading of the scene or track on the circumplex.

    *Cue* here is the psychologist's word: a piece of evidence about emotion (a face, the light).
    A piece of music fitted to a scene is a cue in the film editor's sense; DramaTune calls that a
    *music cue* (:class:`fit_and_export.FittedCue`, the cue sheet) and never mixes the two.

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

    Used by: :mod:`feature_extraction.fusion`, :mod:`feature_extraction.light` and 4 more
    """
    return float(min(1.0, max(-1.0, x)))


def fuse(cues: list[Cue]) -> tuple[float, float, float]:
    """Fuse cues into one (valence, arousal, confidence).

    Each cue counts with ``weight * confidence``; the fused confidence is the weighted mean
    confidence, so a scene read from fewer or weaker cues is less certain.

    Used by: :mod:`feature_extraction.fusion`
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

    Used by: :mod:`evaluation.demo_cases`, :mod:`evaluation.real_music`
    """
    if math.hypot(valence, arousal) < 0.15:
        return "neutral"
    return min(
        (k for k in LABEL_VA if k != "neutral"),
        key=lambda k: math.hypot(LABEL_VA[k][0] - valence, LABEL_VA[k][1] - arousal),
    )


def music_label_for(valence: float, arousal: float) -> str:
    """The GEMS emotion (:data:`MUSIC_VA`) nearest to a track's point on the circumplex
    ("neutral" near the centre, as :func:`label_for`).

    Used by: :mod:`feature_extraction.library`, :mod:`feature_extraction.tracks`
    """
    if math.hypot(valence, arousal) < 0.15:
        return "neutral"
    return min(MUSIC_VA, key=lambda k: math.hypot(MUSIC_VA[k][0] - valence, MUSIC_VA[k][1] - arousal))


#: Below this confidence an axis of a reading is unclear, and the mood names both readings it
#: could be (chosen by hand: a scene read from the light alone, with no face and no words, falls
#: under it: its valence confidence is 0.15). The matcher spans an unclear valence too.
AXIS_UNCLEAR = 0.3
#: The two moods named when the valence is unclear, by the arousal's side, and when the arousal
#: is unclear, by the valence's side (each pair from Russell 1980's circle on that side).
UNCLEAR_VALENCE = {"high": ("exhilarating", "tense"), "low": ("calm", "gloomy")}
UNCLEAR_AROUSAL = {"pleasant": ("calm", "happy"), "unpleasant": ("gloomy", "tense")}


def mood_for(valence: float, arousal: float, valence_confidence: float, arousal_confidence: float) -> str:
    """The reading in words that admit doubt: the nearest emotion (:func:`label_for`) when both
    axes are clear; the two moods it could be, the one it leans to first, when one axis is
    unclear (confidence under :data:`AXIS_UNCLEAR`): "exhilarating or tense, valence unclear".

    Used by: :mod:`compose.scenes`, :mod:`feature_extraction.fusion`
    """
    v_clear, a_clear = valence_confidence >= AXIS_UNCLEAR, arousal_confidence >= AXIS_UNCLEAR
    if v_clear and a_clear:
        return label_for(valence, arousal)
    if not (v_clear or a_clear):
        return "unclear: too little to read"
    if not v_clear:
        bright, dark = UNCLEAR_VALENCE["high" if arousal >= 0 else "low"]
        first, second = (bright, dark) if valence >= 0 else (dark, bright)
        return f"{first} or {second}, valence unclear"
    quiet, lively = UNCLEAR_AROUSAL["pleasant" if valence >= 0 else "unpleasant"]
    first, second = (quiet, lively) if arousal < 0 else (lively, quiet)
    return f"{first} or {second}, arousal unclear"


def quadrant(valence: float, arousal: float) -> str:
    """Name of the circumplex quadrant a point lies in.

    Used by: :mod:`compose.metrics`, :mod:`dataset_prep.demo`, :mod:`evaluation.demo_cases` and 2 more
    """
    return ("positive" if valence >= 0 else "negative") + "-" + ("high" if arousal >= 0 else "low")


def emotions_to_va(probs: dict[str, float]) -> tuple[float, float]:
    """Map fer's seven class probabilities to a circumplex point (probability-weighted mean).

    Used by: :mod:`feature_extraction.fusion`
    """
    total = sum(probs.values())
    if total <= 0:
        return 0.0, 0.0
    v = sum(p * EMOTION_VA[k][0] for k, p in probs.items()) / total
    a = sum(p * EMOTION_VA[k][1] for k, p in probs.items()) / total
    return clip_va(v), clip_va(a)
