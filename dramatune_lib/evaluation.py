"""Stage 04: evaluation. The report's Random Forest reproduced, and every way of ranking music
compared on the same held-out cases.

``[SceneProfile] x [TrackFeatures] -> table of hit rates and timings``

**The report's model.** The report ranked tracks on tempo and volume alone: a score formula
(the track's tempo against the video's rhythm, its volume against the video's emotion) and a
``RandomForestRegressor`` trained on (video rhythm, video emotion, tempo, volume) to reproduce
that formula. :func:`train_report_forest` does the same on sampled pairs and saves it with its
metadata in ``models/report_forest.joblib``; :func:`report_rank` ranks a library with it.

**The cases.** A case is a scene whose intended mood is known. The library's composed demo cues
carry the quadrant they were composed for, and :func:`evaluation_cases` draws scene profiles at
known points of each quadrant, with the pace and target tempo the scene analysis would give them.
A ranker *hits* when its top 1 (or any of its top 3) was composed for the scene's quadrant. The
random baseline is the exact expectation, not a draw.
"""
from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from . import config
from .circumplex import EMOTION_VA, label_for
from .matching import MatchWeights, recommend
from .schema import Recommendation, SceneProfile, TrackFeatures

#: What the report's forest reads, in order.
REPORT_FEATURES = ("video_rhythm_bpm", "video_emotion_arousal", "tempo_bpm", "volume_lufs")
QUADRANTS = ("positive-high", "positive-low", "negative-high", "negative-low")


# --- the report's Random Forest ----------------------------------------------------------------

def scene_rhythm(profile: SceneProfile) -> float:
    """The video's rhythm in beats a minute: its visual tempo where the picture has one, else the
    middle of the tempo range its pace asks for.

    Notebook: 04_evaluation.ipynb
    """
    if profile.visual_tempo:
        return float(profile.visual_tempo)
    return float(sum(profile.target_tempo) / 2)


def scene_emotion_level(profile: SceneProfile) -> float:
    """The video's emotion as the report used it, one number: the arousal of fer's dominant face
    emotion (its circumplex coordinate), or of the scene's label when no face was seen.

    Notebook: 04_evaluation.ipynb
    """
    from .circumplex import LABEL_VA

    if profile.face_emotions:
        top = max(profile.face_emotions, key=profile.face_emotions.get)
        return float(EMOTION_VA.get(top, (0.0, 0.0))[1])
    return float(LABEL_VA.get(profile.emotion, (0.0, profile.arousal))[1])


def report_formula(rhythm, emotion, tempo, volume) -> np.ndarray:
    """The report's score in [0, 1]: the mean of a tempo match (1 when the track's tempo equals
    the video's rhythm, 0 when it is half as far again off) and a volume match (an aroused
    emotion wants a loud track: -30 LUFS at arousal -1 up to -10 LUFS at +1; 0 at 15 LU away).

    Notebook: 04_evaluation.ipynb
    """
    rhythm, emotion, tempo, volume = (np.asarray(x, float) for x in (rhythm, emotion, tempo, volume))
    tempo_match = np.clip(1 - np.abs(tempo - rhythm) / (0.5 * rhythm), 0, 1)
    want = -20 + 10 * np.clip(emotion, -1, 1)
    volume_match = np.clip(1 - np.abs(volume - want) / 15, 0, 1)
    return 0.5 * tempo_match + 0.5 * volume_match


@dataclass
class ForestReport:
    """How the report's forest was trained and how closely it reproduces the formula."""

    mode: str
    pairs: int
    trees: int
    r2_held_out: float
    mae_held_out: float
    features: tuple[str, ...] = REPORT_FEATURES
    target: str = "report_formula: mean of tempo match and volume match"
    train_s: float = 0.0


