"""Stage 04: evaluation. The report's Random Forest reproduced, and every way of ranking music
compared on the same held-out cases.

``[SceneProfile] x [TrackFeatures] -> table of hit rates and timings``

**The report's model.** The report ranked tracks on tempo and volume alone: a score formula
(the track's tempo against the video's rhythm, its volume against the video's emotion) and a
``RandomForestRegressor`` trained on (video rhythm, video emotion, tempo, volume) to reproduce
that formula. :func:`train_report_forest` does the same on sampled pairs and saves it with its
metadata in ``models/report_forest.joblib``; :func:`report_rank` ranks a library with it.

**The cases.** A case is a scene whose intended mood is known. The library's composed demo cues
carry the quadrant they were composed for, and :func:`evaluation_cases` draws scene profiles at
known points of each quadrant, with the pace and target tempo the scene analysis would give them.
A ranker *hits* when its top 1 (or any of its top 3) was composed for the scene's quadrant. The
random baseline is the exact expectation, not a draw.

The stage in modules: :mod:`.report_forest` (the report's ranker, reproduced), :mod:`.demo_cases` (a
sanity check on the composed cues), :mod:`.real_music` (the real-music benchmark) and :mod:`.auc`
(its score, with a bootstrap interval); ``python -m dramatune_lib.evaluation`` runs :mod:`.__main__`.
"""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)
