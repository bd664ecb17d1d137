"""Stage 02 · a music library indexed: every track measured once (cached) and placed on the circumplex."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import numpy as np

from .. import circumplex, config
from ..circumplex import music_label_for
from ..errors import BadInputError, DramaTuneError, EmptyLibraryError
from ..parallel import parallel_map
from ..schema import TrackFeatures
from .music_emotion import MusicModel, load_music_model, priors_va
from .music_words import music_words_cue, words_of_track
from .musicnn import TaggerPool
from .sections import place_sections
from .tracks import FEATURES_VERSION, BeatGrid, tempo_confidence, track_features

#: Libraries smaller than this keep their absolute positions as their relative ones: a rank
#: among three tracks says little (chosen by hand).
RELATIVE_MIN_TRACKS = 5


#: Confidence of a position from the priors alone (:func:`music_va`), on each axis: they order
#: real soundtracks' arousal in 69 % of pairs (notebook 04), a weak reading.
PRIOR_CONFIDENCE = 0.3


def _relative(x: np.ndarray) -> np.ndarray:
    """Each value's place within its library, -1 (lowest) .. 1 (highest), ties shared."""
    if x.size < RELATIVE_MIN_TRACKS:
        return x.copy()
    return (_average_ranks(x) - 1) / (x.size - 1) * 2 - 1


def _average_ranks(x: np.ndarray) -> np.ndarray:
    """``scipy.stats.rankdata(x)``: ranks from 1, ties given their mean rank (scipy's own
    algorithm; importing scipy.stats costs a new process 0.6 s)."""
    x = np.asarray(x)
    if np.isnan(x).any():
        return np.full(x.size, np.nan)
    order = np.argsort(x, kind="mergesort")
    inverse = np.empty(order.size, dtype=np.intp)
    inverse[order] = np.arange(order.size, dtype=np.intp)
    ordered = x[order]
    first = np.r_[True, ordered[1:] != ordered[:-1]]
    dense = first.cumsum()[inverse]
    count = np.r_[np.nonzero(first)[0], len(first)]
    return 0.5 * (count[dense] + count[dense - 1] + 1)


def place_tracks(
    tracks: list[TrackFeatures], model: MusicModel | None, *, folder: str | Path | None = None, words: bool = True
) -> list[TrackFeatures]:
    """Place a library's tracks on the circumplex, in place, and return them.

    1. **Sound**: ``model`` (a :class:`MusicModel`) gives each axis, with its distance from 0 as
       the confidence, its arousal mostly musicnn's (the ear, kept in ``arousal_ear``); with
       ``model=None`` the priors of :func:`music_va` (confidence :data:`PRIOR_CONFIDENCE`).
    2. **Words** (``words=True``): folder names, title and tags (:func:`music_words_cue`) are fused
       with the sound on each axis, each weighted by its confidence.
    3. **Library-relative**: ``valence_rel`` and ``arousal_rel`` are each track's rank within the
       library on each axis, -1 .. 1, so the most energetic tracks of any library reach the top
       of the circumplex (libraries under :data:`RELATIVE_MIN_TRACKS` tracks keep the absolute).

    ``valence`` / ``arousal`` stay the absolute reading; ``emotion`` names it in music's words
    (:func:`circumplex.music_label_for`, the Geneva Emotional Music Scale).

    Used by: :mod:`compose.metrics`, :mod:`evaluation.real_music` and 3 more
    """
    if not tracks:
        return tracks
    ear = np.full(len(tracks), np.nan)
    if model is not None:
        ear = model.ear(tracks)
        v, a = model.place(tracks, ear)
        cv, ca = np.abs(v), np.abs(a)
        how = "model"
    else:
        v, a = priors_va(tracks)
        cv = ca = np.full(len(tracks), PRIOR_CONFIDENCE)
        how = "priors"
    for i, t in enumerate(tracks):
        t.valence_sound, t.arousal_sound = round(float(v[i]), 3), round(float(a[i]), 3)
        cue = music_words_cue(words_of_track(t, folder)) if words else None
        t.words = ", ".join(cue.words) if cue else ""
        if cue is not None:
            wv, wa = cue.valence_confidence, cue.arousal_confidence
            if wv > 0:
                v[i] = (cv[i] * v[i] + wv * cue.valence) / (cv[i] + wv)
                cv[i] = max(cv[i], wv)
            if wa > 0:
                a[i] = (ca[i] * a[i] + wa * cue.arousal) / (ca[i] + wa)
                ca[i] = max(ca[i], wa)
        t.arousal_ear = round(float(ear[i]), 3) if np.isfinite(ear[i]) else None
        t.placed_by = how + (" + ear" if np.isfinite(ear[i]) else "") + (" + words" if cue is not None else "")
        t.tempo_confidence = round(tempo_confidence(t), 3)
    place_sections(tracks, model, PRIOR_CONFIDENCE)
    return set_placement(tracks, v, a, cv, ca)