def train_report_forest(pairs: int = 4000, *, fast: bool = True, seed: int = 0):
    """Train the report's ``RandomForestRegressor`` to reproduce :func:`report_formula` on
    sampled (video rhythm, video emotion, tempo, volume) pairs: rhythm 50..180, emotion the
    arousal of one of fer's seven classes, tempo 50..200 BPM, volume -35..-8 LUFS. A fifth of
    the pairs is held out to measure the fit. Returns ``(model, report)``.

    Notebook: 04_evaluation.ipynb
    """
    from sklearn.ensemble import RandomForestRegressor
    from sklearn.metrics import mean_absolute_error, r2_score

    t0 = time.perf_counter()
    rng = np.random.default_rng(seed)
    n = pairs if not fast else min(pairs, 1500)
    levels = np.array([a for _, a in EMOTION_VA.values()])
    X = np.c_[rng.uniform(50, 180, n), rng.choice(levels, n), rng.uniform(50, 200, n), rng.uniform(-35, -8, n)]
    y = report_formula(*X.T)
    split = int(0.8 * n)
    trees = 20 if fast else 60
    model = RandomForestRegressor(n_estimators=trees, min_samples_leaf=4, random_state=seed, n_jobs=1)
    model.fit(X[:split], y[:split])
    pred = model.predict(X[split:])
    report = ForestReport(mode="fast" if fast else "full", pairs=n, trees=trees,
                          r2_held_out=round(float(r2_score(y[split:], pred)), 4),
                          mae_held_out=round(float(mean_absolute_error(y[split:], pred)), 4),
                          train_s=round(time.perf_counter() - t0, 2))
    return model, report


def report_forest_path() -> Path:
    """Where the report's forest lives (``models/report_forest.joblib``).

    Notebook: 04_evaluation.ipynb
    """
    return config.PROJECT_ROOT / "models" / "report_forest.joblib"


def save_report_forest(model, report: ForestReport, path: str | Path | None = None) -> Path:
    """Save the forest with joblib and its metadata as JSON beside it.

    Notebook: 04_evaluation.ipynb
    """
    import joblib

    path = Path(path) if path else report_forest_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, path, compress=3)
    path.with_suffix(".json").write_text(json.dumps(asdict(report), indent=1))
    return path


def load_report_forest(path: str | Path | None = None):
    """The saved forest, or None when the file is missing.

    Notebook: 04_evaluation.ipynb
    """
    import joblib

    path = Path(path) if path else report_forest_path()
    return joblib.load(path) if path.is_file() else None


def report_rank(model, profile: SceneProfile, tracks: list[TrackFeatures], *, top: int = 3) -> list[Recommendation]:
    """Rank ``tracks`` for a scene the report's way: the forest's score of (video rhythm, video
    emotion, tempo, volume), best first; no diversity, no duration.

    Notebook: 04_evaluation.ipynb
    """
    if not tracks:
        return []
    rhythm, level = scene_rhythm(profile), scene_emotion_level(profile)
    X = np.array([[rhythm, level, t.tempo, t.loudness_lufs] for t in tracks])
    score = model.predict(X)
    order = np.argsort(-score, kind="stable")[:top]
    return [Recommendation(rank=k + 1, path=tracks[i].path, title=tracks[i].title, score=round(float(score[i]), 3),
                           emotion_distance=round(math.hypot(tracks[i].valence - profile.valence,
                                                             tracks[i].arousal - profile.arousal), 3),
                           tempo_fit=0.0, duration_fit=0.0,
                           reason=f"the report's forest: {tracks[i].tempo:.0f} BPM against a rhythm of {rhythm:.0f}, "
                                  f"{tracks[i].loudness_lufs:.0f} LUFS",
                           valence=tracks[i].valence, arousal=tracks[i].arousal, tempo=tracks[i].tempo)
            for k, i in enumerate(order)]


# --- the cases and the comparison ------------------------------------------------------------

@dataclass
class Case:
    """A scene whose intended mood is known."""

    name: str
    profile: SceneProfile
    quadrant: str


