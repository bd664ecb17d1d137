"""Type stub of the stage: the names it offers, for type checkers and for lazy_loader."""

from .metrics import emotion_agreement, metrics_comparison, metrics_table, music21_chorales, symbolic_metrics
from .scene_cue import MIN_CHORD_GAP, Section, compose_for_scene, plan_sections, tempo_for_cuts
from .scenes import ScenePart, part_profile, plan_per_scene, split_scenes

__all__ = [
    "MIN_CHORD_GAP",
    "ScenePart",
    "Section",
    "compose_for_scene",
    "emotion_agreement",
    "metrics_comparison",
    "metrics_table",
    "music21_chorales",
    "part_profile",
    "plan_per_scene",
    "plan_sections",
    "split_scenes",
    "symbolic_metrics",
    "tempo_for_cuts",
]
