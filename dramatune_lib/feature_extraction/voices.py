"""Stage 02 · the scene's own music and voices as cues: music placed by the music model, speech by its prosody."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..circumplex import Cue, clip_va
from ..media import decode_audio
from .library import place_tracks
from .music_emotion import load_music_model
from .sound import SoundTrack
from .tracks import SR, track_features
from .weights import SCENE_WEIGHTS

#: Speech prosody and arousal (Juslin, P. N. & Laukka, P. (2003), "Communication of emotions in
#: vocal expression and music performance", Psychological Bulletin 129(5), 770-814: aroused voices
#: speak faster, with a wider pitch range, louder). Each measure's neutral value and the change
#: that counts as a full step are chosen by hand: 4.5 syllables a second (conversational English,
#: Pellegrino et al. 2011 measure 6.2 for read speech) +- 2.5; a 6-semitone range +- 6; -28 dBFS +- 12.
VOICE_NEUTRAL = {"rate": (4.5, 2.5), "range": (6.0, 6.0), "level": (-28.0, 12.0)}


#: A voice cue's confidence when the whole scene is speech (chosen by hand, as the other cues').
VOICE_CONFIDENCE = 0.5


def voice_cue(sound: SoundTrack) -> Cue | None:
    """The scene's speech as a cue to arousal: its rate, pitch range and level against
    :data:`VOICE_NEUTRAL`, averaged; its confidence grows with the share of seconds that are
    speech. None without speech.

    Used by: :mod:`feature_extraction.fusion`
    """
    if not sound.classes or not sound.speech_rate:
        return None
    share = sound.classes.count("speech") / len(sound.classes)
    measured = {"rate": sound.speech_rate, "range": sound.pitch_range, "level": sound.speech_db}
    steps = [(x - mid) / span for k, (mid, span) in VOICE_NEUTRAL.items() if (x := measured[k]) is not None]
    pitch = f", pitch range {sound.pitch_range:.0f} semitones" if sound.pitch_range is not None else ""
    return Cue(
        "voice",
        0.0,
        clip_va(float(np.mean(steps))),
        VOICE_CONFIDENCE * share,
        SCENE_WEIGHTS["voice"],
        f"speech in {share:.0%} of the scene: {sound.speech_rate:.1f} syllables/s{pitch}, {sound.speech_db:.0f} dBFS",
    )


#: Music must be heard for this many consecutive seconds to be read (chosen by hand: two bars at
#: 60 BPM, the least the tempo and mode can be measured on).
SCENE_MUSIC_MIN_S = 4


#: At most this much of it is measured, seconds (chosen by hand: enough for tempo, mode and
#: texture; a whole 10-minute scene's music held 570 MB more at the peak).
SCENE_MUSIC_MAX_S = 30


#: A scene-music cue's confidence when music plays under the whole scene (chosen by hand: the music
#: model orders real soundtracks' arousal at AUC 0.84 and their valence less surely, notebook 04).
SCENE_MUSIC_CONFIDENCE = 0.5


def scene_music_cue(path: str | Path, classes: list[str]) -> Cue | None:
    """The music already under the scene (a temp track, a song) as a cue: the longest run of
    seconds the sound classifier hears as music, measured as a library track is
    (:func:`track_features`) and placed by the music model; its confidence grows with the share
    of the scene the music covers. None when no run reaches :data:`SCENE_MUSIC_MIN_S`.

    Used by: :mod:`feature_extraction.fusion`
    """
    runs, start = [], None
    for k, c in enumerate([*classes, ""]):
        if c == "music" and start is None:
            start = k
        elif c != "music" and start is not None:
            runs.append((start, k))
            start = None
    if not runs or max(b - a for a, b in runs) < SCENE_MUSIC_MIN_S:
        return None
    a, b = max(runs, key=lambda r: r[1] - r[0])
    b = min(b, a + SCENE_MUSIC_MAX_S)
    y = decode_audio(path, sr=SR, max_seconds=b)[a * SR : b * SR]
    if y.size < SR * SCENE_MUSIC_MIN_S or float(np.abs(y).max()) < 1e-4:
        return None
    track = place_tracks([track_features(path, audio=y)], load_music_model(), words=False)[0]
    share = classes.count("music") / len(classes)
    return Cue(
        "music",
        track.valence,
        track.arousal,
        SCENE_MUSIC_CONFIDENCE * share,
        SCENE_WEIGHTS["music"],
        f"music under {share:.0%} of the scene ({a}-{b} s): {track.emotion}, {track.mode}, {track.tempo:.0f} BPM",
    )