def evaluation_cases(per_quadrant: int = 8, seed: int = 1) -> list[Case]:
    """Scene profiles at known points of each quadrant (|valence| and |arousal| 0.25..0.9), with
    the pace, target tempo and length the scene analysis gives such a scene. Seeded, and never
    used to tune the matcher.

    Notebook: 04_evaluation.ipynb
    """
    rng = np.random.default_rng(seed)
    cases = []
    for q in QUADRANTS:
        sv, sa = (1 if q.startswith("positive") else -1), (1 if q.endswith("high") else -1)
        for k in range(per_quadrant):
            v, a = sv * rng.uniform(0.25, 0.9), sa * rng.uniform(0.25, 0.9)
            pace = float(np.clip((a + 1) / 2 + rng.normal(0, 0.1), 0, 1))
            lo = 60 + 60 * (a + 1) / 2 + 40 * pace
            profile = SceneProfile(
                path=f"case-{q}-{k}", duration=round(float(rng.uniform(12, 45)), 1), fps=25.0, width=1280, height=720,
                has_audio=True, valence=round(v, 3), arousal=round(a, 3), confidence=0.7, emotion=label_for(v, a),
                pace=round(pace, 3), target_tempo=(round(lo), round(lo * 1.25)), face_share=0.0, brightness=0.5)
            cases.append(Case(f"{q} {k + 1}", profile, q))
    return cases


def track_quadrants(tracks: list[TrackFeatures], cues_json: str | Path) -> dict[str, str]:
    """The quadrant each composed track was composed for (from the library's ``cues.json``).

    Notebook: 04_evaluation.ipynb
    """
    rows = json.loads(Path(cues_json).read_text())
    by_file = {r["file"]: r["quadrant"] for r in rows}
    return {t.path: by_file[Path(t.path).name] for t in tracks if Path(t.path).name in by_file}


def _random_hits(n: int, k: int, top: int) -> tuple[float, float]:
    """Exact chance that a random pick (top 1) / any of ``top`` random picks is among ``k`` of ``n``."""
    if n == 0:
        return 0.0, 0.0
    miss = math.comb(n - k, top) / math.comb(n, top) if n >= top else 0.0
    return k / n, 1 - miss


def compare_rankers(cases: list[Case], tracks: list[TrackFeatures], truth: dict[str, str], forest=None,
                    *, top: int = 3):
    """Top-1 and top-3 hit rates and milliseconds per ranking of the matcher, the report's forest,
    a tempo-only ranking and random choice, on the same cases. Returns a DataFrame.

    Notebook: 04_evaluation.ipynb
    """
    import pandas as pd

    tracks = [t for t in tracks if t.path in truth]
    rankers = {
        "DramaTune matcher": lambda p: recommend(p, tracks, top=top),
        "tempo only": lambda p: recommend(p, tracks, top=top, weights=MatchWeights(emotion=0, tempo=1, duration=0,
                                                                                   diversity=0)),
    }
    if forest is not None:
        rankers["the report's forest"] = lambda p: report_rank(forest, p, tracks, top=top)
    rows = []
    for name, rank in rankers.items():
        hit1 = hit3 = 0
        t0 = time.perf_counter()
        picks = [rank(c.profile) for c in cases]
        ms = 1000 * (time.perf_counter() - t0) / max(1, len(cases))
        for c, recs in zip(cases, picks):
            got = [truth[r.path] for r in recs]
            hit1 += bool(got) and got[0] == c.quadrant
            hit3 += c.quadrant in got
        rows.append({"ranker": name, "top-1 hit": hit1 / len(cases), "top-3 hit": hit3 / len(cases),
                     "ms per ranking": round(ms, 2)})
    n = len(tracks)
    h1 = np.mean([_random_hits(n, sum(q == c.quadrant for q in truth.values() if q), top)[0] for c in cases])
    h3 = np.mean([_random_hits(n, sum(q == c.quadrant for q in truth.values() if q), top)[1] for c in cases])
    rows.append({"ranker": "random (expected)", "top-1 hit": float(h1), "top-3 hit": float(h3), "ms per ranking": 0.0})
    df = pd.DataFrame(rows)
    df[["top-1 hit", "top-3 hit"]] = df[["top-1 hit", "top-3 hit"]].round(3)
    return df


