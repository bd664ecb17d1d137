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

from ..signal.beats import TEMPO_PRIOR_BPM, TEMPO_PRIOR_OCTAVES, TEMPO_WINDOW_S, TIGHTNESS, beat_track, tempo_estimate
from ..signal.spectral import dct_matrix
from .blazeface import PRESENCE_MIN, BlazeFace, BlazeFaceFinder, FacePresence, model_folder
from .faces import FER_CLASSES, FaceReading, face_detector, load_fer, read_faces
from .fusion import analyze_scene, cue_table, fuse_axes, fusion_steps, fusion_table
from .library import (
    PRIOR_CONFIDENCE,
    RELATIVE_MIN_TRACKS,
    LibraryIndex,
    apply_music_model,
    cached_track_features,
    grid_of,
    index_library,
    indexed_folder,
    known_track,
    library_table,
    place_tracks,
    quadrant_agreement,
    read_indexed,
    set_placement,
)
from .light import (
    COLD_GLOOM,
    COLD_MENACE,
    DIM_BRIGHTNESS,
    HARD_CONTRAST,
    LIGHT_AROUSAL,
    LIGHT_MID,
    LIGHT_PLEASURE,
    LIGHT_SCALE,
    WARM_INTIMACY,
    WARMTH_FULL,
    light_cue,
    warmth_of,
)
from .music_emotion import MUSIC_MODEL_FEATURES, MusicModel, load_music_model, music_feature_vector, music_model_path
from .music_words import (
    MOOD_AROUSAL,
    MOOD_VALENCE,
    WORD_CONFIDENCE,
    WORD_CONFIDENCE_MAX,
    WORD_TAGS,
    WordsReading,
    music_words_cue,
    read_tags,
    word_valence,
    words_of_track,
)
from .musicnn import (
    AROUSED_TAGS,
    CALM_TAGS,
    MTT_TAGS,
    EarReading,
    MusicnnTagger,
    ear_arousal,
)
from .picture import (
    CUT_WIDTH,
    CUTS_FULL,
    FACE_DETECT_SIDE,
    FACE_FINDERS,
    FLOW_RATE,
    FLOW_WIDTH,
    HAAR_WINDOW,
    MAX_ANALYSIS_RATE,
    MIN_FACE_SHARE,
    MIN_VISUAL_MOTION,
    MOTION_FULL,
    PACE_MOTION_SHARE,
    TEMPO_AROUSAL_BPM,
    TEMPO_FLOOR_BPM,
    TEMPO_PACE_BPM,
    TEMPO_SPAN,
    FaceFinder,
    PictureTrack,
    find_cuts,
    pace_cue,
    pace_of,
    target_tempo,
    visual_tempo,
    watch_video,
)
from .sound import (
    MT_WIN,
    SILENCE_DB,
    SOUND_CLASSES,
    SOUND_SR,
    ST_FEATURES,
    ST_STEP,
    ST_WIN,
    VOICE_PITCH_HZ,
    VOICE_PITCH_MAX_S,
    SoundClassifier,
    SoundTrack,
    filterbanks,
    listen,
    load_sound_model,
    mid_term_features,
    pitch_range,
    short_term_features,
    sound_model_path,
    speech_rate,
)
from .tracks import (
    DESCRIPTOR_HOP,
    DESCRIPTOR_MELS,
    DESCRIPTORS,
    DYNAMICS_WINDOW,
    FEATURES_VERSION,
    HIGH_BAND_HZ,
    HOP,
    HPSS_KERNEL,
    LOW_BAND_HZ,
    MAX_ANALYSIS_SECONDS,
    N_FFT,
    REGISTER_REF_HZ,
    SPECTRUM_BLOCK,
    SR,
    BeatGrid,
    beat_grid,
    danceability_of,
    energy_of,
    estimate_key,
    music_va,
    onset_envelope,
    sound_descriptors,
    tempo_confidence,
    track_features,
)
from .voices import (
    SCENE_MUSIC_CONFIDENCE,
    SCENE_MUSIC_MAX_S,
    SCENE_MUSIC_MIN_S,
    VOICE_CONFIDENCE,
    VOICE_NEUTRAL,
    scene_music_cue,
    voice_cue,
)
from .weights import (
    CUE_AXES,
    CUE_CONFIDENCE,
    SCENE_WEIGHTS,
    SOUND_NEUTRAL_DB,
    SOUND_SPAN_DB,
    WORDS_CONFIDENCE_COVERAGE,
    WORDS_CONFIDENCE_FLOOR,
)
from .words import Line, decode_text, read_subtitles, words_confidence, words_cue
