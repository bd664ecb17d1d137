"""Faces beyond the frontal (issue #19): fer's Haar cascade, as DramaTune ran it before, against
BlazeFace alone and BlazeFace confirmed by mediapipe's face-landmark model (DramaTune's finder now,
:mod:`dramatune_lib.feature_extraction.blazeface`), on every real clip with faces at hand, in one run.

For each clip, four frames a second at up to 640 px: the share of frames where each finds a face,
and the milliseconds a frame takes. Contact sheets in ``results/`` to look at (a found "face" may
be a false one): ``faces_<clip>_kept.png``, confirmed faces the cascade did not find;
``faces_<clip>_turned_down.png``, BlazeFace's finds the landmark model turned down;
``faces_<clip>_haar.png``, faces only the cascade found. Clips: those of ``bench_faces.py``.
Run: ``make bench``.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

from dramatune_lib.feature_extraction import FaceFinder
from dramatune_lib.feature_extraction.blazeface import PRESENCE_MIN, BlazeFaceFinder, model_folder
from dramatune_lib.frames import stream_frames

OUT = Path(__file__).parent / "results"
RATE = 4.0


def sheet(crops: list[np.ndarray], path: Path) -> None:
    """Up to 24 face crops, 96 px each, in rows of 8."""
    tiles = [cv2.resize(c, (96, 96)) for c in crops[:24]] or [np.zeros((96, 96, 3), np.uint8)]
    tiles += [np.zeros_like(tiles[0])] * (-len(tiles) % 8)
    rows = [np.hstack(tiles[k : k + 8]) for k in range(0, len(tiles), 8)]
    cv2.imwrite(str(path), cv2.cvtColor(np.vstack(rows), cv2.COLOR_RGB2BGR))


def _crop(frame: np.ndarray, box) -> np.ndarray:
    x0, y0, x1, y1 = (int(round(v)) for v in box)
    return frame[max(0, y0) : y1, max(0, x0) : x1]


def main() -> dict:
    sys.path.insert(0, str(Path(__file__).parent))
    from bench_faces import clips

    folder = model_folder()
    if folder is None:
        sys.exit("mediapipe 0.10.14's models are missing: run make setup")
    haar = FaceFinder(finder="haar")
    blaze = BlazeFaceFinder(folder)
    result = {}
    OUT.mkdir(exist_ok=True)
    for old in OUT.glob("blazeface_*.png"):
        old.unlink()
    with tempfile.TemporaryDirectory() as tmp:
        for name, path in clips(Path(tmp)).items():
            counts = dict.fromkeys(("haar", "blazeface alone", "blazeface confirmed"), 0)
            spent = {"haar": 0.0, "blazeface confirmed": 0.0}
            crops: dict[str, list] = {"kept": [], "turned_down": [], "haar": []}
            frames = 0
            for _, bgr in stream_frames(path, RATE, max_side=640):  # as bench_faces.py reads them
                frame = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
                frames += 1
                t = time.perf_counter()
                h_boxes = haar.find(bgr)
                spent["haar"] += time.perf_counter() - t
                t = time.perf_counter()
                found = blaze.find_rgb(frame)
                spent["blazeface confirmed"] += time.perf_counter() - t
                kept = [d for d, p in found if p > PRESENCE_MIN]
                counts["haar"] += bool(len(h_boxes))
                counts["blazeface alone"] += bool(found)
                counts["blazeface confirmed"] += bool(kept)
                crops["turned_down"] += [_crop(frame, d.box) for d, p in found if p <= PRESENCE_MIN]
                if kept and not len(h_boxes):
                    crops["kept"] += [_crop(frame, d.box) for d in kept]
                elif len(h_boxes) and not kept:
                    crops["haar"] += [_crop(frame, (x, y, x + w, y + h)) for x, y, w, h in h_boxes]
            slug = name.replace(" ", "_").replace(":", "")
            for label, cut in crops.items():
                cut = [c for c in cut if c.size]
                if cut:
                    sheet(cut, OUT / f"faces_{slug}_{label}.png")
            result[name] = {
                "frames": frames,
                **{f"{k} share": round(c / max(frames, 1), 3) for k, c in counts.items()},
                **{f"{k} ms": round(1000 * s / max(frames, 1), 1) for k, s in spent.items()},
                **{f"{k} crops": len(v) for k, v in crops.items()},
            }
            r = result[name]
            print(
                f"{name}: a face in {r['haar share']:.0%} of {frames} frames by the Haar cascade "
                f"({r['haar ms']} ms), {r['blazeface alone share']:.0%} by BlazeFace alone, "
                f"{r['blazeface confirmed share']:.0%} confirmed ({r['blazeface confirmed ms']} ms); "
                f"{r['turned_down crops']} finds turned down"
            )
    (OUT / "blazeface.json").write_text(json.dumps(result, indent=1))
    return result


if __name__ == "__main__":
    main()
