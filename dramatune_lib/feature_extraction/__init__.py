"""Stage 02: what a scene and a music track look and sound like, on the circumplex.

Scene analysis (:func:`analyze_scene`) streams a video once, samples frames at ``fps``
(default 2 per second) and reads four cues:

- **faces**: fer's seven class probabilities on each sampled frame, weighted by face area,
  mapped onto the circumplex (:data:`circumplex.EMOTION_VA`);
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
- :mod:`.faces`, :mod:`.words`, :mod:`.sound`, :mod:`.light`, :mod:`.picture`, :mod:`.voices`: one per cue;
- :mod:`.fusion`: :func:`analyze_scene`, the cues fused into one point, and the tables of notebook 02;
- :mod:`.tracks`, :mod:`.music_words`, :mod:`.music_emotion`: a track measured and placed;
- :mod:`.library`: a folder indexed, cached and placed as one library.
"""

from .weights import SCENE_WEIGHTS, CUE_AXES
from .faces import FER_CLASSES, load_fer, face_detector, FaceReading, read_faces
from .words import Line, decode_text, read_subtitles, words_cue
from .sound import (
    SOUND_CLASSES,
    SOUND_SR,
    ST_WIN,
    ST_STEP,
    MT_WIN,
    SILENCE_DB,
    ST_FEATURES,
    filterbanks,
    dct_matrix,
    short_term_features,
    mid_term_features,
    sound_model_path,
    SoundClassifier,
    load_sound_model,
    SoundTrack,
    listen,
    VOICE_PITCH_HZ,
    VOICE_PITCH_MAX_S,
    pitch_range,
    speech_rate,
)
from .light import (
    LIGHT_PLEASURE,
    LIGHT_AROUSAL,
    LIGHT_MID,
    LIGHT_SCALE,
    DIM_BRIGHTNESS,
    HARD_CONTRAST,
    WARM_INTIMACY,
    COLD_GLOOM,
    COLD_MENACE,
    WARMTH_FULL,
    warmth_of,
    light_cue,
)
from .picture import (
    MOTION_FULL,
    CUTS_FULL,
    MAX_ANALYSIS_RATE,
    CUT_WIDTH,
    FLOW_WIDTH,
    FLOW_RATE,
    FACE_DETECT_SIDE,
    MIN_FACE_SHARE,
    HAAR_WINDOW,
    MIN_VISUAL_MOTION,
    PictureTrack,
    FaceFinder,
    watch_video,
    find_cuts,
    TEMPO_PRIOR_BPM,
    TEMPO_PRIOR_OCTAVES,
    TEMPO_WINDOW_S,
    tempo_estimate,
    visual_tempo,
    pace_of,
)
from .voices import (
    VOICE_NEUTRAL,
    VOICE_CONFIDENCE,
    voice_cue,
    SCENE_MUSIC_MIN_S,
    SCENE_MUSIC_MAX_S,
    SCENE_MUSIC_CONFIDENCE,
    scene_music_cue,
)
from .fusion import analyze_scene, fuse_axes, fusion_steps, fusion_table, cue_table
from .tracks import (
    FEATURES_VERSION,
    SR,
    MAX_ANALYSIS_SECONDS,
    HOP,
    BeatGrid,
    N_FFT,
    SPECTRUM_BLOCK,
    onset_envelope,
    beat_grid,
    estimate_key,
    music_va,
    DESCRIPTOR_HOP,
    DESCRIPTOR_MELS,
    HPSS_KERNEL,
    DYNAMICS_WINDOW,
    REGISTER_REF_HZ,
    LOW_BAND_HZ,
    HIGH_BAND_HZ,
    sound_descriptors,
    DESCRIPTORS,
    track_features,
    energy_of,
    danceability_of,
)
from .music_words import (
    WORD_TAGS,
    MOOD_AROUSAL,
    MOOD_VALENCE,
    WORD_CONFIDENCE,
    WORD_CONFIDENCE_MAX,
    read_tags,
    word_valence,
    words_of_track,
    WordsReading,
    music_words_cue,
)
from .music_emotion import MUSIC_MODEL_FEATURES, music_feature_vector, MusicModel, music_model_path, load_music_model
from .library import (
    RELATIVE_MIN_TRACKS,
    PRIOR_CONFIDENCE,
    place_tracks,
    set_placement,
    apply_music_model,
    LibraryIndex,
    known_track,
    grid_of,
    cached_track_features,
    index_library,
    library_table,
    quadrant_agreement,
)
