"""Paths and defaults, in one place.

Every path DramaTune uses is derived here and can be overridden by an environment variable,
so nothing in the package is tied to one machine:

- ``DRAMATUNE_CACHE``: generated demo data and library index caches
  (default: the user's cache folder, e.g. ``~/.cache/dramatune``).
- ``DRAMATUNE_OUT``: where ``dramatune demo`` writes its results (default: ``./out``).
- ``DRAMATUNE_LIBRARY``: the music folder the app opens with (``python -m dramatune_lib.recommend_and_merge
  --library DIR`` sets it for the server's kernels).
- ``DRAMATUNE_LIBRARY_ROOTS``: folders the app may read music from, separated by ``os.pathsep``
  (``--library-root``); empty: any folder, which the app allows only when it listens on this
  machine alone.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

#: Version of the generated demo data; bump it when the generator changes.
DEMO_DATA_VERSION = 5  # 4: strings play rhythmic chords pizzicato; 5: pleasant melodies an octave up

#: The project folder when running from a checkout (notebooks/, data/, models/ live here).
PROJECT_ROOT = Path(__file__).resolve().parent.parent

#: Video file extensions the app accepts for upload.
VIDEO_EXTENSIONS = (".mp4", ".mov", ".m4v", ".mkv", ".avi", ".webm")

#: Audio file extensions a music library is scanned for.
AUDIO_EXTENSIONS = (".wav", ".mp3", ".ogg", ".opus", ".flac", ".m4a")


def cache_dir() -> Path:
    """Folder for generated data and caches (``$DRAMATUNE_CACHE`` overrides it).

    Notebook: 01_dataset_prep.ipynb
    """
    env = os.environ.get("DRAMATUNE_CACHE")
    path = Path(env) if env else Path(platformdirs.user_cache_dir("dramatune"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def demo_dir() -> Path:
    """Folder of the generated demo data (scenes and music library) for this data version.

    Notebook: 01_dataset_prep.ipynb
    """
    return cache_dir() / f"demo-v{DEMO_DATA_VERSION}"


def out_dir() -> Path:
    """Default output folder for ``dramatune demo`` (``$DRAMATUNE_OUT`` overrides it).

    Notebook: 05_recommend_and_merge.ipynb
    """
    return Path(os.environ.get("DRAMATUNE_OUT", "out"))


def app_library() -> Path | None:
    """The music folder the app starts with (``$DRAMATUNE_LIBRARY``), or None for the demo library.

    Notebook: 05_recommend_and_merge.ipynb
    """
    env = os.environ.get("DRAMATUNE_LIBRARY")
    return Path(env) if env else None


def library_roots() -> list[Path]:
    """The folders the app may read music from (``$DRAMATUNE_LIBRARY_ROOTS``); [] means any.

    Notebook: 05_recommend_and_merge.ipynb
    """
    env = os.environ.get("DRAMATUNE_LIBRARY_ROOTS", "")
    return [Path(p) for p in env.split(os.pathsep) if p]


def app_state_file() -> Path:
    """Where the app remembers the last music folder between visits (in the cache folder).

    Notebook: 05_recommend_and_merge.ipynb
    """
    return cache_dir() / "app-state.json"


#: The longest scene analysed unless the caller raises it (``dramatune analyze --max-length``):
#: DramaTune scores scenes, and the analysis decodes all of a scene's sound; a 10-minute 1080p
#: video takes about 40 s and 350 MB here (RESULTS.md), while a 200 MB file of low-rate sound can
#: last 70 hours and would decode to 30 GB. Chosen by hand: twice the longest scene a class cuts.
MAX_SCENE_S = 20 * 60.0
