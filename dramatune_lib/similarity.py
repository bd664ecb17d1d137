"""Shared kernel: tracks that sound alike, for "more like this".

A track's sound is musicnn's embedding: the mean, over the patches it heard, of the 200 numbers of
the tagger's penultimate layer (timbre, instruments, rhythm; :mod:`feature_extraction.musicnn`).
Two tracks are alike by the cosine of their embeddings, each first centred on the library's mean
(the embeddings of all music share a large common part, which would make every pair look alike).
Where a library's tracks lack the embedding, the hand-made sound descriptors
(:func:`feature_extraction.sound_descriptors`), standardised over the library, stand in.

The search is exact, in numpy: one matrix-vector product over the library's unit rows (float32).
``bench/bench_similar.py`` times it at 10,000 and 100,000 tracks (RESULTS.md): fast enough that
no nearest-neighbour index library is needed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .schema import TrackFeatures


@dataclass
class SoundSpace:
    """A library's tracks as unit vectors in one space: ``vectors`` ``(n, d)``, row ``i`` for
    ``paths[i]``; ``by`` says which space ("embedding" or "descriptors"); ``center`` and
    ``scale`` map a new track into it (:meth:`vector`)."""

    paths: list[str]
    vectors: np.ndarray
    by: str
    center: np.ndarray
    scale: np.ndarray

    def vector(self, track: TrackFeatures) -> np.ndarray:
        """``track`` as a unit vector of this space (a track of the library, or a new one)."""
        raw = _raw(track, self.by)
        if raw is None:
            raise ValueError(f"{track.title}: has no {self.by} to compare")
        return _unit((raw - self.center) / self.scale)


def _raw(track: TrackFeatures, by: str) -> np.ndarray | None:
    values = track.embedding if by == "embedding" else [track.descriptors.get(k) for k in sorted(track.descriptors)]
    if not values or any(v is None for v in values):
        return None
    return np.asarray(values, np.float32)


def _unit(x: np.ndarray) -> np.ndarray:
    norm = np.linalg.norm(x, axis=-1, keepdims=True)
    return (x / np.where(norm > 0, norm, 1)).astype(np.float32)


def sound_space(tracks: Sequence[TrackFeatures]) -> SoundSpace:
    """The library's tracks in the embedding's space, centred on their mean; in the descriptors'
    space, standardised, where any track lacks the embedding.

    Used by: :func:`likeness`, :func:`similar`
    """
    by = "embedding" if tracks and all(t.embedding for t in tracks) else "descriptors"
    rows = [_raw(t, by) for t in tracks]
    if not tracks or any(r is None for r in rows) or len({r.size for r in rows if r is not None}) > 1:
        raise ValueError("these tracks have no sound to compare: index them again")
    raw = np.stack([r for r in rows if r is not None])
    center = raw.mean(axis=0)
    scale = raw.std(axis=0) if by == "descriptors" else np.ones(raw.shape[1], np.float32)
    scale = np.where(scale > 0, scale, 1).astype(np.float32)
    return SoundSpace([t.path for t in tracks], _unit((raw - center) / scale), by, center, scale)


def likeness(space: SoundSpace, track: TrackFeatures) -> np.ndarray:
    """How alike ``track`` and each of the space's tracks sound: the cosine, -1..1, one per track.

    Used by: :mod:`matching`
    """
    return space.vectors @ space.vector(track)


def _best(sims: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` largest values, largest first (a partial sort: linear, not n log n)."""
    part = np.argpartition(-sims, k)[:k]
    return part[np.argsort(-sims[part], kind="stable")]


@dataclass
class Alike:
    """A track that sounds like another, with how alike (the cosine, -1..1)."""

    rank: int
    track: TrackFeatures
    likeness: float


def similar(
    track: TrackFeatures,
    tracks: Sequence[TrackFeatures],
    *,
    top: int = 5,
    exclude: set[str] | frozenset[str] = frozenset(),
    space: SoundSpace | None = None,
) -> list[Alike]:
    """The ``top`` tracks of ``tracks`` that sound most like ``track`` (itself and ``exclude``
    left out), best first, by exact search (:func:`likeness`).

    Args:
        track: the track to match (of the library, or measured on its own).
        tracks: the library.
        top: how many.
        exclude: paths already shown.
        space: the library's :func:`sound_space`, when made already (a large library's is reused).

    Returns:
        The alike tracks with their likeness.

    Notebook: 04_evaluation.ipynb
    """
    space = space or sound_space(tracks)
    sims = likeness(space, track)
    k = top + 1 + len(exclude)  # enough candidates, whatever is left out
    order = np.argsort(-sims, kind="stable") if k >= sims.size else _best(sims, k)
    out: list[Alike] = []
    for i in order:
        t = tracks[int(i)]
        if t.path == track.path or t.path in exclude:
            continue
        out.append(Alike(len(out) + 1, t, round(float(sims[i]), 3)))
        if len(out) == top:
            break
    return out
