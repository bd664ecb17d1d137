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

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)
