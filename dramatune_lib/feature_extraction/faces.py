"""Stage 02 · faces: fer's expression classifier and the face detector it runs on."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import types
import warnings
from dataclasses import dataclass, field

import numpy as np

from ..errors import DramaTuneError


def load_fer():
    """Import fer's ``FER`` class, running its TFLite model on LiteRT (``ai-edge-litert``).

    fer 25.10.3 imports ``tensorflow`` at module level only to reach ``tf.lite.Interpreter``
    (and Keras, which its default tflite path never uses). When TensorFlow is not installed,
    ``tensorflow`` is bound for the duration of that import to a tiny module whose
    ``lite.Interpreter`` is LiteRT's interpreter, the same TFLite runtime, 0.4 s to import
    instead of 6-8 s, then removed from ``sys.modules`` so no other library mistakes it for
    TensorFlow. With TensorFlow installed, fer uses it unchanged.

    Used by: :func:`face_detector`
    """
    if "fer.fer" in sys.modules:
        return sys.modules["fer.fer"].FER
    root = logging.getLogger()
    root_level, root_handlers = root.level, list(root.handlers)
    shim_names = ("tensorflow", "tensorflow.keras", "tensorflow.keras.models")
    try:
        import tensorflow  # noqa: F401

        shimmed = False
    except ImportError:
        from ai_edge_litert.interpreter import Interpreter

        def load_model(*_a, **_k):
            raise DramaTuneError("fer's Keras model needs TensorFlow; DramaTune uses its TFLite model")

        tf = types.ModuleType("tensorflow")
        tf.lite = types.SimpleNamespace(Interpreter=Interpreter)
        keras = types.ModuleType("tensorflow.keras")
        models = types.ModuleType("tensorflow.keras.models")
        models.load_model = load_model
        keras.models = models
        tf.keras = keras
        sys.modules.update(dict(zip(shim_names, (tf, keras, models))))
        shimmed = True
    try:
        with warnings.catch_warnings():  # fer's "import pkg_resources" warns about deprecation
            warnings.simplefilter("ignore")
            from fer.fer import FER
    finally:
        if shimmed:
            for name in shim_names:
                sys.modules.pop(name, None)
        root.setLevel(root_level)  # fer calls logging.basicConfig(level=INFO) on import
        root.handlers[:] = root_handlers
        logging.getLogger("fer").setLevel(logging.WARNING)
    return FER


@contextlib.contextmanager
def _quiet_stderr():
    """Silence the C++ runtime's one-off "Created TensorFlow Lite XNNPACK delegate" line."""
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def face_detector():
    """A ready fer detector (Haar cascade + the tflite emotion model on LiteRT).

    Notebook: 02_feature_extraction.ipynb
    """
    fer_cls = load_fer()
    with _quiet_stderr():
        det = fer_cls()
        det.detect_emotions(np.full((64, 64, 3), 128, np.uint8))  # builds the interpreter now
    return det


#: fer's seven expression classes, in the order its model outputs them.
FER_CLASSES = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")


@dataclass
class FaceReading:
    """fer's reading of one frame: area-weighted class probabilities, or none."""

    probs: dict[str, float] = field(default_factory=dict)
    face_area: float = 0.0  # share of the frame covered by faces
    boxes: list[tuple[int, int, int, int]] = field(default_factory=list)  # (x, y, w, h) in the frame


def _box(values) -> tuple[int, int, int, int]:
    """A face box (x, y, w, h) as four ints."""
    x, y, w, h = (int(round(float(v))) for v in values)
    return x, y, w, h


def read_faces(detector, frame_bgr: np.ndarray) -> FaceReading:
    """Run fer on one frame and weight each face's probabilities by its area.

    Used by: the tests; public for scripts
    """
    h, w = frame_bgr.shape[:2]
    return _face_reading(detector.detect_emotions(frame_bgr), h, w)


def _face_reading(found: list, h: int, w: int) -> FaceReading:
    if not found:
        return FaceReading()
    total = sum(float(f["box"][2] * f["box"][3]) for f in found)
    probs: dict[str, float] = {}
    for f in found:
        a = float(f["box"][2] * f["box"][3]) / total
        for k, p in f["emotions"].items():
            probs[k] = probs.get(k, 0.0) + a * float(p)
    return FaceReading(probs=probs, face_area=total / (h * w), boxes=[_box(f["box"]) for f in found])
