"""Stage 02 · the words that come with a track (tags, file and folder names) as a cue."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..circumplex import clip_va
from ..schema import TrackFeatures

#: Tags read from a track's metadata (ID3, Vorbis comments, MP4 atoms, FLAC, WAV; through tinytag).
WORD_TAGS = ("title", "album", "genre", "mood", "comment", "description", "keywords", "grouping")


#: Arousal of mood words common in music libraries' folder names, titles and tags, in [-1, 1].
#: Chosen by hand: no lexicon with published arousal ratings ships offline here (valence comes
#: from VADER's published ratings, :func:`word_valence`). High: words of fight, danger, drive
#: and celebration; low: words of rest, sorrow and stillness (Russell 1980's circumplex words
#: and their everyday synonyms).
MOOD_AROUSAL: dict[str, float] = {
    **{
        w: 0.7
        for w in (
            "epic",
            "battle",
            "war",
            "fight",
            "combat",
            "action",
            "chase",
            "tension",
            "tense",
            "suspense",
            "horror",
            "scary",
            "fear",
            "angry",
            "aggressive",
            "energetic",
            "upbeat",
            "intense",
            "danger",
            "attack",
            "boss",
            "storm",
            "adventure",
            "triumph",
            "triumphant",
            "victory",
            "victorious",
            "heroic",
            "festival",
            "dance",
            "party",
            "rock",
            "thriller",
            "panic",
            "excited",
            "exciting",
            "warriors",
            "warrior",
            "rage",
            "fury",
            "conflict",
            "chaos",
            "alarm",
            "anthem",
        )
    },
    **{
        w: -0.7
        for w in (
            "calm",
            "peaceful",
            "peace",
            "relax",
            "relaxing",
            "chill",
            "ambient",
            "soft",
            "gentle",
            "sad",
            "melancholy",
            "melancholic",
            "lament",
            "sorrow",
            "sorrows",
            "tears",
            "sleep",
            "lullaby",
            "slow",
            "quiet",
            "dream",
            "dreamy",
            "gloomy",
            "meditation",
            "romantic",
            "nocturne",
            "elegy",
            "requiem",
            "farewell",
            "idyll",
            "pastoral",
            "serene",
            "tranquil",
            "lonely",
            "grief",
            "mourning",
            "rest",
            "soothing",
            "mellow",
            "somber",
            "sombre",
            "epitaph",
        )
    },
}


#: Valence of mood words that VADER's lexicon lacks, in [-1, 1] (chosen by hand, same sources).
MOOD_VALENCE: dict[str, float] = {
    "victory": 0.6,
    "victorious": 0.6,
    "uplifting": 0.6,
    "upbeat": 0.4,
    "dark": -0.4,
    "suspense": -0.3,
    "thriller": -0.3,
    "elegy": -0.5,
    "requiem": -0.5,
    "mourning": -0.6,
    "somber": -0.4,
    "sombre": -0.4,
    "epitaph": -0.4,
    "boss": -0.3,
}


#: Confidence a words cue gains per word that speaks to an axis, and its most (chosen by hand:
#: one clear mood word in a folder name is good evidence, a pile of them is not certainty).
WORD_CONFIDENCE, WORD_CONFIDENCE_MAX = 0.35, 0.7


def read_tags(path: str | Path) -> dict[str, str]:
    """The track's mood-bearing tags (:data:`WORD_TAGS`) as text, read with tinytag; {} when the
    file has none or they cannot be read. Values that hold no words (encoder settings, hex
    numbers, web addresses) are dropped.

    Used by: :mod:`feature_extraction.tracks`
    """
    from tinytag import TinyTag

    try:
        tag = TinyTag.get(str(path))
    except Exception:  # a tag reader's error never stops an index
        return {}
    out = {}
    for key in WORD_TAGS:
        value = getattr(tag, key, None) if key in ("title", "album", "genre", "comment") else None
        other: dict = tag.other or {}
        value = value or other.get(key)
        text = " ".join(str(v) for v in value) if isinstance(value, list) else str(value or "")
        if re.search(r"[A-Za-z]{3,}", text) and "http" not in text:
            out[key] = text.strip()[:200]
    return out


_VADER: dict[str, float] | None = None


def word_valence(word: str) -> float | None:
    """A word's valence in [-1, 1]: VADER's published mean rating (Hutto & Gilbert 2014, ten
    raters, -4..4, divided by 4), else :data:`MOOD_VALENCE`; None for a word of neither.

    Used by: :func:`music_words_cue`
    """
    global _VADER  # a read-only lexicon, loaded once
    if _VADER is None:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        _VADER = dict(SentimentIntensityAnalyzer().lexicon)
    w = word.lower()
    for cand in (w, w[:-1] if w.endswith("s") else w):
        if cand in MOOD_VALENCE:
            return MOOD_VALENCE[cand]
        if cand in _VADER:
            return float(np.clip(_VADER[cand] / 4, -1, 1))
    return None


def words_of_track(t: TrackFeatures, folder: str | Path | None = None) -> list[str]:
    """The words that come with a track: the folders between the library ``folder`` and the file
    (libraries arrive sorted into "Sad", "Epic", "Tension"), the file's title and its tags.

    Notebook: 02_feature_extraction.ipynb
    """
    p = Path(t.path)
    parts: list[str] = []
    if folder is not None:
        try:
            parts += list(p.parent.relative_to(folder).parts)
        except ValueError:
            pass
    parts.append(t.title)
    parts += list((t.tags or {}).values())
    return [w.lower() for part in parts for w in re.findall(r"[A-Za-z]{3,}", re.sub(r"(?<=[a-z])(?=[A-Z])", " ", part))]


@dataclass
class WordsReading:
    """What the words that come with a track say of its mood, with a confidence per axis."""

    valence: float
    arousal: float
    valence_confidence: float
    arousal_confidence: float
    words: list[str]  # the words that spoke


def music_words_cue(words: list[str]) -> WordsReading | None:
    """The mood the words give a track: the mean valence (:func:`word_valence`) and arousal
    (:data:`MOOD_AROUSAL`) of the words that have one, each axis with a confidence of
    :data:`WORD_CONFIDENCE` per such word (at most :data:`WORD_CONFIDENCE_MAX`); None when no
    word speaks.

    Notebook: 02_feature_extraction.ipynb
    """
    vals = [(w, v) for w in words if (v := word_valence(w)) is not None and abs(v) >= 0.1]
    aros = [(w, MOOD_AROUSAL[w]) for w in words if w in MOOD_AROUSAL]
    if not vals and not aros:
        return None
    return WordsReading(
        valence=clip_va(float(np.mean([x for _, x in vals]))) if vals else 0.0,
        arousal=clip_va(float(np.mean([x for _, x in aros]))) if aros else 0.0,
        valence_confidence=min(WORD_CONFIDENCE_MAX, WORD_CONFIDENCE * len(vals)),
        arousal_confidence=min(WORD_CONFIDENCE_MAX, WORD_CONFIDENCE * len(aros)),
        words=sorted({w for w, _ in vals + aros}),
    )
