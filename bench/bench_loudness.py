"""Loudness: which meter DramaTune uses, decided by agreement and speed (``dramatune_lib.loudness``).

Agreement: the EBU Tech 3341 cases 1-5 (integrated loudness, required within 0.1 LU) and Tech
3342 cases 1-4 (loudness range, within 1 LU), generated as stereo 48 kHz sines, read by
libebur128 (pyebur128, what DramaTune uses), pyloudnorm, ffmpeg's ``ebur128`` filter, and
pyloudnorm on the mono mixdown at 22.05 kHz (what the index measured before: 3 LU low on stereo).

Speed: integrated loudness and loudness range of the first 5 minutes of a real stereo soundtrack
(0 A.D.'s "Sands of Time", Debian's 0ad-data, fetched by notebook 03 / ``make models``; else the
longest demo cue repeated), in this process (best of three) for libebur128 and pyloudnorm, and
ffmpeg as the whole process it is (decoding included); and the import time of each Python meter
in a new process. The figures to keep are the ratios within one run.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import soundfile as sf

from dramatune_lib.config import cache_dir
from dramatune_lib.loudness import measure_loudness
from dramatune_lib.media import ffmpeg_exe, load_audio

OUT = Path(__file__).parent / "results"
sys.path.insert(0, str(Path(__file__).parent.parent / "tests"))
from test_signal import EBU_CASES, _tones  # noqa: E402  the cases the tests check, generated once


def _ffmpeg(path: Path, seconds: float | None = None) -> tuple[float, float]:
    cut = ["-t", str(seconds)] if seconds else []
    err = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-nostats", *cut, "-i", str(path), "-af", "ebur128", "-f", "null", "-"],
        capture_output=True,
        text=True,
    ).stderr
    summary = err[err.rindex("Summary:") :]
    return (
        float(re.search(r"I:\s+(-?[\d.]+) LUFS", summary).group(1)),
        float(re.search(r"LRA:\s+(-?[\d.]+) LU", summary).group(1)),
    )


def _best(f, n: int = 3) -> tuple[object, float]:
    best, out = float("inf"), None
    for _ in range(n):
        t0 = time.perf_counter()
        out = f()
        best = min(best, time.perf_counter() - t0)
    return out, best


def conformance() -> list[dict]:
    import pyloudnorm

    rows = []
    with tempfile.TemporaryDirectory() as d:
        for name, (parts, what, expected) in EBU_CASES.items():
            y = _tones(*parts)
            wav = Path(d) / "case.wav"
            sf.write(wav, y, 48000, subtype="FLOAT")
            ours = measure_loudness(y, 48000)
            meter = pyloudnorm.Meter(48000)
            mono = load_audio(wav, sr=22050)
            if what == "lufs":
                got = [
                    ours.lufs,
                    meter.integrated_loudness(y),
                    _ffmpeg(wav)[0],
                    pyloudnorm.Meter(22050).integrated_loudness(mono),
                ]
            else:
                got = [
                    ours.range_lu,
                    meter.loudness_range(y),
                    _ffmpeg(wav)[1],
                    pyloudnorm.Meter(22050).loudness_range(mono),
                ]
            rows.append(
                {
                    "case": name,
                    "measure": what,
                    "required": expected,
                    "libebur128": got[0],
                    "pyloudnorm": got[1],
                    "ffmpeg": got[2],
                    "mono mixdown (before)": got[3],
                }
            )
    return rows


def speed() -> dict:
    import pyloudnorm

    track = cache_dir() / "debian" / "0ad-data" / "music" / "Sands_of_Time.ogg"
    if not track.exists():
        from dramatune_lib.dataset_prep import ensure_demo_data

        track = max(ensure_demo_data().library.glob("*.ogg"), key=lambda p: sf.info(p).duration)
    info = sf.info(track)
    y = load_audio(track, sr=info.samplerate, mono=False, max_seconds=300)
    sr = info.samplerate
    _, ebu = _best(lambda: measure_loudness(y, sr))
    meter = pyloudnorm.Meter(sr)
    _, pyln = _best(lambda: (meter.integrated_loudness(y), meter.loudness_range(y)))
    t0 = time.perf_counter()
    _ffmpeg(track, 300)
    ff = time.perf_counter() - t0
    imports = {}
    for name, module in (("libebur128", "pyebur128"), ("pyloudnorm", "pyloudnorm")):
        code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
        imports[name] = min(
            float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout) for _ in range(3)
        )
    return {
        "track": track.name,
        "seconds": round(y.shape[0] / sr, 1),
        "rate": sr,
        "libebur128_s": ebu,
        "pyloudnorm_s": pyln,
        "ffmpeg_whole_process_s": ff,
        "import_s": imports,
    }


def main() -> None:
    rows, fast = conformance(), speed()
    OUT.mkdir(exist_ok=True)
    (OUT / "loudness.json").write_text(json.dumps({"conformance": rows, "speed": fast}, indent=1))
    cols = ["libebur128", "pyloudnorm", "ffmpeg", "mono mixdown (before)"]
    print("| case | required | " + " | ".join(cols) + " |")
    print("|---|---|" + "---|" * len(cols))
    for r in rows:
        unit = "LUFS" if r["measure"] == "lufs" else "LU LRA"
        print(f"| {r['case']} | {r['required']:g} {unit} | " + " | ".join(f"{r[c]:.2f}" for c in cols) + " |")
    print(
        f"\n{fast['track']} ({fast['seconds']} s, stereo, {fast['rate']} Hz), integrated loudness and range: "
        f"libebur128 {fast['libebur128_s']:.2f} s, pyloudnorm {fast['pyloudnorm_s']:.2f} s "
        f"({fast['pyloudnorm_s'] / fast['libebur128_s']:.1f}x), ffmpeg as a whole process "
        f"{fast['ffmpeg_whole_process_s']:.2f} s; import in a new process: "
        + ", ".join(f"{k} {v:.2f} s" for k, v in fast["import_s"].items())
    )


if __name__ == "__main__":
    main()
