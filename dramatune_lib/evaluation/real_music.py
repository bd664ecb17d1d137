"""Stage 04 · music emotion and the matcher on real soundtracks, one game left out at a time."""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import circumplex, config, feature_extraction, media, training
from ..circumplex import label_for
from ..feature_extraction import target_tempo
from ..matching import RELATIVE_WEIGHT, MatchWeights, recommend
from ..schema import SceneProfile, TrackFeatures
from ..training.music_model import EAR_WEIGHT
from .auc import auc_interval, pairwise_auc
from .report_forest import report_rank

#: Context groups on each side of the arousal comparison (issue #13): combat and tension against
#: peace, ambient and lament music; a dungeon's gloom counts as calm.
AROUSAL_SIDES = (("combat", "tension"), ("peace", "ambient", "lament", "gloom"))


#: ... and of the valence comparison: victory, peace and a won ending against defeat, lament, a
#: lost ending and gloom. Combat stays out: it would test arousal again.
VALENCE_SIDES = (("victory", "peace", "win"), ("defeat", "lament", "lose", "gloom"))


#: The four scene moods the matcher is asked for, their point on the circumplex
#: (:data:`circumplex.LABEL_VA`; "triumphant" is joy's point) and the context groups that fit.
TARGET_MOODS: dict[str, tuple[str, tuple[str, ...]]] = {
    "tense": ("tense", ("combat", "tension")),
    "sad": ("sad", ("defeat", "lament", "lose", "gloom")),
    "triumphant": ("happy", ("victory", "win")),
    "calm": ("calm", ("peace", "ambient")),
}


@dataclass
class BenchmarkTrack:
    """One labelled recording as the benchmark sees it: its file name anonymised."""

    name: str  # "game 3 / track 07"
    game: str  # the Debian package
    group: str  # its context group (training.CONTEXT_VA); "" for a track its game does not label
    features: TrackFeatures  # path and title anonymised; tags that repeat the file name dropped
    source: str = ""  # the real file, for readers that need the audio again (vibenet)


def _anonymise(t: TrackFeatures, name: str) -> TrackFeatures:
    stem = set(re.findall(r"[a-z]{3,}", Path(t.path).stem.lower().replace("_", " ")))
    tags = {k: v for k, v in (t.tags or {}).items() if not stem & set(re.findall(r"[a-z]{3,}", v.lower()))}
    return TrackFeatures.from_dict({**t.to_dict(), "path": f"/benchmark/{name}.ogg", "title": name, "tags": tags})


def benchmark_tracks(fast: bool = True, *, whole: bool = True) -> list[BenchmarkTrack]:
    """The game soundtracks (notebook 03's :func:`training.soundtrack_clips`; 0 A.D.'s 1.4 GB and
    hedgewars only when ``fast`` is False), measured (cached) and anonymised: each file becomes
    "game G / track NN", and a tag that repeats a word of the file name is dropped, so only the
    sound and words the name does not give can speak. ``whole`` keeps every music file each
    game ships, the unlabelled ones with ``group`` "" (the distractors of a real library).

    Notebook: 04_evaluation.ipynb
    """
    clips, feats = training.soundtrack_features(training.soundtrack_clips(full=not fast, whole=whole))
    games = sorted({c.source for c in clips})
    out, count = [], {g: 0 for g in games}
    for c, f in zip(clips, feats):
        count[c.source] += 1
        name = f"game {games.index(c.source) + 1} / track {count[c.source]:02d}"
        out.append(BenchmarkTrack(name, c.source, c.group, _anonymise(f, name), c.path))
    return out


def _place_by(method: str, train: list[BenchmarkTrack], test: list[BenchmarkTrack]) -> list[TrackFeatures]:
    """Copies of ``test``'s tracks placed by ``method`` as one library, having learned (where it
    learns) from ``train``'s labelled tracks only."""
    tracks = [TrackFeatures.from_dict(b.features.to_dict()) for b in test]
    if method == "priors":
        return feature_extraction.place_tracks(tracks, None, words=False)
    if method == "vibenet as it comes":
        return _vibenet_place(test, tracks)
    ear_weight, words = METHOD_EAR[method]
    return feature_extraction.place_tracks(tracks, model_without(train, ear_weight), words=words)


