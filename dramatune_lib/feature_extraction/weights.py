"""Stage 02 · how much each scene cue counts in the fusion, and which axes it speaks to."""

from __future__ import annotations

#: Relative weight of each scene cue in the fusion (multiplied by the cue's confidence).
SCENE_WEIGHTS = {"faces": 0.45, "light": 0.2, "pace": 0.35, "sound": 0.2, "words": 0.35, "music": 0.3, "voice": 0.25}


#: Which axes each cue speaks to: pace and loudness say nothing about valence; VADER's
#: lexicon rates valence only, so words say nothing about arousal.
CUE_AXES = {"faces": "va", "light": "va", "pace": "a", "sound": "a", "words": "v", "music": "va", "voice": "a"}

#: How far a cue that does not measure its own confidence is trusted, 0..1 (faces count the share
#: of frames with a face, words their coverage, music and voice their own). Chosen by hand: pace is
#: motion and cuts, measured directly; light and the sound's level speak to mood only loosely.
CUE_CONFIDENCE = {"pace": 0.7, "light": 0.5, "sound": 0.5}

#: The words cue's confidence: WORDS_CONFIDENCE_FLOOR for any line, rising by up to
#: WORDS_CONFIDENCE_COVERAGE as the lines cover the whole scene (chosen by hand).
WORDS_CONFIDENCE_FLOOR, WORDS_CONFIDENCE_COVERAGE = 0.3, 0.5

#: The scene's own sound level (dBFS RMS) that reads as neutral arousal, and how many dB above it
#: read as fully aroused (below it, as calm). Chosen by hand.
SOUND_NEUTRAL_DB, SOUND_SPAN_DB = -35.0, 20.0
