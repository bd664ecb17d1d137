"""Stage 07: fit the cue to the cut, mix it under the scene, export fast.

``FittedCue -> mix (ducking, loudness) -> MP4 + music stem + cue sheet``

Fitting (:func:`fit_track`) works on the track's bars, as an editor would:

- a track longer than the scene is cut so that it **ends on a bar line at the scene's end**,
  with a fade-out; where it starts is chosen by the energy that suits the scene (``intensity``);
- a shorter track is **looped on bar boundaries** with short equal-power crossfades centred on
  the bar lines, so the rhythm never stumbles and no join clicks;
- optionally (``cuts``) the tempo is nudged by at most 8 %, pitch preserved, so that beats land on
  the scene's cuts (the AWS paper's tempo alteration; CMT's visual beats);
- without a usable beat grid (a track shorter than a bar, no steady pulse) it falls back to a
  plain crossfaded loop and says so.

Mixing (:func:`mix_scene`) keeps the scene's own sound at a gain, ducks the music where speech is
detected (a gain envelope with attack and release) and normalises the whole mix to a target
loudness (-16 LUFS for the web, -23 LUFS for broadcast) with the true peak at or below -1 dBTP.

Export (:func:`export_scene`) copies the video stream with ffmpeg and encodes the mix as AAC, and
writes the music stem (WAV) and a cue sheet (CSV and JSON) beside it. The user's files are never
written; no output is replaced without ``overwrite=True``; every output is written under a
temporary name and renamed only when all of them are complete, so a failure leaves nothing
behind. The report's moviepy + pydub merge is kept as :func:`report_merge`, the baseline that
``bench/bench_export.py`` compares against.

The stage in modules, in the order a cue goes through them: :mod:`.plan` (where the track
starts, ends and loops), :mod:`.fit` (the audio rendered, and several tracks joined),
:mod:`.mix`, :mod:`.export`, and :mod:`.timeline` (for the editor). A folder of scenes is scored
by :func:`dramatune_lib.pipeline.score_folder`.
"""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)
