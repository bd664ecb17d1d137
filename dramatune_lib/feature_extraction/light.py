"""Stage 02 · light as cinematographers use it: brightness, colour, colour temperature and contrast."""

from __future__ import annotations

import numpy as np

from ..circumplex import Cue, clip_va
from .weights import CUE_CONFIDENCE, SCENE_WEIGHTS

#: The light cue's base, from Valdez, P. & Mehrabian, A. (1994), "Effects of color on emotions",
#: Journal of Experimental Psychology: General 123(4), 394-409: pleasure = .69 brightness + .22
#: saturation, arousal = -.31 brightness + .60 saturation (standardised regression weights).
LIGHT_PLEASURE = (0.69, 0.22)


LIGHT_AROUSAL = (-0.31, 0.60)


#: A frame's brightness and colourfulness that read neutral, and the factor that takes the
#: weights above to the plane's -1..1 (chosen by hand: an everyday daylight frame reads near 0).
LIGHT_MID = (0.4, 0.2)


LIGHT_SCALE = 3.0


#: Dim and low-key lighting and colour temperature, as cinematographers use them (Bordwell, D. &
#: Thompson, K., Film Art, ch. 5: low-key light, dark with hard contrast, for drama and menace,
#: high-key for lightness; Bellantoni, P. (2005), If It's Purple, Someone's Gonna Die: warm light
#: for intimacy and romance, cold blue light for isolation and dread). How dark a frame must be to
#: count as dim, how hard its contrast to count as low-key, and how far warm or cold light then
#: moves it are chosen by hand: warm dim light reads intimate (pleasant, calmer); cold dim light
#: reads gloomy when flat and menacing when hard.
DIM_BRIGHTNESS, HARD_CONTRAST = 0.35, 0.25


WARM_INTIMACY = (1.2, -0.4)  # valence and arousal added when fully dim and fully warm


COLD_GLOOM = (-0.8, -0.3)  # ... fully dim, fully cold and flat


COLD_MENACE = (-0.8, 0.4)  # ... fully dim, fully cold and hard


#: (R - B) / (R + B) of a frame's pixels, weighted by their lightness, that counts as fully warm or
#: fully cold (chosen by hand: candle and tungsten light reach about 0.5, blue night grading -0.3).
WARMTH_FULL = 0.5


def warmth_of(frame_bgr: np.ndarray) -> float:
    """Colour temperature of a frame, -1 (cold, blue) to 1 (warm, amber): the lightness-weighted
    mean of (R - B) / (R + B), over :data:`WARMTH_FULL`, clipped.

    Used by: :mod:`feature_extraction.picture`
    """
    f = frame_bgr.astype(np.float32)
    b, r = f[..., 0], f[..., 2]
    light = f.max(axis=2) + 1e-6
    return float(np.clip((((r - b) / (r + b + 1e-6)) * light).sum() / light.sum() / WARMTH_FULL, -1, 1))


#: How the cue's detail names the lighting (words only; the reading does not use them): low-key or
#: dim from half of DIM_BRIGHTNESS's dimness (and half of HARD_CONTRAST), high-key above
#: HIGH_KEY's brightness and under its contrast, warm or cold beyond TONE_NAMED warmth (chosen by hand).
NAMED_FROM, HIGH_KEY, TONE_NAMED = 0.5, (0.6, 0.15), 0.2


def light_cue(brightness: float, colourfulness: float, warmth: float = 0.0, contrast: float = 0.0) -> Cue:
    """Light and colour as a cinematographer uses them: bright pictures read pleasant and saturated
    ones lively (:data:`LIGHT_PLEASURE`, :data:`LIGHT_AROUSAL`); in dim light warm light reads
    intimate (:data:`WARM_INTIMACY`), cold light gloomy when flat (:data:`COLD_GLOOM`) and
    menacing when hard, low-key (:data:`COLD_MENACE`).

    Used by: :mod:`feature_extraction.fusion`
    """
    db, dc = brightness - LIGHT_MID[0], colourfulness - LIGHT_MID[1]
    v = LIGHT_SCALE * (LIGHT_PLEASURE[0] * db + LIGHT_PLEASURE[1] * dc)
    a = LIGHT_SCALE * (LIGHT_AROUSAL[0] * db + LIGHT_AROUSAL[1] * dc)
    dim = min(1.0, max(0.0, (DIM_BRIGHTNESS - brightness) / DIM_BRIGHTNESS))
    hard = min(1.0, contrast / HARD_CONTRAST)
    warm, cold = dim * max(0.0, warmth), dim * max(0.0, -warmth)
    for share, (dv, da) in ((warm, WARM_INTIMACY), (cold * (1 - hard), COLD_GLOOM), (cold * hard, COLD_MENACE)):
        v, a = v + share * dv, a + share * da
    key = (
        "low-key "
        if dim >= NAMED_FROM and hard >= NAMED_FROM
        else "dim "
        if dim >= NAMED_FROM
        else "high-key "
        if brightness > HIGH_KEY[0] and contrast < HIGH_KEY[1]
        else ""
    )
    tone = "warm" if warmth > TONE_NAMED else "cold" if warmth < -TONE_NAMED else "neutral"
    return Cue(
        "light",
        clip_va(v),
        clip_va(a),
        CUE_CONFIDENCE["light"],
        SCENE_WEIGHTS["light"],
        f"{key}{tone} light: brightness {brightness:.2f}, colourfulness {colourfulness:.2f}, "
        f"warmth {warmth:+.2f}, contrast {contrast:.2f}",
    )