def report_style_table(named: dict[str, SceneProfile], tracks: list[TrackFeatures], rank=None, *, top: int = 3):
    """A table shaped like the report's: each clip, its detected emotion, and the top 1/2/3 with
    their scores. ``rank`` is a ranking function ``(profile, tracks) -> [Recommendation]``
    (default: the matcher).

    Notebook: 04_evaluation.ipynb
    """
    import pandas as pd

    rank = rank or (lambda p, ts: recommend(p, ts, top=top))
    rows = []
    for clip, p in named.items():
        row = {"clip": clip, "detected emotion": p.emotion, "valence": p.valence, "arousal": p.arousal}
        for r in rank(p, tracks):
            row[f"top {r.rank}"] = f"{r.title} ({r.score:.2f})"
        rows.append(row)
    return pd.DataFrame(rows)


# --- the real-music benchmark: game soundtracks, one game left out at a time ---------------------

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
    group: str  # its context group (training.CONTEXT_VA)
    features: TrackFeatures  # path and title anonymised; tags that repeat the file name dropped
    source: str = ""  # the real file, for readers that need the audio again (vibenet)


def _anonymise(t: TrackFeatures, name: str) -> TrackFeatures:
    import re

    stem = set(re.findall(r"[a-z]{3,}", Path(t.path).stem.lower().replace("_", " ")))
    tags = {k: v for k, v in (t.tags or {}).items() if not stem & set(re.findall(r"[a-z]{3,}", v.lower()))}
    return TrackFeatures.from_dict({**t.to_dict(), "path": f"/benchmark/{name}.ogg", "title": name, "tags": tags})


def benchmark_tracks(fast: bool = True) -> list[BenchmarkTrack]:
    """The labelled game soundtracks (notebook 03's :func:`training.soundtrack_clips`; 0 A.D.'s
    1.4 GB only when ``fast`` is False), measured (cached) and anonymised: each file becomes
    "game G / track NN", and a tag that repeats a word of the file name is dropped, so only the
    sound and words the name does not give can speak.

    Notebook: 04_evaluation.ipynb
    """
    from .training import soundtrack_clips, soundtrack_features

    clips, feats = soundtrack_features(soundtrack_clips(full=not fast))
    games = sorted({c.source for c in clips})
    out, count = [], {g: 0 for g in games}
    for c, f in zip(clips, feats):
        count[c.source] += 1
        name = f"game {games.index(c.source) + 1} / track {count[c.source]:02d}"
        out.append(BenchmarkTrack(name, c.source, c.group, _anonymise(f, name), c.path))
    return out


def pairwise_auc(score, groups, sides, games) -> tuple[float, int]:
    """Share of pairs (one track of each side, both of one game) that ``score`` orders the way
    the groups say, ties counting half; and the number of pairs. NaN with no pair.

    Notebook: 04_evaluation.ipynb
    """
    score, groups, games = np.asarray(score, float), np.asarray(groups), np.asarray(games)
    hi, lo = np.isin(groups, sides[0]), np.isin(groups, sides[1])
    good, n = 0.0, 0
    for g in np.unique(games):
        a, b = score[hi & (games == g)], score[lo & (games == g)]
        if a.size and b.size:
            d = a[:, None] - b[None, :]
            good += float((d > 0).sum() + 0.5 * (d == 0).sum())
            n += d.size
    return (good / n if n else float("nan")), n


