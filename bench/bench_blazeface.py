"""Faces beyond the frontal (issue #19): fer's Haar cascade, as DramaTune runs it, against the BlazeFace
detectors that mediapipe's 0.10 wheels ship, on every real clip with faces at hand, in one run.

BlazeFace (Bazarevsky et al. 2019, "BlazeFace: Sub-millisecond Neural Face Detection on Mobile
GPUs") runs here on the LiteRT interpreter DramaTune already uses for fer; its two TFLite models are
taken from the mediapipe 0.10.14 wheel on PyPI (Apache-2.0), fetched once into the cache. The
decoding (SSD anchors, sigmoid scores, weighted non-maximum suppression) follows mediapipe's own
graphs ``face_detection_short_range.pbtxt`` and ``face_detection_full_range.pbtxt``.

For each clip, four frames a second: the share of frames where each detector finds a face, and the
milliseconds a frame takes. Faces that one detector finds and the other does not are cut out into
``results/blazeface_<clip>.png`` contact sheets, to look at (a found "face" may be a false one).
Clips: those of ``bench_faces.py``. Run: ``make bench``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from dramatune_lib import config
from dramatune_lib.feature_extraction import FaceFinder
from dramatune_lib.frames import stream_frames

OUT = Path(__file__).parent / "results"
RATE = 4.0
WHEEL = "mediapipe==0.10.14"  # the last wheels that carry the models (DATA.md)
MODELS = {"short range": "face_detection_short_range.tflite", "full range": "face_detection_full_range_sparse.tflite"}


@dataclass(frozen=True)
class BlazeSpec:
    """One model's input size and anchor layout, from mediapipe's graph for it."""

    side: int
    strides: tuple[int, ...]
    anchors_per_cell: int  # per stride group: layers of one stride x (1 + interpolated scale)
    min_score: float


SPECS = {
    "short range": BlazeSpec(128, (8, 16), 2, 0.5),  # strides 8, 16, 16, 16: 2 + 6 anchors a cell
    "full range": BlazeSpec(192, (4,), 1, 0.6),
}
NMS_IOU = 0.3  # mediapipe's min_suppression_threshold for both graphs


def model_files() -> dict[str, Path]:
    """The two TFLite files, taken once from the mediapipe wheel into the cache."""
    folder = config.cache_dir() / "models" / "blazeface"
    paths = {k: folder / v for k, v in MODELS.items()}
    if all(p.is_file() for p in paths.values()):
        return paths
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as d:
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "-d", d, WHEEL], check=True)
        with zipfile.ZipFile(next(Path(d).glob("mediapipe-*.whl"))) as z:
            for key, name in MODELS.items():
                paths[key].write_bytes(z.read(f"mediapipe/modules/face_detection/{name}"))
    return paths


def anchors(spec: BlazeSpec) -> np.ndarray:
    """Anchor centres (x, y), normalised, in mediapipe's order (fixed anchor size: w = h = 1)."""
    out = []
    for k, stride in enumerate(spec.strides):
        n = spec.side // stride
        per = spec.anchors_per_cell if len(spec.strides) == 1 else (2 if k == 0 else 6)
        for y in range(n):
            for x in range(n):
                out += [((x + 0.5) / n, (y + 0.5) / n)] * per
    return np.array(out)


class BlazeFace:
    """A BlazeFace model on LiteRT: ``find(frame_rgb)`` gives face boxes ``(x, y, w, h)`` in pixels.
    Four frames a second at up to 640 px, as ``bench_faces.py`` reads them; the Haar cascade is
    DramaTune's :class:`FaceFinder` (its 256 px search)."""

    def __init__(self, kind: str) -> None:
        from ai_edge_litert.interpreter import Interpreter

        self.spec = SPECS[kind]
        self.net = Interpreter(model_path=str(model_files()[kind]))
        self.net.allocate_tensors()
        self.input = self.net.get_input_details()[0]["index"]
        outs = sorted(self.net.get_output_details(), key=lambda d: d["shape"][-1])
        self.scores, self.boxes = outs[0]["index"], outs[1]["index"]
        self.anchors = anchors(self.spec)

    def find(self, rgb: np.ndarray) -> list[tuple[int, int, int, int]]:
        s = self.spec.side
        h, w = rgb.shape[:2]
        scale = s / max(h, w)
        nh, nw = round(h * scale), round(w * scale)
        py, px = (s - nh) // 2, (s - nw) // 2
        square = np.zeros((s, s, 3), np.float32)
        square[py : py + nh, px : px + nw] = cv2.resize(rgb, (nw, nh), interpolation=cv2.INTER_AREA)
        self.net.set_tensor(self.input, (square / 127.5 - 1.0)[None])
        self.net.invoke()
        raw = self.net.get_tensor(self.boxes)[0]
        score = 1 / (1 + np.exp(-np.clip(self.net.get_tensor(self.scores)[0, :, 0], -100, 100)))
        keep = score >= self.spec.min_score
        cx = raw[keep, 0] / s + self.anchors[keep, 0]
        cy = raw[keep, 1] / s + self.anchors[keep, 1]
        bw, bh = raw[keep, 2] / s, raw[keep, 3] / s
        boxes = np.stack([cx - bw / 2, cy - bh / 2, cx + bw / 2, cy + bh / 2], 1) * s
        boxes = (boxes - [px, py, px, py]) / scale
        found = []
        for x0, y0, x1, y1 in weighted_nms(boxes, score[keep]):
            x0, y0 = max(0.0, x0), max(0.0, y0)
            found.append((int(x0), int(y0), int(min(w, x1) - x0), int(min(h, y1) - y0)))
        return [b for b in found if b[2] > 2 and b[3] > 2]