def model_without(train: list[BenchmarkTrack], ear_weight: float = EAR_WEIGHT):
    """The music model learned from ``train``'s labelled tracks only (the other games, when one
    is left out), its arousal ``ear_weight`` musicnn's.

    Used by: :func:`clip_moments.clip_landing`
    """
    train = [b for b in train if b.group]
    clips = [
        training.MusicClip(
            b.features.path,
            training.SIGN_TARGET * training.CONTEXT_VA[b.group][0] or None,
            training.SIGN_TARGET * training.CONTEXT_VA[b.group][1] or None,
            "recording",
            b.game,
            "",
            group=b.group,
        )
        for b in train
    ]
    return training.fit_music_model(clips, [b.features for b in train], ear_weight=ear_weight)


#: The learned methods: (the ear's share of arousal, whether the words speak). "sound model +
#: words" was DramaTune's default before the ear (musicnn) came in.
METHOD_EAR: dict[str, tuple[float, bool]] = {
    "sound model": (0.0, False),
    "sound model + words": (0.0, True),
    "ear + words": (1.0, True),
    "sound model + ear + words": (EAR_WEIGHT, True),
}


#: Ways of placing music the benchmark compares.
BENCHMARK_METHODS = ("priors", "sound model", "sound model + words", "ear + words", "sound model + ear + words")


#: DramaTune's default placement (``index_library``: the model in ``models/``, with the words).
DEFAULT_METHOD = "sound model + ear + words"
#: The default before the ear: the placement the new default is measured against.
PREVIOUS_METHOD = "sound model + words"


def music_benchmark(tracks: list[BenchmarkTrack], methods: tuple[str, ...] = BENCHMARK_METHODS):
    """Leave one game out: each game's tracks (its whole soundtrack, as one library) placed by
    each method having learned from the other games' labelled tracks only. Returns
    ``(table, placed)``: per game and method, over the labelled tracks, the valence and arousal AUC
    (:func:`pairwise_auc` with :data:`VALENCE_SIDES`, :data:`AROUSAL_SIDES`), their pairs and the
    share of tracks in their quadrant (where the group gives both sides), with an "all games"
    row pooling the pairs; and ``placed[method][game]``, the placed tracks.

    Notebook: 04_evaluation.ipynb
    """
    import pandas as pd

    games = sorted({b.game for b in tracks})
    placed: dict[str, dict[str, list[TrackFeatures]]] = {m: {} for m in methods}
    for m in methods:
        for g in games:
            placed[m][g] = _place_by(m, [b for b in tracks if b.game != g], [b for b in tracks if b.game == g])
    rows = []
    for m in methods:
        for g in [*games, "all games"]:
            sel = [i for i, b in enumerate(tracks) if g in (b.game, "all games") and b.group]
            flat = [t for gg in games for t in placed[m][gg]]
            order = [b for gg in games for b in tracks if b.game == gg]
            idx = [order.index(tracks[i]) for i in sel]
            v = np.array([flat[i].valence for i in idx])
            a = np.array([flat[i].arousal for i in idx])
            grp = np.array([tracks[i].group for i in sel])
            gms = np.array([tracks[i].game for i in sel])
            auc_v, n_v = pairwise_auc(v, grp, VALENCE_SIDES, gms)
            auc_a, n_a = pairwise_auc(a, grp, AROUSAL_SIDES, gms)
            ci_v, ci_a = auc_interval(v, grp, VALENCE_SIDES, gms), auc_interval(a, grp, AROUSAL_SIDES, gms)
            both = np.array([all(training.CONTEXT_VA[x]) for x in grp])
            sv = np.array([training.CONTEXT_VA[x][0] for x in grp])
            sa = np.array([training.CONTEXT_VA[x][1] for x in grp])
            quad = ((np.sign(v) == sv) & (np.sign(a) == sa))[both]
            rows.append(
                {
                    "method": m,
                    "game": g,
                    "tracks": len(sel),
                    "valence AUC": auc_v,
                    "valence pairs": n_v,
                    "valence 95% from": ci_v[0],
                    "valence 95% to": ci_v[1],
                    "arousal AUC": auc_a,
                    "arousal pairs": n_a,
                    "arousal 95% from": ci_a[0],
                    "arousal 95% to": ci_a[1],
                    "quadrant": float(quad.mean()) if quad.size else float("nan"),
                    "quadrant tracks": int(quad.size),
                }
            )
    df = pd.DataFrame(rows)
    return df.round(3), placed