def _place_by(method: str, train: list[BenchmarkTrack], test: list[BenchmarkTrack]) -> list[TrackFeatures]:
    """Copies of ``test``'s tracks placed by ``method``, having learned (where it learns) from
    ``train`` only."""
    from .feature_extraction import place_tracks
    from .training import CONTEXT_VA, SIGN_TARGET, MusicClip, fit_music_model

    tracks = [TrackFeatures.from_dict(b.features.to_dict()) for b in test]
    if method == "priors":
        return place_tracks(tracks, None, words=False)
    if method == "vibenet as it comes":
        return _vibenet_place(test, tracks)
    clips = [MusicClip(b.features.path, SIGN_TARGET * CONTEXT_VA[b.group][0] or None,
                       SIGN_TARGET * CONTEXT_VA[b.group][1] or None, "recording", b.game, "", group=b.group)
             for b in train]
    model = fit_music_model(clips, [b.features for b in train])
    return place_tracks(tracks, model, words=method.endswith("+ words"))


#: Ways of placing music the benchmark compares.
BENCHMARK_METHODS = ("priors", "sound model", "sound model + words")
#: DramaTune's default placement (``index_library``: the model in ``models/``, with the words).
DEFAULT_METHOD = "sound model + words"


def music_benchmark(tracks: list[BenchmarkTrack], methods: tuple[str, ...] = BENCHMARK_METHODS):
    """Leave one game out: each game's tracks placed by each method having learned from the other
    games only. Returns ``(table, placed)``: per game and method, the valence and arousal AUC
    (:func:`pairwise_auc` with :data:`VALENCE_SIDES`, :data:`AROUSAL_SIDES`), their pairs and the
    share of tracks in their quadrant (where the group gives both sides), with an "all games"
    row pooling the pairs; and ``placed[method][game]``, the placed tracks.

    Notebook: 04_evaluation.ipynb
    """
    import pandas as pd

    from .training import CONTEXT_VA

    games = sorted({b.game for b in tracks})
    placed: dict[str, dict[str, list[TrackFeatures]]] = {m: {} for m in methods}
    for m in methods:
        for g in games:
            placed[m][g] = _place_by(m, [b for b in tracks if b.game != g], [b for b in tracks if b.game == g])
    rows = []
    for m in methods:
        for g in [*games, "all games"]:
            sel = [i for i, b in enumerate(tracks) if g in (b.game, "all games")]
            flat = [t for gg in games for t in placed[m][gg]]
            order = [b for gg in games for b in tracks if b.game == gg]
            idx = [order.index(tracks[i]) for i in sel]
            v = np.array([flat[i].valence for i in idx])
            a = np.array([flat[i].arousal for i in idx])
            grp = np.array([tracks[i].group for i in sel])
            gms = np.array([tracks[i].game for i in sel])
            auc_v, n_v = pairwise_auc(v, grp, VALENCE_SIDES, gms)
            auc_a, n_a = pairwise_auc(a, grp, AROUSAL_SIDES, gms)
            both = np.array([all(CONTEXT_VA[x]) for x in grp])
            sv = np.array([CONTEXT_VA[x][0] for x in grp])
            sa = np.array([CONTEXT_VA[x][1] for x in grp])
            quad = ((np.sign(v) == sv) & (np.sign(a) == sa))[both]
            rows.append({"method": m, "game": g, "tracks": len(sel), "valence AUC": auc_v, "valence pairs": n_v,
                         "arousal AUC": auc_a, "arousal pairs": n_a,
                         "quadrant": float(quad.mean()) if quad.size else float("nan"), "quadrant tracks": int(quad.size)})
    df = pd.DataFrame(rows)
    return df.round(3), placed


def _vibenet_place(test: list[BenchmarkTrack], tracks: list[TrackFeatures]) -> list[TrackFeatures]:
    """vibenet's own valence and energy as a placement, unchanged (0.5 is its middle). Learning
    from them (with the sound features, or its 256-number embedding) did worse on games left
    out than taking them as they come."""
    from .feature_extraction import set_placement

    vb = vibenet_readings([b.source for b in test])
    v = np.array([2 * vb[b.source]["valence"] - 1 for b in test])
    a = np.array([2 * vb[b.source]["energy"] - 1 for b in test])
    for t in tracks:
        t.placed_by = "vibenet"
    return set_placement(tracks, v, a, np.abs(v), np.abs(a))


