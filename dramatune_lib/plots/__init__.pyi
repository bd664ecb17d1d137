"""Type stub of the stage: the names it offers, for type checkers and for lazy_loader."""

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
    moment_figure,
    piano_roll_figure,
    tempogram_figure,
)
from .scene import faces_figure, pace_figure, scene_frames_figure, timeline_figure

__all__ = [
    "PICK_MARKER_S",
    "SCENE_AREA",
    "benchmark_placement_figure",
    "chroma_key_figure",
    "circumplex_figure",
    "moment_figure",
    "confusion_figure",
    "cue_plan_figure",
    "declutter",
    "editor_timeline_figure",
    "faces_figure",
    "figure_png",
    "fitted_cue_figure",
    "fusion_path_figure",
    "label_boxes_overlap",
    "marker_boxes",
    "pace_figure",
    "piano_roll_figure",
    "scene_area",
    "scene_frames_figure",
    "scene_plan_figure",
    "tempogram_figure",
    "timeline_figure",
]