def weighted_nms(boxes: np.ndarray, scores: np.ndarray) -> list[np.ndarray]:
    """mediapipe's weighted non-maximum suppression: each cluster of boxes overlapping the best
    one (IoU over :data:`NMS_IOU`) becomes their score-weighted mean."""
    order = np.argsort(-scores)
    boxes, scores = boxes[order], scores[order]
    out, left = [], np.ones(len(boxes), bool)
    for i in range(len(boxes)):
        if not left[i]:
            continue
        b = boxes[i]
        ix0, iy0 = np.maximum(b[0], boxes[:, 0]), np.maximum(b[1], boxes[:, 1])
        ix1, iy1 = np.minimum(b[2], boxes[:, 2]), np.minimum(b[3], boxes[:, 3])
        inter = np.clip(ix1 - ix0, 0, None) * np.clip(iy1 - iy0, 0, None)
        area = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
        iou = inter / (area + area[i] - inter + 1e-9)
        group = left & (iou > NMS_IOU)
        out.append((boxes[group] * scores[group, None]).sum(0) / scores[group].sum())
        left &= ~group
    return out


def sheet(crops: list[np.ndarray], path: Path) -> None:
    """Up to 24 face crops, 96 px each, in rows of 8."""
    tiles = [cv2.resize(c, (96, 96)) for c in crops[:24]] or [np.zeros((96, 96, 3), np.uint8)]
    tiles += [np.zeros_like(tiles[0])] * (-len(tiles) % 8)
    rows = [np.hstack(tiles[k : k + 8]) for k in range(0, len(tiles), 8)]
    cv2.imwrite(str(path), cv2.cvtColor(np.vstack(rows), cv2.COLOR_RGB2BGR))


def main() -> dict:
    sys.path.insert(0, str(Path(__file__).parent))
    from bench_faces import clips

    haar = FaceFinder()
    blaze = {k: BlazeFace(k) for k in MODELS}
    result = {}
    OUT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for name, path in clips(Path(tmp)).items():
            counts = {"haar": 0, **{k: 0 for k in blaze}}
            spent = dict.fromkeys(counts, 0.0)
            only = {"BlazeFace only": [], "Haar only": []}
            frames = 0
            for _, bgr in stream_frames(path, RATE, max_side=640):  # as bench_faces.py reads them
                frame = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
                frames += 1
                t = time.perf_counter()
                h_boxes = haar.find(bgr)
                spent["haar"] += time.perf_counter() - t
                found = {}
                for k, det in blaze.items():
                    t = time.perf_counter()
                    found[k] = det.find(frame)
                    spent[k] += time.perf_counter() - t
                counts["haar"] += bool(len(h_boxes))
                for k in blaze:
                    counts[k] += bool(found[k])
                either = found["short range"] or found["full range"]
                if either and not len(h_boxes):
                    only["BlazeFace only"] += [frame[y : y + h, x : x + w] for x, y, w, h in either if w and h]
                elif len(h_boxes) and not either:
                    only["Haar only"] += [frame[y : y + h, x : x + w] for x, y, w, h in h_boxes]
            slug = name.replace(" ", "_").replace(":", "")
            for label, crops in only.items():
                if crops:
                    sheet(crops, OUT / f"blazeface_{slug}_{label.split()[0].lower()}.png")
            result[name] = {
                "frames": frames,
                **{f"{k} share": round(c / max(frames, 1), 3) for k, c in counts.items()},
                **{f"{k} ms": round(1000 * s / max(frames, 1), 1) for k, s in spent.items()},
                "BlazeFace only": len(only["BlazeFace only"]),
                "Haar only": len(only["Haar only"]),
            }
            r = result[name]
            print(
                f"{name}: face in {r['haar share']:.0%} of {frames} frames by the Haar cascade "
                f"({r['haar ms']} ms), {r['short range share']:.0%} by BlazeFace short range "
                f"({r['short range ms']} ms), {r['full range share']:.0%} full range ({r['full range ms']} ms)"
            )
    (OUT / "blazeface.json").write_text(json.dumps(result, indent=1))
    return result


if __name__ == "__main__":
    main()