def set_placement(tracks: list[TrackFeatures], v, a, cv, ca) -> list[TrackFeatures]:
    """Write a placement into ``tracks``, in place: the absolute valence and arousal (clipped to
    the circumplex), each axis' confidence, each track's rank within the list
    (:func:`place_tracks` step 3) and the emotion named from the absolute point in music's words.

    Used by: :mod:`evaluation.real_music`
    """
    # ranked as stored (clipped, 3 decimals), so the ranks never contradict the readings shown
    v, a = (np.round(np.clip(np.asarray(x, float), -1, 1), 3) for x in (v, a))
    rv, ra = _relative(v), _relative(a)
    for i, t in enumerate(tracks):
        t.valence, t.arousal = float(v[i]), float(a[i])
        t.valence_confidence, t.arousal_confidence = round(float(cv[i]), 3), round(float(ca[i]), 3)
        t.valence_rel, t.arousal_rel = round(float(rv[i]), 3), round(float(ra[i]), 3)
        t.emotion = music_label_for(t.valence, t.arousal)
    return tracks


def apply_music_model(tracks: list[TrackFeatures], model) -> list[TrackFeatures]:
    """Place ``tracks`` by sound alone (no words, no library), in place: with the trained
    ``model``, or the priors of :func:`music_va` when it is None. Used for single tracks, such as
    a cue just composed.

    Used by: scripts (public API)
    """
    return place_tracks(tracks, model, words=False)


@dataclass
class LibraryIndex:
    """The indexed tracks of a folder, and the files that could not be used."""

    folder: str
    tracks: list[TrackFeatures]
    skipped: list[tuple[str, str]]  # (path, reason)
    ignored: int = 0  # files that are not audio (.txt, .mid, ...)
    #: each track's file as it was indexed, (device, inode): what a player checks before it reads
    #: the file again, so a name swapped for a link afterwards is not followed
    identities: dict[str, tuple[int, int]] = field(default_factory=dict)

    def to_dict(self) -> dict:
        """JSON-ready form for ``dramatune index --json``."""
        return {
            "folder": self.folder,
            "tracks": [t.to_dict() for t in self.tracks],
            "skipped": [{"path": p, "reason": r} for p, r in self.skipped],
            "ignored": self.ignored,
        }


def _safe_features(path: str, ears: TaggerPool) -> tuple[str, TrackFeatures | None, str]:
    ear = ears.take()
    try:
        tf = track_features(path, ear=ear)
    except DramaTuneError as e:
        return path, None, str(e)
    except Exception as e:  # a decoder's own error: report, never crash the index
        return path, None, f"{Path(path).name}: cannot analyse — {type(e).__name__}: {e}".splitlines()[0]
    finally:
        ears.give(ear)
    return path, tf, ""


def _cache_file(folder: Path) -> Path:
    """Where the index of ``folder`` is cached (its folder is made when missing)."""
    key = hashlib.sha1(str(folder.resolve()).encode()).hexdigest()[:16]
    d = config.cache_dir() / "index"
    d.mkdir(parents=True, exist_ok=True)
    return d / f"{key}.json"


def _cached_entries(cache_path: Path) -> dict:
    """The entries ``{path: {stamp, features, error}}`` of an index cache; empty when it is
    missing, unreadable or written by another :data:`FEATURES_VERSION`."""
    try:
        cache = json.loads(cache_path.read_text())
    except (OSError, ValueError):
        return {}
    return cache.get("entries", {}) if cache.get("version") == FEATURES_VERSION else {}


def known_track(path: str | Path) -> TrackFeatures | None:
    """The features measured for ``path`` by an earlier :func:`index_library` of a folder above it,
    when the file has not changed since (same size and modification time); None otherwise. Lets
    ``dramatune merge`` fit a track on the index's beat grid instead of tracking its beats again.

    Used by: :mod:`fit_and_export.fit`
    """
    path = Path(path).absolute()
    try:
        stamp = [path.stat().st_size, path.stat().st_mtime]
    except OSError:
        return None
    for folder in path.parents:
        entry = _cached_entries(_cache_file(folder)).get(str(path))
        if entry and entry.get("stamp") == stamp and entry.get("features"):
            return TrackFeatures.from_dict(entry["features"])
    return None