def vibenet_available() -> bool:
    """Whether the optional ``vibenet`` package (GPL-3.0, not installed by ``make setup``) is here.

    Notebook: 04_evaluation.ipynb
    """
    import importlib.util

    return importlib.util.find_spec("vibenet") is not None and importlib.util.find_spec("onnxruntime") is not None


def vibenet_readings(paths: list[str]) -> dict[str, dict[str, float]]:
    """vibenet's seven readings (valence, energy, danceability, acousticness, ...) of each file's
    first :data:`feature_extraction.MAX_ANALYSIS_SECONDS`, cached by path, size and time. Needs
    the optional ``vibenet`` package (``pip install vibenet``; GPL-3.0: see the README).

    Notebook: 04_evaluation.ipynb
    """
    from .feature_extraction import MAX_ANALYSIS_SECONDS
    from .media import load_audio

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
            y = load_audio(p, sr=16000, mono=True, max_seconds=MAX_ANALYSIS_SECONDS)
            r = model.predict(y.astype(np.float32), sr=16000)[0].to_dict()
            entries[p] = {"stamp": [Path(p).stat().st_size, Path(p).stat().st_mtime],
                          "readings": {k: round(float(r[k]), 4) for k in labels}}
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps(entries))
    return {p: entries[p]["readings"] for p in paths}


def mood_profile(mood: str, *, duration: float = 30.0) -> SceneProfile:
    """A scene of one of the :data:`TARGET_MOODS` with a clear reading: its point on the
    circumplex at confidence 0.8 on each axis, and the pace and target tempo the analysis gives
    such a scene (as :func:`evaluation_cases` does).

    Notebook: 04_evaluation.ipynb
    """
    from .circumplex import LABEL_VA

    v, a = LABEL_VA[TARGET_MOODS[mood][0]]
    pace = (a + 1) / 2
    lo = 60 + 60 * (a + 1) / 2 + 40 * pace
    return SceneProfile(path=f"scene-{mood}", duration=duration, fps=25.0, width=1280, height=720, has_audio=True,
                        valence=v, arousal=a, confidence=0.8, valence_confidence=0.8, arousal_confidence=0.8,
                        emotion=label_for(v, a), pace=round(pace, 3), target_tempo=(round(lo), round(lo * 1.25)),
                        face_share=0.0, brightness=0.5)


def matcher_benchmark(tracks: list[BenchmarkTrack], placed: dict[str, dict[str, list[TrackFeatures]]],
                      forest=None, *, top: int = 3, method: str = DEFAULT_METHOD):
    """For each left-out game and each of the :data:`TARGET_MOODS` it has fitting music for, the
    share of the top ``top`` picks from a fitting context group: the matcher on the tracks as
    ``method`` placed them (leave one game out; library-relative and absolute blended), the same
    on the priors' placement, a tempo-only ranking, the report's forest (when given) and random
    choice (its exact expectation). Returns ``(table, summary)``: one row per game and mood, and
    the mean per mood and ranker.

    Notebook: 04_evaluation.ipynb
    """
    import pandas as pd

    rankers = {
        "DramaTune matcher": lambda p, ts, _: recommend(p, ts, top=top),
        "matcher on the priors": lambda p, _, pr: recommend(p, pr, top=top),
        "tempo only": lambda p, ts, _: recommend(p, ts, top=top, weights=MatchWeights(emotion=0, tempo=1, duration=0,
                                                                                      diversity=0)),
    }
    if forest is not None:
        rankers["the report's forest"] = lambda p, ts, _: report_rank(forest, p, ts, top=top)
    rows = []
    for game in sorted(placed[method]):
        ts, pr = placed[method][game], placed["priors"][game]
        group = {t.path: b.group for t, b in zip(ts, [b for b in tracks if b.game == game])}
        for mood, (_, fits) in TARGET_MOODS.items():
            k = sum(g in fits for g in group.values())
            if not k or len(ts) <= top:
                continue
            profile = mood_profile(mood)
            row = {"game": game, "mood": mood, "tracks": len(ts), "fitting": k}
            for name, rank in rankers.items():
                picks = rank(profile, ts, pr)
                row[name] = float(np.mean([group[r.path] in fits for r in picks]))
            row["random (expected)"] = k / len(ts)
            rows.append(row)
    table = pd.DataFrame(rows).round(3)
    names = [*rankers, "random (expected)"]
    summary = table.groupby("mood", sort=False)[names].mean().round(3)
    summary.loc["all moods"] = table[names].mean().round(3)
    return table, summary


