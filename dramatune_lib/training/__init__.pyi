"""Type stub of the stage: the names it offers, for type checkers and for lazy_loader."""

from .debian import fetch_debian
from .music_corpus import (
    CONTEXT_VA,
    SIGN_TARGET,
    SOUNDTRACKS,
    MusicClip,
    Soundtrack,
    soundtrack_clips,
    soundtrack_features,
)
from .music_model import (
    MUSIC_MODEL_C,
    PRIOR_WEIGHT,
    MusicModelReport,
    fit_music_model,
    music_corpus_table,
    music_model_table,
    save_music_model,
    train_music_model,
)
from .sound_corpus import (
    CORPUS_VERSION,
    DEBIAN_SOURCES,
    PER_SOURCE,
    LabelledClip,
    corpus_table,
    debian_clips,
    demo_music_clips,
    sound_corpus,
    synth_other,
    synth_speech,
)
from .sound_model import SoundModelReport, clip_features, save_sound_model, train_sound_classifier

__all__ = [
    "CONTEXT_VA",
    "CORPUS_VERSION",
    "DEBIAN_SOURCES",
    "LabelledClip",
    "MUSIC_MODEL_C",
    "MusicClip",
    "MusicModelReport",
    "PER_SOURCE",
    "PRIOR_WEIGHT",
    "SIGN_TARGET",
    "SOUNDTRACKS",
    "SoundModelReport",
    "Soundtrack",
    "clip_features",
    "corpus_table",
    "debian_clips",
    "demo_music_clips",
    "fetch_debian",
    "fit_music_model",
    "music_corpus_table",
    "music_model_table",
    "save_music_model",
    "save_sound_model",
    "sound_corpus",
    "soundtrack_clips",
    "soundtrack_features",
    "synth_other",
    "synth_speech",
    "train_music_model",
    "train_sound_classifier",
]
