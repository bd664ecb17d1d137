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
- ``DRAMATUNE_SESSIONS``: the folder that holds each app tab's private folder (the server makes
  one per start and removes it when it stops; default: a folder of this user's in the temporary
  folder).
"""

from __future__ import annotations

import os
import tempfile
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

    Notebook: 03_training.ipynb
    """
    env = os.environ.get("DRAMATUNE_CACHE")
    path = Path(env) if env else Path(platformdirs.user_cache_dir("dramatune"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def demo_dir() -> Path:
    """Folder of the generated demo data (scenes and music library) for this data version.

    Used by: :mod:`dataset_prep.demo`
    """
    return cache_dir() / f"demo-v{DEMO_DATA_VERSION}"


def out_dir() -> Path:
    """Default output folder for ``dramatune demo`` (``$DRAMATUNE_OUT`` overrides it).

    Used by: :mod:`cli.commands`
    """
    return Path(os.environ.get("DRAMATUNE_OUT", "out"))


def app_library() -> Path | None:
    """The music folder the app starts with (``$DRAMATUNE_LIBRARY``), or None for the demo library.

    Used by: :mod:`recommend_and_merge.session`
    """
    env = os.environ.get("DRAMATUNE_LIBRARY")
    return Path(env) if env else None


def library_roots() -> list[Path]:
    """The folders the app may read music from (``$DRAMATUNE_LIBRARY_ROOTS``); [] means any.

    Used by: :mod:`recommend_and_merge.session`
    """
    env = os.environ.get("DRAMATUNE_LIBRARY_ROOTS", "")
    return [Path(p) for p in env.split(os.pathsep) if p]


def sessions_dir() -> Path:
    """The folder that holds each app tab's private folder (``$DRAMATUNE_SESSIONS``, else
    ``dramatune-sessions-<uid>`` in the temporary folder), made private (0700) if new.

    Used by: :mod:`recommend_and_merge.session`
    """
    env = os.environ.get("DRAMATUNE_SESSIONS")
    uid = os.getuid() if hasattr(os, "getuid") else 0
    path = Path(env) if env else Path(tempfile.gettempdir()) / f"dramatune-sessions-{uid}"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


#: The file that marks an app tab's private folder (uploads, exports, composed cues): the library
#: index never reads below it and the music-folder field refuses it, so no tab lists or plays
#: another's files, whatever folder it indexes. Named after the Cache Directory Tagging
#: convention's ``CACHEDIR.TAG``, which backup tools skip.
SESSION_MARK = "DRAMATUNE-SESSION.TAG"


#: The most one app tab's private folder may hold, MB: one upload (at most the upload limit, 200
#: MB), its export (the scene's picture copied, about the upload's size), the music stem and the
#: editor package (a 20-minute scene's stem is 230 MB, and the package holds it again), and
#: composed cues. Chosen by hand as about twice that; older uploads and exports are deleted when
#: replaced, so a tab reaches it only with a scene near every limit.
SESSION_DISK_MB = 2048


#: The longest scene analysed unless the caller raises it (``dramatune analyze --max-length``):
#: DramaTune scores scenes, and the analysis decodes all of a scene's sound; a 10-minute 1080p
#: video takes about 40 s and 350 MB here (RESULTS.md), while a 200 MB file of low-rate sound can
#: last 70 hours and would decode to 30 GB. Chosen by hand: twice the longest scene a class cuts.
MAX_SCENE_S = 20 * 60.0
