"""Stage 02: what a scene and a music track look and sound like, on the circumplex.

Scene analysis (:func:`analyze_scene`) streams a video once, samples frames at ``fps``
(default 2 per second) and reads four cues:

- **faces**: found by BlazeFace and confirmed by mediapipe's face-landmark model (:mod:`.blazeface`),
  fer's seven class probabilities on each sampled frame, weighted by face area, mapped onto the
  circumplex (:data:`circumplex.EMOTION_VA`);
- **light**: brightness and saturation (bright -> pleasant, saturated -> lively), and dim or
  low-key lighting by its colour temperature (warm -> intimate, cold -> gloomy or menacing);
- **pace**: motion energy between sampled frames and hard cuts found by scenedetect;
- **sound**: the loudness of the scene's own audio (louder -> more aroused).

Track analysis (:func:`track_features`) measures tempo, beats and bars, key and mode, loudness
(LUFS) and loudness range, brightness, onset density, energy and danceability, sound descriptors
that ignore the mastering level (:func:`sound_descriptors`) and the track's tags.
:func:`index_library` runs it over a folder in parallel (joblib) with a cache keyed by path, size
and mtime, then :func:`place_tracks` puts each track on the circumplex: the music model trained in
notebook 03 (or the music-psychology priors of :func:`music_va`: mode -> valence; tempo, loudness
and onset density -> arousal), the words that come with the track, a confidence per axis, and each
track's rank within its library.

The stage in modules, scene first, then music:

- :mod:`.weights`: how much each scene cue counts, and on which axes;
- :mod:`.blazeface`: the face finder;
- :mod:`.faces`, :mod:`.words`, :mod:`.sound`, :mod:`.light`, :mod:`.picture`, :mod:`.voices`: one per cue;
- :mod:`.fusion`: :func:`analyze_scene`, the cues fused into one point, and the tables of notebook 02;
- :mod:`.tracks`, :mod:`.music_words`, :mod:`.music_emotion`: a track measured and placed;
- :mod:`.library`: a folder indexed, cached and placed as one library.
"""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)
