"""Stage 01 · the report's datasets (LIRIS-ACCEDE, the Kaggle music folder), read when a user has them locally."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import config

#: Where DramaTune looks for the report's datasets (each may also be passed explicitly).
LIRIS_DIR = config.PROJECT_ROOT / "data" / "liris-accede"


KAGGLE_MUSIC_DIR = config.PROJECT_ROOT / "data" / "kaggle-music"


LIRIS_HOW = (
    "request the LIRIS-ACCEDE Discrete set at https://liris-accede.ec-lyon.fr/ (free for research, "
    "after signing its licence agreement), then unzip LIRIS-ACCEDE-data.zip and "
    "LIRIS-ACCEDE-annotations.zip into {folder}"
)


KAGGLE_HOW = (
    'download the Kaggle dataset "Music Classification" (shanmukh05) with a Kaggle account and unzip it '
    "into {folder}: one sub-folder of audio files per class"
)


#: LIRIS-ACCEDE's sets (ACCEDEsets.txt): 0 test, 1 learning, 2 validation.
LIRIS_SETS = {0: "test", 1: "learning", 2: "validation"}


class DatasetMissingError(FileNotFoundError):
    """A dataset the report used is not on this machine; the message says what to fetch and where."""


@dataclass
class LirisClip:
    """One LIRIS-ACCEDE excerpt with its crowd-sourced ratings, on DramaTune's scale too."""

    name: str
    path: str
    valence: float  # [-1, 1]: (valenceValue - 3) / 2
    arousal: float
    valence_value: float  # as annotated, on the 1..5 rating scale
    arousal_value: float
    subset: str  # "test" | "learning" | "validation" | ""


def load_liris_accede(folder: str | Path | None = None, *, limit: int | None = None) -> list[LirisClip]:
    """LIRIS-ACCEDE's excerpts and valence/arousal annotations from a local copy.

    Looks under ``folder`` (default ``data/liris-accede/``) for ``ACCEDEranking.txt``
    (tab-separated: id, name, valenceRank, arousalRank, valenceValue, arousalValue, ...),
    ``ACCEDEsets.txt`` (optional) and the ``ACCEDE*.mp4`` excerpts, wherever the zips were
    unpacked. Annotated excerpts whose video is missing are left out. Raises
    :class:`DatasetMissingError` saying what to download and where.

    Notebook: 01_dataset_prep.ipynb
    """
    folder = Path(folder) if folder else LIRIS_DIR
    ranking = next(iter(sorted(folder.rglob("ACCEDEranking.txt"))), None) if folder.is_dir() else None
    if ranking is None:
        raise DatasetMissingError(
            f"LIRIS-ACCEDE: no ACCEDEranking.txt under {folder} — " + LIRIS_HOW.format(folder=folder)
        )
    videos = {p.name: p for p in folder.rglob("ACCEDE*.mp4")}
    if not videos:
        raise DatasetMissingError(
            f"LIRIS-ACCEDE: annotations found but no ACCEDE*.mp4 excerpt under {folder} — "
            + LIRIS_HOW.format(folder=folder)
        )
    sets: dict[str, str] = {}
    sets_file = ranking.with_name("ACCEDEsets.txt")
    if sets_file.exists():
        with sets_file.open(newline="") as f:
            sets = {r["name"]: LIRIS_SETS.get(int(r["set"]), "") for r in csv.DictReader(f, delimiter="\t")}
    clips = []
    with ranking.open(newline="") as f:
        for r in csv.DictReader(f, delimiter="\t"):
            path = videos.get(r["name"])
            if path is None:
                continue
            vv, av = float(r["valenceValue"]), float(r["arousalValue"])
            clips.append(
                LirisClip(
                    r["name"],
                    str(path),
                    round((vv - 3) / 2, 4),
                    round((av - 3) / 2, 4),
                    vv,
                    av,
                    sets.get(r["name"], ""),
                )
            )
            if limit and len(clips) >= limit:
                break
    return clips


def load_kaggle_music(folder: str | Path | None = None) -> dict[str, list[Path]]:
    """The report's Kaggle music folder from a local copy: audio files grouped by the sub-folder
    they sit in (the dataset's class), any depth. Index it like any library with
    :func:`feature_extraction.index_library`. Raises :class:`DatasetMissingError` saying what
    to download and where.

    Used by: :func:`report_datasets`
    """
    folder = Path(folder) if folder else KAGGLE_MUSIC_DIR
    files = (
        sorted(p for p in folder.rglob("*") if p.suffix.lower() in config.AUDIO_EXTENSIONS) if folder.is_dir() else []
    )
    if not files:
        raise DatasetMissingError(f"Kaggle music: no audio files under {folder} — " + KAGGLE_HOW.format(folder=folder))
    groups: dict[str, list[Path]] = {}
    for p in files:
        groups.setdefault(p.parent.name if p.parent != folder else "(no class)", []).append(p)
    return groups


def report_datasets(liris: str | Path | None = None, kaggle: str | Path | None = None) -> dict[str, str]:
    """One line per dataset of the report: what was found, or what to download and where.

    Notebook: 01_dataset_prep.ipynb
    """
    out = {}
    try:
        clips = load_liris_accede(liris)
        by_set = {s: sum(c.subset == s for c in clips) for s in LIRIS_SETS.values()}
        out["LIRIS-ACCEDE"] = (
            f"{len(clips)} annotated excerpts ({', '.join(f'{n} {s}' for s, n in by_set.items() if n)})"
        )
    except DatasetMissingError as e:
        out["LIRIS-ACCEDE"] = f"not found: {e}"
    try:
        groups = load_kaggle_music(kaggle)
        out["Kaggle music"] = (
            f"{sum(map(len, groups.values()))} tracks in {len(groups)} classes ({', '.join(sorted(groups))})"
        )
    except DatasetMissingError as e:
        out["Kaggle music"] = f"not found: {e}"
    return out


def liris_agreement(clips: list[LirisClip], profiles: list) -> dict[str, float]:
    """How DramaTune's analysis agrees with LIRIS-ACCEDE's annotations: the share of excerpts on
    the right side of each axis (the annotation's sign on the -1..1 scale) and the Spearman rank
    correlation of each axis.

    Notebook: 01_dataset_prep.ipynb
    """
    from scipy.stats import spearmanr

    v = np.array([c.valence for c in clips])
    a = np.array([c.arousal for c in clips])
    pv = np.array([p.valence for p in profiles])
    pa = np.array([p.arousal for p in profiles])
    return {
        "n": len(clips),
        "valence_sign": round(float(np.mean(np.sign(pv) == np.sign(v))), 3),
        "arousal_sign": round(float(np.mean(np.sign(pa) == np.sign(a))), 3),
        "valence_spearman": round(float(spearmanr(v, pv)[0]), 3) if len(clips) > 2 else float("nan"),
        "arousal_spearman": round(float(spearmanr(a, pa)[0]), 3) if len(clips) > 2 else float("nan"),
    }