def _vibenet_place(test: list[BenchmarkTrack], tracks: list[TrackFeatures]) -> list[TrackFeatures]:
    """vibenet's own valence and energy as a placement, unchanged (0.5 is its middle). Learning
    from them (with the sound features, or its 256-number embedding) did worse on games left
    out than taking them as they come."""
    vb = vibenet_readings([b.source for b in test])
    v = np.array([2 * vb[b.source]["valence"] - 1 for b in test])
    a = np.array([2 * vb[b.source]["energy"] - 1 for b in test])
    for t in tracks:
        t.placed_by = "vibenet"
    return feature_extraction.set_placement(tracks, v, a, np.abs(v), np.abs(a))


def vibenet_available() -> bool:
    """Whether the optional ``vibenet`` package (GPL-3.0, not installed by ``make setup``) is here.

    Notebook: 04_evaluation.ipynb
    """
    return importlib.util.find_spec("vibenet") is not None and importlib.util.find_spec("onnxruntime") is not None


def vibenet_readings(paths: list[str]) -> dict[str, dict[str, float]]:
    """vibenet's seven readings (valence, energy, danceability, acousticness, ...) of each file's
    first :data:`feature_extraction.MAX_ANALYSIS_SECONDS`, cached by path, size and time. Needs
    the optional ``vibenet`` package (``pip install vibenet``; GPL-3.0: see the README).

    Used by: :func:`_vibenet_place`
    """
    cache = config.cache_dir() / "index" / "vibenet.json"
    try:
        entries = json.loads(cache.read_text())
    except (OSError, ValueError):
        entries = {}
    todo = [p for p in paths if entries.get(p, {}).get("stamp") != [Path(p).stat().st_size, Path(p).stat().st_mtime]]
    if todo:
        from vibenet import labels, load_model

        model = load_model()
        for p in todo:
            y = media.load_audio(p, sr=16000, mono=True, max_seconds=feature_extraction.MAX_ANALYSIS_SECONDS)
            r = model.predict(y.astype(np.float32), sr=16000)[0].to_dict()
            entries[p] = {
                "stamp": [Path(p).stat().st_size, Path(p).stat().st_mtime],
                "readings": {k: round(float(r[k]), 4) for k in labels},
            }
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps(entries))
    return {p: entries[p]["readings"] for p in paths}


def mood_profile(mood: str, *, duration: float = 30.0) -> SceneProfile:
    """A scene of one of the :data:`TARGET_MOODS` with a clear reading: its point on the
    circumplex at confidence 0.8 on each axis (:func:`scene_at`).

    Used by: :func:`matcher_benchmark`
    """
    v, a = circumplex.LABEL_VA[TARGET_MOODS[mood][0]]
    return scene_at(f"scene-{mood}", v, a, 0.8, 0.8, duration=duration)


def scene_at(
    path: str, v: float, a: float, cv: float, ca: float, *, duration: float, timeline: list[list[float]] | None = None
) -> SceneProfile:
    """A scene that reads (``v``, ``a``) with confidences ``cv`` and ``ca``, with the pace and
    target tempo the analysis gives such a reading (as :func:`evaluation_cases` does), and
    ``timeline`` (``[t, valence, arousal, confidence]`` a second) when given.

    Used by: :func:`mood_profile`, :func:`clip_moments.clip_scene`
    """
    pace = (a + 1) / 2
    return SceneProfile(
        path=path,
        duration=duration,
        fps=25.0,
        width=1280,
        height=720,
        has_audio=True,
        valence=v,
        arousal=a,
        confidence=min(cv, ca),
        valence_confidence=cv,
        arousal_confidence=ca,
        emotion=label_for(v, a),
        pace=round(pace, 3),
        target_tempo=target_tempo(a, pace),
        face_share=0.0,
        brightness=0.5,
        timeline=timeline or [],
    )


