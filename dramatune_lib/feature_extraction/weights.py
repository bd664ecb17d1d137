"""Stage 02 · how much each scene cue counts in the fusion, and which axes it speaks to."""

from __future__ import annotations

#: Relative weight of each scene cue in the fusion (multiplied by the cue's confidence).
SCENE_WEIGHTS = {"faces": 0.45, "light": 0.2, "pace": 0.35, "sound": 0.2, "words": 0.35, "music": 0.3, "voice": 0.25}


#: Which axes each cue speaks to: pace and loudness say nothing about valence; VADER's
#: lexicon rates valence only, so words say nothing about arousal.
CUE_AXES = {"faces": "va", "light": "va", "pace": "a", "sound": "a", "words": "v", "music": "va", "voice": "a"}
