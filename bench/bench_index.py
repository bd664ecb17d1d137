"""Indexing speed: DramaTune's track features vs the report's per-track analysis, same run.

Both read the same files: the demo library (28 composed cues, 840 s) and, when notebook 03 has
fetched them, the Debian game soundtracks (lordsawar, flare: real recordings, about 50 minutes).
DramaTune measures tempo at hop 256, beats and bars, key and mode, loudness (LUFS) and its range,
centroid, onsets, energy and danceability; the report's way loads each file with librosa and
measures tempo (librosa's beat tracker at its default hop) and volume (RMS). Both run in one
process on one core, so "x realtime" is per core. The figure to keep is each one's realtime factor
and their ratio. DramaTune's time includes the ear (musicnn's tagger: every ``PATCH_HOP``-th 3 s
patch, at most ``MAX_PATCHES`` a track), which is also timed alone; and the ear's arousal score
with every patch tagged against that sampling (what it changes). Run: ``make bench``.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from dramatune_lib import config
from dramatune_lib.dataset_prep import ensure_demo_data
from dramatune_lib.feature_extraction import MAX_ANALYSIS_SECONDS, MusicnnTagger, ear_arousal, track_features
from dramatune_lib.feature_extraction.musicnn import MAX_PATCHES, PATCH_HOP
from dramatune_lib.media import load_audio

OUT = Path(__file__).parent / "results"


def report_style(path: Path) -> tuple[float, float]:
    """The report's analysis of one track: librosa.load, beat tracker, RMS volume."""
    import librosa

    y, sr = librosa.load(str(path), sr=22050, mono=True, duration=MAX_ANALYSIS_SECONDS)
    tempo, _ = librosa.beat.beat_track(y=y, sr=sr)
    return float(np.atleast_1d(tempo)[0]), float(np.sqrt(np.mean(y**2)))


def files() -> dict[str, list[Path]]:
    sets = {
        "demo library": sorted(p for p in ensure_demo_data().library.iterdir() if p.suffix in config.AUDIO_EXTENSIONS)
    }
    deb = config.cache_dir() / "debian"
    sound = sorted(deb.glob("lordsawar-data/usr/share/games/lordsawar/music/*.ogg"))
    sound += sorted(deb.glob("flare-game/usr/share/games/flare/mods/fantasycore/music/*.ogg"))
    if sound:
        sets["Debian soundtracks"] = sound
    return sets


def main() -> dict:
    result = {}
    report_style(files()["demo library"][0])  # both pay their imports and JIT before timing
    track_features(files()["demo library"][0])
    for name, paths in files().items():
        t0 = time.perf_counter()
        ear = MusicnnTagger()  # one a thread, as index_library lends them
        music = sum(track_features(p, ear=ear).analysed_seconds for p in paths)
        ours = time.perf_counter() - t0
        t0 = time.perf_counter()
        for p in paths:
            report_style(p)
        theirs = time.perf_counter() - t0
        audio = [load_audio(p, sr=22050, mono=True, max_seconds=MAX_ANALYSIS_SECONDS) for p in paths]
        t0 = time.perf_counter()
        capped = [ear_arousal(ear.hear(y, 22050)) for y in audio]
        ear_s = time.perf_counter() - t0
        every = [ear_arousal(ear.hear(y, 22050, max_patches=None, hop=1)) for y in audio]
        result[name] = {
            "files": len(paths),
            "music_s": round(music),
            "dramatune_s": round(ours, 1),
            "dramatune_x_realtime": round(music / ours),
            "report_style_s": round(theirs, 1),
            "report_style_x_realtime": round(music / theirs),
            "ratio": round(theirs / ours, 2),
            "ear_s": round(ear_s, 1),
            "ear_x_realtime": round(music / ear_s),
            "ear_score_change_capped": round(float(np.max(np.abs(np.subtract(capped, every)))), 4),
        }
        r = result[name]
        print(
            f"indexing {name} ({r['files']} files, {r['music_s']} s of music, one core): "
            f"DramaTune {r['dramatune_s']} s "
            f"({r['dramatune_x_realtime']}x realtime), the report's tempo + volume {r['report_style_s']} s "
            f"({r['report_style_x_realtime']}x): ratio {r['ratio']}; the ear alone {r['ear_s']} s "
            f"({r['ear_x_realtime']}x); its score from every {PATCH_HOP}nd patch (at most {MAX_PATCHES}) against all: "
            f"at most {r['ear_score_change_capped']} apart"
        )
    OUT.mkdir(exist_ok=True)
    (OUT / "index.json").write_text(json.dumps(result, indent=1))
    return result


if __name__ == "__main__":
    main()