def as_library(tracks: list[TrackFeatures]) -> list[TrackFeatures]:
    """Copies of placed tracks ranked again within themselves, as a library of their own (the
    labelled tracks of a game without its unlabelled ones, say).

    Used by: :func:`matcher_benchmark`
    """
    copies = [TrackFeatures.from_dict(t.to_dict()) for t in tracks]
    return feature_extraction.set_placement(
        copies,
        [t.valence for t in copies],
        [t.arousal for t in copies],
        [t.valence_confidence for t in copies],
        [t.arousal_confidence for t in copies],
    )


#: The two libraries the matcher is measured on: each game's labelled tracks only, and its whole
#: soundtrack, where the unlabelled tracks count as not fitting (as a user's folder holds them).
LIBRARIES = ("labelled", "whole")


def matcher_benchmark(
    tracks: list[BenchmarkTrack],
    placed: dict[str, dict[str, list[TrackFeatures]]],
    forest=None,
    *,
    library: str = "whole",
    top: int = 3,
    method: str = DEFAULT_METHOD,
    weights: MatchWeights | None = None,
    relative_weight: float = RELATIVE_WEIGHT,
):
    """For each left-out game and each of the :data:`TARGET_MOODS` it has fitting music for, the
    share of the top ``top`` picks from a fitting context group, in one of the :data:`LIBRARIES`
    (``library``: the game's labelled tracks, or its whole soundtrack with the unlabelled tracks
    counted as misses): the matcher on the tracks as ``method`` placed them (leave one game out),
    the same on the placement it replaced (:data:`PREVIOUS_METHOD`, where ``placed`` has it) and
    on the priors' placement, a tempo-only ranking, the report's forest (when given), random
    choice (its exact expectation) and the ceiling (the best any ranking could do: a game with one
    sad piece gives at most 1/3). ``weights`` and ``relative_weight`` are the matcher's (its
    defaults when not given). Returns ``(table, summary)``: one row per game and mood, and the
    mean per mood and ranker.

    Notebook: 04_evaluation.ipynb
    """
    import pandas as pd

    def matcher(placement: str):
        return lambda p, libs: recommend(p, libs[placement], top=top, weights=weights, relative_weight=relative_weight)

    rankers = {
        "DramaTune matcher": matcher(method),
        "matcher on the model before": matcher(PREVIOUS_METHOD),
        "matcher on the priors": matcher("priors"),
        "tempo only": lambda p, libs: recommend(
            p, libs[method], top=top, weights=MatchWeights(emotion=0, tempo=1, duration=0, diversity=0)
        ),
    }
    if PREVIOUS_METHOD not in placed or PREVIOUS_METHOD == method:
        del rankers["matcher on the model before"]
    if forest is not None:
        rankers["the report's forest"] = lambda p, libs: report_rank(forest, p, libs[method], top=top)
    rows = []
    for game in sorted(placed[method]):
        bt = [b for b in tracks if b.game == game]
        keep = [i for i, b in enumerate(bt) if b.group or library == "whole"]
        libs = {m: [placed[m][game][i] for i in keep] for m in {method, PREVIOUS_METHOD, "priors"} if m in placed}
        if library != "whole":
            libs = {m: as_library(ts) for m, ts in libs.items()}
        group = {t.path: bt[i].group for t, i in zip(libs[method], keep)}
        for mood, (_, fits) in TARGET_MOODS.items():
            k = sum(g in fits for g in group.values())
            if not k or len(group) <= top:
                continue
            profile = mood_profile(mood)
            row = {"game": game, "mood": mood, "tracks": len(group), "fitting": k}
            for name, rank in rankers.items():
                picks = rank(profile, libs)
                row[name] = float(np.mean([group[r.path] in fits for r in picks]))
            row["random (expected)"] = k / len(group)
            row["ceiling"] = min(k, top) / top
            rows.append(row)
    table = pd.DataFrame(rows).round(3)
    names = [*rankers, "random (expected)", "ceiling"]
    summary = table.groupby("mood", sort=False)[names].mean().round(3)
    summary.loc["all moods"] = table[names].mean().round(3)
    return table, summary


