"""The command line as a user meets it: each command as a whole process, beside the same work done
in this process once it is warm (issue #17). Both in one run, on the bench clip of
``bench_analysis.py`` (30 s, 1280x720 H.264) and a 60 s track (a demo cue played over and over).

Whole-process figures are the best of :data:`ROUNDS` with warm caches (the index, the demo data);
peak memory is the largest sum of resident memory over the command's process tree (ffmpeg's
children included), polled every 20 ms. ``merge`` is measured twice: with a track
an index has measured (its beat grid is reused) and with a never-indexed copy of it (beats tracked
anew). Run: ``make bench``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import psutil
import soundfile as sf
from bench_analysis import make_clip

from dramatune_lib.dataset_prep import ensure_demo_data
from dramatune_lib.media import ffmpeg_exe

OUT = Path(__file__).parent / "results"
ROUNDS = 3  # best of three: a whole process varies by a tenth of a second or so here
TRACK_SECONDS = 60


def whole(args: list[str], cwd: Path, env: dict | None = None) -> tuple[float, float]:
    """Seconds and peak memory (MB, process tree) of ``dramatune ARGS`` as a process of its own."""
    t = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "dramatune_lib.cli", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    peak = 0.0

    def poll() -> None:
        nonlocal peak
        root = psutil.Process(proc.pid)
        while proc.poll() is None:
            try:
                procs = [root, *root.children(recursive=True)]
                peak = max(peak, sum(p.memory_info().rss for p in procs) / 2**20)
            except psutil.Error:
                pass
            time.sleep(0.02)

    watcher = threading.Thread(target=poll)
    watcher.start()
    _, err = proc.communicate()
    seconds = time.perf_counter() - t
    watcher.join()
    if proc.returncode:
        raise RuntimeError(f"dramatune {' '.join(args)} failed: {err.decode()[-400:]}")
    return seconds, peak


def best(args_of, cwd: Path, env: dict | None = None) -> tuple[float, float]:
    """Best time and largest peak over :data:`ROUNDS` runs (``args_of(k)`` gives round k's
    arguments), after a warm-up run (``args_of(-1)``) that fills the caches."""
    whole(args_of(-1), cwd, env)
    runs = [whole(args_of(k), cwd, env) for k in range(ROUNDS)]
    return min(s for s, _ in runs), max(m for _, m in runs)


def in_process(fn) -> float:
    """Best of :data:`ROUNDS` seconds of ``fn()`` in this process, after one warm-up call."""
    fn()
    runs = []
    for _ in range(ROUNDS):
        t = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t)
    return min(runs)


def main() -> dict:
    from dramatune_lib.feature_extraction import analyze_scene, index_library
    from dramatune_lib.fit_and_export import export_scene, fit_track
    from dramatune_lib.matching import recommend

    demo = ensure_demo_data()
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        clip = make_clip(d / "clip.mp4")
        y, sr = sf.read(sorted(demo.library.glob("*.ogg"))[0], dtype="float32")
        y = np.concatenate([y] * (TRACK_SECONDS * sr // len(y) + 1))[: TRACK_SECONDS * sr]
        sf.write(d / "track.wav", y, sr)
        (d / "music").mkdir()
        subprocess.run(
            [
                ffmpeg_exe(),
                "-v",
                "error",
                "-i",
                str(d / "track.wav"),
                "-c:a",
                "libvorbis",
                str(d / "music" / "track60.ogg"),
            ],
            check=True,
        )
        library = d / "library"
        shutil.copytree(demo.library, library)
        fresh_cache = {**os.environ, "DRAMATUNE_CACHE": str(d / "cache")}  # a first index: nothing cached
        index_first = whole(["index", str(library)], d, fresh_cache)
        whole(["index", "music"], d)  # the track in an index
        for k in range(-1, ROUNDS):
            shutil.copy(d / "music" / "track60.ogg", d / f"never{k}.ogg")
        figures = {
            "analyze": best(lambda k: ["analyze", "clip.mp4", "--json"], d),
            "recommend": best(lambda k: ["recommend", "clip.mp4", "--library", str(library), "--json"], d),
            "merge_indexed_track": best(lambda k: ["merge", "clip.mp4", "music/track60.ogg", "-o", f"a{k}.mp4"], d),
            "merge_new_track": best(lambda k: ["merge", "clip.mp4", f"never{k}.ogg", "-o", f"b{k}.mp4"], d),
        }
        lib = index_library(library)
        profile = analyze_scene(clip)
        inside = {
            "analyze": in_process(lambda: analyze_scene(clip)),
            "recommend": in_process(lambda: recommend(analyze_scene(clip), index_library(library).tracks)),
            "merge_indexed_track": in_process(
                lambda: export_scene(
                    clip, fit_track(d / "music" / "track60.ogg", profile.duration), d / "c.mp4", overwrite=True
                )
            ),
        }
    result = {
        "clip": "30 s 1280x720 H.264",
        "track_s": TRACK_SECONDS,
        "library_tracks": len(lib.tracks),
        "whole_process_s": {k: round(v[0], 2) for k, v in figures.items()},
        "whole_process_peak_mb": {k: round(v[1]) for k, v in figures.items()},
        "in_process_s": {k: round(v, 2) for k, v in inside.items()},
        "index_first_time_s": round(index_first[0], 1),
        "index_first_time_peak_mb": round(index_first[1]),
    }
    OUT.mkdir(exist_ok=True)
    (OUT / "cli.json").write_text(json.dumps(result, indent=1))
    for k, (s, mb) in figures.items():
        inner = f", in process {inside[k]:.2f} s" if k in inside else ""
        print(f"dramatune {k}: {s:.2f} s as a whole process (peak {mb:.0f} MB){inner}")
    print(
        f"dramatune index (first time, {len(lib.tracks)} tracks): {index_first[0]:.1f} s, peak {index_first[1]:.0f} MB"
    )
    return result


if __name__ == "__main__":
    main()
