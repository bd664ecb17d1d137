"""Every figure DramaTune draws. Each function returns a matplotlib Figure, so the notebooks,
the app and the tests use the same drawing code. Figures are made without pyplot, so no global
figure state builds up and a notebook shows each figure once.

Every figure of the course lives in this one package, one module per subject: :mod:`.circumplex`,
:mod:`.scene`, :mod:`.music`, :mod:`.fit`, and :mod:`.live`, the app's interactive circumplex
(bqplot; imported on its own, so the figures need no widget library).
"""

from .circumplex import (
    PICK_MARKER_S,
    SCENE_AREA,
    circumplex_figure,
    declutter,
    figure_png,
    fusion_path_figure,
    label_boxes_overlap,
    marker_boxes,
    scene_area,
)
from .fit import editor_timeline_figure, fitted_cue_figure, scene_plan_figure
from .music import (
    benchmark_placement_figure,
    chroma_key_figure,
    confusion_figure,
    cue_plan_figure,
    piano_roll_figure,
    tempogram_figure,
)
from .scene import faces_figure, pace_figure, scene_frames_figure, timeline_figure
