"""Shared kernel: where the trained models live, and how a model's report is written beside it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from . import config


def model_path(name: str) -> Path:
    """The shipped model ``name`` in the project's ``models/`` folder.

    Used by: :mod:`evaluation.report_forest`, :mod:`feature_extraction.music_emotion` and 1 more
    """
    return config.PROJECT_ROOT / "models" / name


def model_target(path: str | Path | None, name: str) -> Path:
    """Where to save a model: ``path``, or the shipped ``name`` when None; its folder is made.

    Used by: :mod:`evaluation.report_forest`, :mod:`training.music_model`, :mod:`training.sound_model`
    """
    out = Path(path) if path else model_path(name)
    out.parent.mkdir(parents=True, exist_ok=True)
    return out


def write_report(path: Path, report: dict[str, Any]) -> Path:
    """A model's report (how it was trained, what it scored) as JSON beside it, ``<model>.json``.

    Used by: :mod:`evaluation.report_forest`, :mod:`training.sound_model`
    """
    out = path.with_suffix(".json")
    out.write_text(json.dumps(report, indent=1))
    return out
