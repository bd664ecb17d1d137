"""Stage 03: training the models DramaTune learns from data.

The scene's own sound is labelled music, speech or other, second by second, by the method of
Karydis' thesis: 68 mid-term features (mean and standard deviation, over 1 s, of 34 short-term
features on 50 ms windows; :func:`feature_extraction.mid_term_features`) and an SVM.

The labelled audio is what can honestly be had offline (see ``data/README.md``):

- **speech**: Asterisk's English voice prompts (Debian ``asterisk-core-sounds-en-wav``,
  CC-BY-SA-3.0, one recorded voice) and dialogue synthesised with ``espeak-ng`` (many voices,
  speeds and pitches);
- **music**: game soundtracks (Debian ``lordsawar-data``, GPL-3+; ``flare-game``, CC-BY-SA-3.0)
  and DramaTune's 28 composed demo cues;
- **other**: game sound effects (footsteps, doors, fire, creatures; ``flare-game``), desktop
  event sounds (Debian ``sound-theme-freedesktop``) and generated environments (rain, wind,
  traffic rumble, crowd murmur without words, impacts).

The music-emotion model (:func:`train_music_model`) learns arousal from Debian game soundtracks
labelled by where each game plays each piece (:data:`SOUNDTRACKS`), and calibrates the priors'
valence on them; notebook 04 tests it one game left out at a time.

Debian packages are fetched with ``apt-get download`` (no root needed) into the cache and
unpacked with ``dpkg-deb``; where either tool is missing, that source is skipped and said so.
Evaluation holds out whole files, never seconds of a file seen in training, and reports
per-class F1 on the held-out files that are real recordings, apart from generated ones.

The stage in modules: :mod:`.debian` (fetching labelled audio), :mod:`.sound_corpus` and
:mod:`.sound_model` (the sound classifier), :mod:`.music_corpus` and :mod:`.music_model` (the
music-emotion model); ``python -m dramatune_lib.training`` runs :mod:`.__main__`.
"""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)
