"""Every figure DramaTune draws. Each function returns a matplotlib Figure, so the notebooks,
the app and the tests use the same drawing code. Figures are made without pyplot, so no global
figure state builds up and a notebook shows each figure once.

Every figure of the course lives in this one package, one module per subject: :mod:`.circumplex`,
:mod:`.scene`, :mod:`.music`, :mod:`.fit`, and :mod:`.live`, the app's interactive circumplex
(bqplot; imported on its own, so the figures need no widget library).
"""

from .circumplex import (
    SCENE_AREA,
    PICK_MARKER_S,
    scene_area,
    marker_boxes,
    declutter,
    label_boxes_overlap,
    circumplex_figure,
    fusion_path_figure,
    figure_png,
)
from .scene import timeline_figure, scene_frames_figure, pace_figure, faces_figure
from .music import (
    cue_plan_figure,
    confusion_figure,
    benchmark_placement_figure,
    tempogram_figure,
    chroma_key_figure,
    piano_roll_figure,
)
from .fit import fitted_cue_figure, scene_plan_figure, editor_timeline_figure
