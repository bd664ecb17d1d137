"""Stage 01: the embedded demo data, generated offline and deterministically.

- A music library of 28 cues (20-40 s) spread over the four quadrants of the circumplex,
  written by :mod:`dramatune_lib.compose` (60-180 BPM, major and minor, soft and loud, five
  instrumentations), each with its MIDI and the parameters it was made with in ``cues.json``.
- Three scenes of 10-12 s: a real smiling face moving slowly (``skimage.data.astronaut()``,
  public domain), a dark slow scene with no face, and a bright scene with fast motion and hard
  cuts at known times (``scenes.json`` lists them).

Everything is generated into :func:`config.demo_dir` (a cache, never committed) by
``make setup`` or on first use.

The stage in modules: :mod:`.demo` (the demo library and scenes), :mod:`.composer` (the cue
composer that writes the library; notebook 06 builds on it) and :mod:`.datasets` (the report's
datasets, when present). ``python -m dramatune_lib.pipeline --warm`` builds the data and warms
the caches.
"""

from .composer import (
    DRIVING_FROM,
    HATS_SIXTEENTHS_FROM,
    INSTRUMENTS,
    MELODY_EIGHTHS_FROM,
    MELODY_REST,
    MELODY_STEPS,
    NOTE_NAMES,
    REGISTER_FROM,
    REGISTER_UP,
    STABS_FROM,
    VELOCITY_RANGE,
    VELOCITY_SOFT,
    CueParams,
    compose_cue,
    compose_midi,
    normalise,
    params_dict,
    plan_cue,
    render_midi,
    soundfont_path,
    velocity_for,
    write_cue,
)
from .datasets import (
    KAGGLE_HOW,
    KAGGLE_MUSIC_DIR,
    LIRIS_DIR,
    LIRIS_HOW,
    LIRIS_SETS,
    DatasetMissingError,
    LirisClip,
    liris_agreement,
    load_kaggle_music,
    load_liris_accede,
    report_datasets,
)
from .demo import (
    CHASE_SHOT,
    DEMO_CUES,
    MOOD_WORDS,
    SCENE_FPS,
    SCENE_SIZE,
    DemoData,
    build_demo_library,
    build_demo_scenes,
    composed_cues_table,
    demo_clip,
    ensure_demo_data,
    scene_table,
)