def benchmark_path() -> Path:
    """Where the benchmark's tables are kept (``models/music_benchmark.json``, full mode).

    Notebook: 04_evaluation.ipynb
    """
    return config.PROJECT_ROOT / "models" / "music_benchmark.json"


def run_benchmark(fast: bool = True, forest=None) -> dict:
    """The whole real-music benchmark in one call: :func:`music_benchmark` (with vibenet's row
    when the optional package is installed) and :func:`matcher_benchmark`, as JSON-ready tables.

    Notebook: 04_evaluation.ipynb
    """
    tracks = benchmark_tracks(fast=fast)
    methods = BENCHMARK_METHODS + (("vibenet as it comes",) if vibenet_available() else ())
    table, placed = music_benchmark(tracks, methods)
    matches, summary = matcher_benchmark(tracks, placed, forest)
    return {"mode": "fast" if fast else "full", "games": sorted({b.game for b in tracks}), "tracks": len(tracks),
            "placement": table.to_dict(orient="records"), "matcher": matches.to_dict(orient="records"),
            "matcher_summary": summary.reset_index().to_dict(orient="records")}


def main(argv: list[str] | None = None) -> int:
    """``python -m dramatune_lib.evaluation [--full] [--overwrite]``: train and save the report's
    forest in ``models/``, then run the real-music benchmark and save its tables beside it
    (``models/music_benchmark.json``); existing files are refused unless ``--overwrite``.

    Notebook: 04_evaluation.ipynb
    """
    import argparse
    import sys

    from .errors import OutputExistsError

    ap = argparse.ArgumentParser(description="Train the report's Random Forest and run the real-music benchmark")
    ap.add_argument("--full", action="store_true", help="4,000 pairs and 60 trees (default: 1,500 and 20); "
                    "the benchmark on every game (default: the fast subset)")
    ap.add_argument("--out", default=None, help="where to save the forest (default models/report_forest.joblib)")
    ap.add_argument("--overwrite", action="store_true", help="replace existing files")
    a = ap.parse_args(argv)
    out = Path(a.out) if a.out else report_forest_path()
    bench = out.with_name(benchmark_path().name)
    for f in (out, bench):
        if f.exists() and not a.overwrite:
            print(f"dramatune: error: {OutputExistsError(f)}", file=sys.stderr)
            return 2
    model, report = train_report_forest(fast=not a.full)
    save_report_forest(model, report, out)
    print(f"saved {out}: R² {report.r2_held_out} on held-out pairs, MAE {report.mae_held_out}")
    result = run_benchmark(fast=not a.full, forest=model)
    bench.write_text(json.dumps(result, indent=1))
    pooled = [r for r in result["placement"] if r["game"] == "all games"]
    for r in pooled:
        print(f"{r['method']:22s} valence AUC {r['valence AUC']:.2f}  arousal AUC {r['arousal AUC']:.2f}  "
              f"quadrant {r['quadrant']:.0%}")
    print(f"saved {bench}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
