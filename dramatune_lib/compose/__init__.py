"""A small cue composer: valence and arousal in, MIDI and rendered audio out.

The mapping follows the music-psychology priors that the rest of DramaTune also relies on:

- valence -> mode (major for positive, harmonic minor for negative), progression and register
  (a clearly pleasant cue's melody sings an octave higher);
- arousal -> tempo (60-180 BPM), note density (whole notes to eighths), dynamics (MIDI velocity
  and the final loudness) and percussion (none when calm).

A cue ends on a cadence (IV-V-I, or iv-V-i in minor) held to the end, not on a faded loop. For a
scene (:func:`compose_for_scene`) the tempo is picked to put beats on its cuts, the chords change
on each cut, and each stretch follows the scene's own valence and arousal; a clip of several
scenes is split and scored scene by scene (:func:`plan_per_scene`).
Notes are rendered offline with ``tinysoundfont`` and the General MIDI soundfont
``TimGM6mb.sf2`` that pretty_midi's wheel ships (GPL-2).

The stage in modules: :mod:`.scene_cue` (a cue for a scene), :mod:`.metrics` (its quality,
measured) and :mod:`.scenes` (a clip of several scenes). The composer itself is notebook 01's
(:mod:`dramatune_lib.dataset_prep.composer`, which writes the demo library); this stage builds on
it and calls it by that name.
"""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)