def indexed_folder(path: str | Path) -> Path | None:
    """The folder above ``path`` whose index holds it (a music library DramaTune knows), or None.
    An export's stem must not land there: the next index would take it for music.

    Used by: :mod:`cli.commands`
    """
    path = Path(path).absolute()
    for folder in path.parents:
        if str(path) in _cached_entries(_cache_file(folder)):
            return folder
    return None


def grid_of(track: TrackFeatures) -> BeatGrid | None:
    """A track's beat grid as its index measured it (None without one).

    Used by: :mod:`fit_and_export.fit`, :mod:`pipeline`
    """
    if len(track.beats) < 8 or not track.bars:
        return None
    beats = np.asarray(track.beats, dtype=float)
    return BeatGrid(tempo=60.0 / float(np.median(np.diff(beats))), beats=beats, bars=np.asarray(track.bars, float))


def _write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to a temporary file of its own beside ``path``, then rename it into place: two
    processes (two app tabs) writing the same cache never see half a file or take each other's
    temporary file."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _measure_new(entries: dict, files: list[Path], **parallel) -> list[tuple[str, str]]:
    """Measure the ``files`` whose size or modification time differs from their cache entry (in
    parallel, :func:`parallel_map` with ``parallel``), updating ``entries`` {path: {stamp, features,
    error}} in place. Returns (path, error) of each file measured now; the one cache rule both the
    library index and the training corpus follow."""
    stamps = {str(p): [p.stat().st_size, p.stat().st_mtime] for p in files}
    todo = [p for p in stamps if entries.get(p, {}).get("stamp") != stamps[p]]
    if not todo:
        return []
    results = parallel_map(
        partial(_safe_features, ears=TaggerPool()), todo, unit="track", label=lambda p: Path(p).name, **parallel
    )
    for p, tf, err in results:
        entries[p] = {"stamp": stamps[p], "features": tf.to_dict() if tf else None, "error": err}
    return [(p, err) for p, _, err in results]


def cached_track_features(
    paths: list[str | Path], *, n_jobs: int = -1, progress: bool = False
) -> list[TrackFeatures | None]:
    """:func:`track_features` of each file (None where it cannot be analysed), measured once and
    then read from a cache keyed by path, size and modification time (the training and benchmark
    corpora, which are not one folder).

    Used by: :mod:`training.music_corpus`
    """
    path = config.cache_dir() / "index" / f"corpus-v{FEATURES_VERSION}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        entries = json.loads(path.read_text())
    except (OSError, ValueError):
        entries = {}
    measured = _measure_new(
        entries, [Path(p) for p in paths], n_jobs=n_jobs, progress="measuring" if progress else None
    )
    for _, err in measured:
        if err:
            print("skipped", err)
    if measured:
        _write_atomically(path, json.dumps(entries))
    return [
        TrackFeatures.from_dict(entries[str(p)]["features"]) if entries[str(p)]["features"] else None for p in paths
    ]


