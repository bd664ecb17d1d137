"""DramaTune's chain, `video -> SceneProfile -> ranked Recommendations -> fitted cue -> exported scene`, in one place.

Run ``python -m dramatune_lib.pipeline --warm`` to build the demo data and warm the caches
(``make setup`` does).
"""
from __future__ import annotations

import argparse
import time

from .dataset_prep import ensure_demo_data


def main(argv: list[str] | None = None) -> None:
    """Build the demo data; with ``--warm`` also index it once so later runs start fast.

    Notebook: 01_dataset_prep.ipynb
    """
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rebuild", action="store_true", help="regenerate even if present")
    ap.add_argument("--warm", action="store_true", help="compile librosa's numba code and index the demo library")
    args = ap.parse_args(argv)
    t = time.time()
    demo = ensure_demo_data(rebuild=args.rebuild)
    print(f"demo data ready in {demo.root} ({time.time() - t:.1f} s)")
    if args.warm:
        from .feature_extraction import analyze_scene, index_library
        from .fit_and_export import fit_track

        t = time.time()
        index_library(demo.library)
        prof = analyze_scene(demo.scenes["chase"])
        fit_track(sorted(demo.library.glob("*.ogg"))[0], prof.duration, cuts=prof.cut_times)  # the fit, once
        print(f"caches warm ({time.time() - t:.1f} s)")


if __name__ == "__main__":
    main()