def matcher_ablation(
    tracks: list[BenchmarkTrack], placed: dict[str, dict[str, list[TrackFeatures]]], *, method: str = DEFAULT_METHOD
):
    """Each part of the matcher taken away or changed, on both :data:`LIBRARIES`: the mean top-3
    precision over the games and moods of :func:`matcher_benchmark` for each variant (the
    defaults; whole tracks without their moments, and tracks ranked by their best section's place
    rather than their own (:attr:`MatchWeights.section_share`); each term taken away,
    and emotion alone; tempo weighed by its confidence; the emotion term's range matched to one
    unit; the side rules off, or seating every mood; the library-relative blend from 0 to 1), and
    each variant's worst mood. Returns a table, one row per variant.

    Notebook: 04_evaluation.ipynb
    """
    import pandas as pd

    d = MatchWeights()

    def changed(**kw) -> MatchWeights:
        return dataclasses.replace(d, **kw)

    variants = {
        "default": (d, RELATIVE_WEIGHT),
        "whole tracks, no moments (no curve term)": (changed(sections=False), RELATIVE_WEIGHT),
        "ranked by the best section's place": (changed(section_share=1.0), RELATIVE_WEIGHT),
        "without tempo": (changed(tempo=0), RELATIVE_WEIGHT),
        "without length": (changed(duration=0), RELATIVE_WEIGHT),
        "without diversity": (changed(diversity=0), RELATIVE_WEIGHT),
        "emotion only": (changed(tempo=0, duration=0, diversity=0), RELATIVE_WEIGHT),
        "tempo weighed by its confidence": (changed(tempo_by_confidence=True), RELATIVE_WEIGHT),
        "emotion term spans one unit": (changed(emotion_span=1.0), RELATIVE_WEIGHT),
        "emotion only, spanning one unit": (
            changed(tempo=0, duration=0, diversity=0, emotion_span=1.0),
            RELATIVE_WEIGHT,
        ),
        "side rules off": (changed(sides="off"), RELATIVE_WEIGHT),
        "every clear mood seated on its sides": (changed(sides="all"), RELATIVE_WEIGHT),
        **{f"relative weight {rw}": (d, rw) for rw in (0.0, 0.25, 0.5, 0.75, 1.0) if rw != RELATIVE_WEIGHT},
    }
    rows = []
    for name, (weights, rw) in variants.items():
        row: dict = {"variant": name}
        for library in LIBRARIES:
            _, summary = matcher_benchmark(
                tracks, placed, library=library, method=method, weights=weights, relative_weight=rw
            )
            row[library] = summary.loc["all moods", "DramaTune matcher"]
            row[f"{library}: worst mood"] = summary["DramaTune matcher"].drop("all moods").min()
        rows.append(row)
    return pd.DataFrame(rows).round(3)


def _interval(row, axis: str) -> str:
    """ ", 95 % 0.61-0.80" for a benchmark row that holds its bootstrap interval (a stored run
    from before the intervals holds none)."""
    lo, hi = row.get(f"{axis} 95% from"), row.get(f"{axis} 95% to")
    return "" if lo is None or hi is None or lo != lo else f", 95 % {lo:.2f}-{hi:.2f}"


def benchmark_findings(table, runs: dict) -> list[str]:
    """The benchmark's headline figures in sentences, computed from this run's tables (so a
    notebook's summary never types a figure its run contradicts): each method's pooled arousal
    and valence AUC with their pairs, and the matcher's mean top-3 precision on each library
    beside the placement before the ear and random. ``runs`` maps a library to
    :func:`matcher_benchmark`'s ``(table, summary)``.

    Notebook: 04_evaluation.ipynb
    """
    pooled = table[table["game"] == "all games"].set_index("method")
    out = [
        f"{m}: arousal AUC {r['arousal AUC']:.2f} ({r['arousal pairs']} pairs{_interval(r, 'arousal')}), "
        f"valence AUC {r['valence AUC']:.2f} ({r['valence pairs']} pairs{_interval(r, 'valence')}), "
        f"quadrant {r['quadrant']:.0%}"
        for m, r in pooled.iterrows()
    ]
    for library, (_, summary) in runs.items():
        s = summary.loc["all moods"]
        before = s.get("matcher on the model before", float("nan"))
        out.append(
            f"matcher, {library} libraries: top-3 precision {s['DramaTune matcher']:.2f} "
            f"(placement before the ear {before:.2f}, random {s['random (expected)']:.2f}); "
            f"worst mood: {summary['DramaTune matcher'].drop('all moods').idxmin()}"
        )
    return out
