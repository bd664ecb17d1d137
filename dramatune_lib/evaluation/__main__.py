"""``python -m dramatune_lib.evaluation``: train the report's forest and run the real-music benchmark."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .. import errors, media
from .report_forest import report_forest_path, save_report_forest, train_report_forest
from .stored_run import benchmark_path, run_benchmark


def main(argv: list[str] | None = None) -> int:
    """``python -m dramatune_lib.evaluation [--full] [--overwrite]``: train and save the report's
    forest in ``models/``, then run the real-music benchmark and save its tables beside it
    (``models/music_benchmark.json``); existing files are refused unless ``--overwrite``.

    Used by: :mod:`cli.__main__`, :mod:`pipeline`, :mod:`recommend_and_merge.__main__` and 1 more
    """

    ap = argparse.ArgumentParser(
        prog="python -m dramatune_lib.evaluation",
        description="Train the report's Random Forest and run the real-music benchmark",
    )
    ap.add_argument(
        "--full",
        action="store_true",
        help="4,000 pairs and 60 trees (default: 1,500 and 20); the benchmark on every game (default: the fast subset)",
    )
    ap.add_argument("--out", default=None, help="where to save the forest (default models/report_forest.joblib)")
    ap.add_argument("--overwrite", action="store_true", help="replace existing files")
    a = ap.parse_args(argv)
    out = Path(a.out) if a.out else report_forest_path()
    bench = out.with_name(benchmark_path().name)
    try:
        media.refuse_existing([out, bench], a.overwrite)
    except errors.OutputExistsError as e:
        print(f"dramatune: error: {e}", file=sys.stderr)
        return 2
    model, report = train_report_forest(fast=not a.full)
    save_report_forest(model, report, out)
    print(f"saved {out}: R² {report.r2_held_out} on held-out pairs, MAE {report.mae_held_out}")
    result = run_benchmark(fast=not a.full, forest=model)
    bench.write_text(json.dumps(result, indent=1))
    pooled = [r for r in result["placement"] if r["game"] == "all games"]
    for r in pooled:
        print(
            f"{r['method']:22s} valence AUC {r['valence AUC']:.2f}  arousal AUC {r['arousal AUC']:.2f}  "
            f"quadrant {r['quadrant']:.0%}"
        )
    print(f"saved {bench}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
