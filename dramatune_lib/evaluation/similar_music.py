"""Stage 04 · "more like this" on real soundtracks: do a track's nearest neighbours share its place in the game?"""

from __future__ import annotations

import numpy as np

from ..similarity import sound_space
from .real_music import BenchmarkTrack

#: Neighbours asked for each track (the issue's "5 nearest").
NEIGHBOURS = 5


def neighbour_agreement(tracks: list[BenchmarkTrack], *, k: int = NEIGHBOURS):
    """For every labelled track, the share of its ``k`` nearest neighbours within the same game
    (among that game's labelled tracks) that share its context group, by musicnn's embedding and
    by the hand-made sound descriptors, beside what random neighbours would give: one row per
    game and one for all games (the mean over tracks).

    Notebook: 04_evaluation.ipynb
    """
    import pandas as pd

    rows: list[dict] = []
    pooled: dict[str, list[float]] = {"embedding": [], "descriptors": [], "random": []}
    for game in sorted({b.game for b in tracks}):
        labelled = [b for b in tracks if b.game == game and b.group]
        if len(labelled) <= k:
            continue
        groups = np.array([b.group for b in labelled])
        shares = {}
        for by in ("embedding", "descriptors"):
            feats = [b.features for b in labelled]
            if by == "descriptors":
                feats = [type(f).from_dict({**f.to_dict(), "embedding": []}) for f in feats]
            space = sound_space(feats)
            sims = space.vectors @ space.vectors.T
            np.fill_diagonal(sims, -np.inf)
            near = np.argsort(-sims, axis=1, kind="stable")[:, :k]
            shares[by] = (groups[near] == groups[:, None]).mean(axis=1)
        same = np.array([(groups == g).sum() - 1 for g in groups])
        shares["random"] = same / (len(labelled) - 1)
        for by, s in shares.items():
            pooled[by].extend(s.tolist())
        rows.append(
            {"game": game, "labelled tracks": len(labelled), **{by: float(s.mean()) for by, s in shares.items()}}
        )
    rows.append(
        {
            "game": "all games",
            "labelled tracks": len(pooled["random"]),
            **{by: float(np.mean(v)) for by, v in pooled.items()},
        }
    )
    return (
        pd.DataFrame(rows)
        .rename(
            columns={
                "embedding": "musicnn embedding",
                "descriptors": "hand-made descriptors",
                "random": "random (expected)",
            }
        )
        .round(3)
    )