def index_library(
    folder: str | Path,
    *,
    n_jobs: int = -1,
    progress: bool = False,
    music_model="auto",
    words: bool = True,
    callback=None,
) -> LibraryIndex:
    """Index every audio file under ``folder`` (recursively), in parallel, with a cache.

    The cache is keyed by path, size and modification time, so re-indexing analyses only new or
    changed files. Files that fail to decode are listed in ``skipped`` with their reason, and so
    are links that lead out of ``folder`` (never read); an app tab's private folder (marked by
    :data:`config.SESSION_MARK`) is passed over unseen. Each track's file identity (device,
    inode) is kept in ``identities``, for :func:`read_indexed`.
    The tracks are placed by :func:`place_tracks`: ``music_model`` "auto" (the default) is the
    trained model in ``models/``, which orders real soundtracks better than the priors (notebook
    04); None keeps the priors of :func:`music_va`; a :class:`MusicModel` is used as given.
    ``words`` fuses folder names, titles and tags with the sound. ``progress`` shows a bar on a
    terminal (files done of all, the last one's name); ``callback(done, total, path)`` follows
    each new file as it is measured (the app's progress bar).

    Notebook: 02_feature_extraction.ipynb, 04_evaluation.ipynb, 06_compose.ipynb
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise BadInputError(folder, "is not a folder — give the folder that holds your music")
    files, ignored, outside = [], 0, []
    inside = folder.resolve()
    found = sorted(folder.absolute().rglob("*"))  # absolute: the cache is found again from anywhere
    private = {p.parent for p in found if p.name == config.SESSION_MARK}  # an app tab's own folder
    for p in found:
        if private and any(d in p.parents for d in private):
            continue  # never listed, never read: another tab's uploads and exports
        if p.is_file() and not p.name.startswith("."):
            if p.suffix.lower() not in config.AUDIO_EXTENSIONS:
                ignored += 1
            elif inside not in p.resolve().parents:  # a link (or a linked folder) that leaves the folder
                outside.append((str(p), f"{p.name}: is a link to a file outside {folder} — skipped, never read"))
            else:
                files.append(p)
    cache_path = _cache_file(folder)
    entries = _cached_entries(cache_path)
    _measure_new(entries, files, n_jobs=n_jobs, progress="indexing" if progress else None, callback=callback)
    present = {str(p) for p in files}
    entries = {p: e for p, e in entries.items() if p in present}
    _write_atomically(cache_path, json.dumps({"version": FEATURES_VERSION, "entries": entries}))
    tracks = [TrackFeatures.from_dict(e["features"]) for p, e in entries.items() if e["features"]]
    # the cache holds what was measured; the placement is made afresh each time, so a retrained
    # model needs no re-index, and each track is placed against the library it is in now
    place_tracks(tracks, load_music_model() if music_model == "auto" else music_model, folder=folder, words=words)
    skipped = [(p, e["error"]) for p, e in entries.items() if not e["features"]] + outside
    if not tracks:
        if skipped:
            why = f"{len(skipped)} audio file{'s' if len(skipped) > 1 else ''} could not be used, e.g. {skipped[0][1]}"
        else:
            why = f"no audio files found ({', '.join(config.AUDIO_EXTENSIONS)})"
        raise EmptyLibraryError(f"{folder}: {why} — add music that plays to this folder")
    identities = {str(p): (st.st_dev, st.st_ino) for p in files for st in [p.stat()]}
    return LibraryIndex(folder=str(folder), tracks=tracks, skipped=skipped, ignored=ignored, identities=identities)


def read_indexed(index: LibraryIndex, path: str) -> bytes:
    """The bytes of a track of ``index``, read only if the file at ``path`` is still the one
    indexed (same device and inode, checked on the opened file): a name swapped for a link to
    another file after indexing is refused, not followed.

    Used by: :mod:`recommend_and_merge.session`
    """
    known = index.identities.get(path)
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError as e:
        raise BadInputError(path, f"cannot be read ({e.strerror}) — index the folder again") from None
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(f.fileno())
        if known is None or (st.st_dev, st.st_ino) != tuple(known):
            raise BadInputError(path, "is not the file that was indexed — index the folder again")
        return f.read()


def library_table(index: LibraryIndex):
    """The indexed tracks as a DataFrame, one row a track.

    Notebook: 02_feature_extraction.ipynb
    """
    import pandas as pd

    cols = [
        "title",
        "duration",
        "tempo",
        "key",
        "mode",
        "loudness_lufs",
        "loudness_range_lu",
        "onset_density",
        "energy",
        "danceability",
        "valence",
        "valence_confidence",
        "arousal",
        "arousal_confidence",
        "valence_rel",
        "arousal_rel",
        "words",
        "placed_by",
        "emotion",
    ]
    return pd.DataFrame([t.to_dict() for t in index.tracks])[cols]


def quadrant_agreement(index: LibraryIndex, cues_json: str | Path):
    """Compare each composed cue's intended quadrant with the one its measured features give.

    Returns ``(table, share_agreeing)``: a check that the feature priors read music the way the
    composer meant it.

    Notebook: 02_feature_extraction.ipynb
    """
    import pandas as pd

    meant = {r["file"]: r for r in json.loads(Path(cues_json).read_text())}
    rows = []
    for t in index.tracks:
        m = meant.get(Path(t.path).name)
        if m:
            rows.append(
                {
                    "file": Path(t.path).name,
                    "meant": m["quadrant"],
                    "measured": circumplex.quadrant(t.valence, t.arousal),
                    "tempo_meant": m["tempo"],
                    "tempo_measured": t.tempo,
                    "mode_meant": m["mode"],
                    "mode_measured": t.mode,
                }
            )
    table = pd.DataFrame(rows)
    share = float((table["meant"] == table["measured"]).mean()) if len(table) else 0.0
    return table, share
