"""DramaTune's chain in one place.

::

    video  ->  SceneProfile  ->  ranked Recommendations  ->  fitted cue  ->  exported scene
        analyze()          rank()                  fit() / fit_plan()     export()

:func:`plan` splits a clip into scenes with a pick for each (or takes it whole), and
:func:`score_folder` runs the chain on every video of a folder. The command line, the app
(notebook 05), the batch scorer and ``make setup``'s warm-up call these functions; none of them
rebuilds the chain. What one step measured travels on in the dataclasses: a pick's beat grid comes
from the library index, so :func:`fit` does not track beats again.

Run ``python -m dramatune_lib.pipeline --warm`` to build the demo data and warm the caches
(``make setup`` does).
"""

from __future__ import annotations

import argparse
import os
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from . import (
    compose,
    config,
    dataset_prep,
    feature_extraction,
    fit_and_export,
    lock,
    matching,
    media,
    parallel,
    similarity,
)
from .errors import BadInputError, DramaTuneError
from .schema import ExportResult, Recommendation, SceneProfile, TrackFeatures

if TYPE_CHECKING:
    from .compose import ScenePart
    from .fit_and_export import FittedCue

# Each function imports the stages it runs when it runs: a command pays only for what it uses
# (``dramatune analyze`` never loads the fitting and mixing code; issue #17's cold start).


def analyze(scene: str | Path, **options) -> SceneProfile:
    """The first arrow, video -> SceneProfile (:func:`feature_extraction.analyze_scene`).

    Args:
        scene: the video (any container ffmpeg reads; refused past :data:`config.MAX_SCENE_S`).
        **options: passed through: ``detector`` (fer's, made once for many scenes), ``subtitles``
            (an .srt or a script for the words cue), ``progress`` (called with 0..1), ``fps``,
            ``sound_model``, ``max_seconds``.

    Returns:
        The scene's valence and arousal with their confidences, its mood, cues, cuts and timeline.

    Notebook: 05_recommend_and_merge.ipynb
    """
    return feature_extraction.analyze_scene(scene, **options)


def rank(
    profile: SceneProfile,
    tracks: list[TrackFeatures],
    *,
    top: int = 3,
    exclude: set[str] | frozenset[str] = frozenset(),
    mood_vs_pace: float | None = None,
    like: TrackFeatures | None = None,
    like_weight: float = matching.LIKE_WEIGHT,
) -> list[Recommendation]:
    """The second arrow, SceneProfile -> ranked Recommendations (:func:`matching.recommend`).

    Args:
        profile: the analysed scene.
        tracks: the library's indexed tracks (:attr:`feature_extraction.LibraryIndex.tracks`).
        top: how many picks.
        exclude: paths already shown ("show others").
        mood_vs_pace: the app's slider (1 = by mood only, 0 = mostly by pace); None: the default
            weights.
        like: "more like this": picks that also sound like this track (:func:`track_of`).
        like_weight: how much sounding like it counts against fitting the scene, 0..1.

    Returns:
        The picks, best first, each with its score, its terms and the reason in words.

    Used by: :mod:`cli.commands`, :mod:`evaluation.demo_cases`, :mod:`evaluation.real_music` and 3 more
    """
    weights = None if mood_vs_pace is None else matching.weights_for_intensity(mood_vs_pace)
    return matching.recommend(
        profile, tracks, top=top, exclude=exclude, weights=weights, like=like, like_weight=like_weight
    )


def track_of(path: str | Path, tracks: list[TrackFeatures]) -> TrackFeatures:
    """The track at ``path`` as the library's index read it, or, for a file the library does not
    hold, measured now (:func:`feature_extraction.track_features`): what "more like this" and
    ``dramatune similar`` compare.

    Used by: :mod:`cli.commands`
    """
    wanted = str(Path(path).absolute())
    for t in tracks:
        if str(Path(t.path).absolute()) == wanted:
            return t
    return feature_extraction.track_features(path)


def similar_tracks(
    track: TrackFeatures, tracks: list[TrackFeatures], *, top: int = 5, exclude: set[str] | frozenset[str] = frozenset()
) -> list[similarity.Alike]:
    """Tracks of the library that sound like ``track``, without a scene (:func:`similarity.similar`).

    Args:
        track: the track to match (:func:`track_of`).
        tracks: the library's indexed tracks.
        top: how many.
        exclude: paths already shown.

    Returns:
        The alike tracks, best first, each with its likeness (the cosine of the two sounds, -1..1).

    Used by: :mod:`cli.commands`
    """
    return similarity.similar(track, tracks, top=top, exclude=exclude)


def fit(
    track: str | Path | Recommendation | TrackFeatures,
    duration: float,
    *,
    tracks: Sequence[TrackFeatures] = (),
    **options,
) -> FittedCue:
    """The third arrow, a pick -> a cue fitted to the scene (:func:`fit_and_export.fit_track`).

    Args:
        track: the pick, its indexed features, or a music file's path.
        duration: the scene's length, seconds.
        tracks: the library's tracks: an indexed track brings its beat grid, so beats are not
            tracked again.
        **options: passed through: ``fade_in``, ``fade_out``, ``volume``, ``intensity`` (0..1:
            which part of the track), ``cuts`` (seconds: the tempo is nudged to put beats on them);
            a pick's moment (its ``section_start``) becomes ``start_hint``.

    Returns:
        The fitted cue: its audio, where it comes from in the track, its loops and tempo change.

    Used by: :mod:`cli.commands`, :mod:`evaluation.report_forest`, :mod:`matching` and 2 more
    """
    path = str(getattr(track, "path", track))
    indexed = track if isinstance(track, TrackFeatures) else next((t for t in tracks if t.path == path), None)
    if isinstance(track, Recommendation) and track.section_start is not None:
        options.setdefault("start_hint", track.section_start)  # the moment the matcher chose
    return fit_and_export.fit_track(
        path, duration, grid=feature_extraction.grid_of(indexed) if indexed is not None else None, **options
    )


def plan(
    profile: SceneProfile,
    tracks: list[TrackFeatures],
    *,
    per_scene: bool = True,
    picks: list[Recommendation] | None = None,
) -> list[tuple[compose.ScenePart, Recommendation | None]]:
    """A clip split into scenes by their emotion, a track for each, never the same twice
    (:func:`compose.plan_per_scene`); with ``per_scene=False`` the whole clip with the top pick
    (the first of ``picks`` when the clip was ranked already).

    Used by: :mod:`cli.commands`, :mod:`recommend_and_merge.session` and 1 more
    """
    if per_scene:
        return compose.plan_per_scene(profile, tracks)
    whole = compose.ScenePart(
        0.0, profile.duration, profile.valence, profile.arousal, profile.emotion, len(profile.cut_times) + 1
    )
    top = picks if picks is not None else matching.recommend(profile, tracks, top=1)
    return [(whole, top[0] if top else None)]


def scene_markers(scene_plan: list[tuple[ScenePart, Recommendation | None]]) -> list[tuple[float, float, str]]:
    """The plan's scenes as the editor's timeline marks them: (start, end, emotion).

    Used by: :mod:`cli.commands`, :mod:`recommend_and_merge.session`
    """
    return [(part.start, part.end, part.emotion) for part, _ in scene_plan]


def _files_written(output: str | Path, timelines: Sequence[str]) -> list[Path]:
    """Every file an export to ``output`` writes: video, stem, cue sheets and the timelines."""
    return [
        *fit_and_export.output_paths(output).values(),
        *fit_and_export.timeline_paths(output, list(timelines)).values(),
    ]


def fit_plan(
    scene_plan: list[tuple[ScenePart, Recommendation | None]], duration: float, *, short: str, **options
) -> FittedCue:
    """The third arrow for a plan: its picks joined with crossfades on the scene boundaries
    (:func:`fit_and_export.join_cues`; options pass through). A plan the library could not fill
    is refused with ``short``, the message that says what to do.

    Used by: :mod:`cli.commands`, :mod:`recommend_and_merge.session`
    """
    parts: list[tuple[str | Path, float, float]] = [
        (pick.path, part.start, part.end) for part, pick in scene_plan if pick
    ]
    if not parts or len(parts) < len(scene_plan):
        raise DramaTuneError(short)
    return fit_and_export.join_cues(parts, duration, **options)


def check_outputs(
    output: str | Path,
    inputs: Sequence[str | Path],
    *,
    timelines: Sequence[str] = (),
    overwrite: bool = False,
    library: str | Path | None = None,
) -> None:
    """Refuse, before any work, an export that would land on an input or inside the library,
    replace a file without ``overwrite``, or write a timeline that cannot hold the scene's frame rate.

    Used by: :mod:`cli.commands`
    """
    outs = _files_written(output, timelines)
    media.guard_outputs(outs, list(inputs), library=library)
    media.refuse_existing(outs, overwrite)
    if timelines:
        rate = fit_and_export.editor_rate(media.probe_scene(inputs[0]).fps)
        for fmt in timelines:
            problem = fit_and_export.timeline_problem(fmt, rate)
            if problem:
                raise DramaTuneError(problem)


def export(
    scene: str | Path,
    cue: FittedCue,
    output: str | Path,
    *,
    timelines: Sequence[str] = (),
    cuts: Sequence[float] = (),
    scenes: Sequence[tuple[float, float, str]] = (),
    **mix,
) -> tuple[ExportResult, list[Path]]:
    """The last arrow, a fitted cue -> the exported scene (:func:`fit_and_export.export_scene`).

    Args:
        scene: the video; its picture is copied, never re-encoded where its container allows.
        cue: the fitted cue.
        output: the scored video; the music stem and the cue sheets are written beside it.
        timelines: editor formats to write beside it too ("otio", "fcp7", "fcpx", "edl").
        cuts, scenes: the timeline's markers: cut times, and (start, end, emotion) of each scene.
        **mix: passed through: ``scene_gain``, ``duck_depth``, ``loudness`` ("web", "broadcast"
            or LUFS), ``overwrite``.

    Returns:
        The export's result (files, loudness and true peak as measured) and the timeline files.

    Used by: :mod:`cli.commands`, :mod:`config`, :mod:`fit_and_export.export` and 2 more
    """
    res = fit_and_export.export_scene(scene, cue, output, **mix)
    if not timelines:
        return res, []
    tl = fit_and_export.editor_timeline(
        scene, cue, stem=res.stem, cuts=list(cuts), scenes=list(scenes), name=Path(res.output).stem
    )
    try:
        return res, fit_and_export.write_timelines(tl, res.output, list(timelines))
    except OSError as e:
        full = lock.full_disk_error(res.output, e, written="the scored scene was written, its timelines were not")
        if full is None:
            raise
        raise full from None


@dataclass
class BatchJob:
    """One scene of a batch and how to score it (:func:`score_scene`)."""

    scene: str
    output: str
    tracks: list  # the library's TrackFeatures
    per_scene: bool = False
    timelines: tuple[str, ...] = ()
    overwrite: bool = False
    crossfade: float = 1.0
    loudness: str | float = "web"


def score_scene(job: BatchJob) -> dict:
    """Score one scene of a batch end to end (analyse, rank, fit, export, timelines) and return
    its summary row; a problem with this scene becomes the row's ``error`` instead of stopping
    the batch.

    Used by: this module (passed as a function)
    """
    row: dict[str, object] = {
        "scene": job.scene,
        "emotion": "",
        "valence": "",
        "arousal": "",
        "pick 1": "",
        "pick 2": "",
        "pick 3": "",
        "output": "",
        "stem": "",
        "cue sheet": "",
        "timelines": "",
        "error": "",
    }
    try:
        prof = analyze(job.scene, sound_model="auto")
        row.update(emotion=prof.emotion, valence=prof.valence, arousal=prof.arousal)
        picks = rank(prof, job.tracks, top=3)
        row.update({f"pick {r.rank}": Path(r.path).name for r in picks})
        scene_plan = plan(prof, job.tracks, per_scene=job.per_scene, picks=picks)
        cue = fit_plan(
            scene_plan,
            prof.duration,
            crossfade=job.crossfade,
            cuts=prof.cut_times,
            short=f"{job.scene}: too few tracks in the library for its {len(scene_plan)} scenes — add music",
        )
        media.guard_outputs(
            _files_written(job.output, job.timelines), [job.scene, *(pick.path for _, pick in scene_plan if pick)]
        )
        scenes = scene_markers(scene_plan) if job.per_scene else []
        res, written = export(
            job.scene,
            cue,
            job.output,
            timelines=job.timelines,
            cuts=prof.cut_times,
            scenes=scenes,
            loudness=job.loudness,
            overwrite=job.overwrite,
        )
        row.update(output=res.output, stem=res.stem, **{"cue sheet": res.cue_sheet})
        row["timelines"] = " ".join(str(p) for p in written)
    except DramaTuneError as e:
        row["error"] = str(e)
    except Exception as e:  # one bad file never stops the rest; the row says what happened
        row["error"] = f"{Path(job.scene).name}: unexpected {type(e).__name__}: {e}".splitlines()[0]
    return row


def _inside(path: Path, folder: Path) -> bool:
    """Whether ``path`` is ``folder`` or lies inside it, by the folders' identity (device and
    inode), not their names: links and bind mounts are seen through."""
    try:
        target = os.stat(folder)
    except OSError:
        return False
    for p in [path, *path.absolute().parents]:
        try:
            if os.path.samestat(os.stat(p), target):
                return True
        except OSError:
            continue
    return False


def batch_outputs(scenes: Sequence[Path], out_dir: Path) -> list[Path]:
    """The scored video each scene of a batch becomes: ``<name>_scored.mp4``, or, where two scenes
    share a name but for the extension or its case (``a.mp4`` and ``a.mov``, ``a.MP4``),
    ``<name>_<ext>_scored.mp4`` for each of them, so no two scenes write one file.

    Used by: :func:`score_folder`
    """
    stems = Counter(p.stem.lower() for p in scenes)
    out, taken = [], set()
    for p in scenes:
        name = f"{p.stem}_{p.suffix.lstrip('.')}" if stems[p.stem.lower()] > 1 else p.stem
        k, unique = 1, name
        while unique.lower() in taken:  # a.MP4 beside a.mp4: one name each on a disk that ignores case too
            k += 1
            unique = f"{name}-{k}"
        taken.add(unique.lower())
        out.append(out_dir / f"{unique}_scored.mp4")
    return out


def score_folder(
    folder: str | Path,
    out_dir: str | Path,
    tracks: list,
    *,
    per_scene: bool = False,
    timelines: tuple[str, ...] = (),
    overwrite: bool = False,
    n_jobs: int = -1,
    progress: bool = False,
    **options,
) -> list[dict]:
    """Score every video in ``folder`` (not its sub-folders) into ``out_dir`` as
    ``<scene>_scored.mp4`` (:func:`batch_outputs`; + stem, cue sheet, timelines), refused as a
    whole, before any work, if one of its files exists (``overwrite`` replaces them); through the same joblib helper as
    indexing (so ``joblib.parallel_backend("dask")`` runs it on a cluster); writes
    ``out_dir/summary.csv`` (scene, emotion, the picks, output files, any error) and returns its rows.

    Used by: :mod:`cli.commands`
    """
    folder, out_dir = Path(folder), Path(out_dir)
    if not folder.is_dir():
        raise BadInputError(folder, "is not a folder — give the folder that holds the scenes")
    if _inside(out_dir, folder):
        raise DramaTuneError(
            f"{out_dir}: is inside the folder of scenes {folder} — write the results elsewhere, "
            "or a second run would score them as scenes"
        )
    scenes = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in config.VIDEO_EXTENSIONS)
    if not scenes:
        raise BadInputError(folder, f"holds no videos ({', '.join(config.VIDEO_EXTENSIONS)}) — give a folder of scenes")
    out_dir.mkdir(parents=True, exist_ok=True)
    summary = out_dir / "summary.csv"
    outputs = batch_outputs(scenes, out_dir)
    written = [summary, *(f for o in outputs for f in _files_written(o, timelines))]
    media.guard_outputs(written, scenes)
    media.refuse_existing(written, overwrite)  # the batch as a unit: nothing is scored if one would be replaced
    jobs = [
        BatchJob(str(p), str(o), tracks, per_scene, tuple(timelines), overwrite, **options)
        for p, o in zip(scenes, outputs)
    ]
    rows = parallel.parallel_map(
        score_scene, jobs, n_jobs=n_jobs, progress="scoring" if progress else None, unit="scene"
    )
    fit_and_export.write_csv(summary, rows)
    return rows


def warm_up(progress: Callable[[str], None] = print) -> None:
    """Index the demo library and run the chain's slow first steps once, so that later runs start
    fast (``make setup``).

    Used by: :func:`main`
    """
    demo = dataset_prep.ensure_demo_data()
    t = time.time()
    feature_extraction.index_library(demo.library)
    prof = analyze(demo.scenes["chase"])
    fit(sorted(demo.library.glob("*.ogg"))[0], prof.duration, cuts=prof.cut_times)  # the fit and its stretch, once
    progress(f"caches warm ({time.time() - t:.1f} s)")


def main(argv: list[str] | None = None) -> None:
    """Build the demo data; with ``--warm`` also index it once so later runs start fast.

    Used by: :mod:`cli.__main__`, :mod:`evaluation.__main__`, :mod:`recommend_and_merge.__main__` and 1 more
    """
    ap = argparse.ArgumentParser(prog="python -m dramatune_lib.pipeline", description=__doc__.splitlines()[0])
    ap.add_argument("--rebuild", action="store_true", help="regenerate even if present")
    ap.add_argument("--warm", action="store_true", help="index the demo library and run the chain once")
    args = ap.parse_args(argv)

    t = time.time()
    demo = dataset_prep.ensure_demo_data(rebuild=args.rebuild)
    print(f"demo data ready in {demo.root} ({time.time() - t:.1f} s)")
    if args.warm:
        warm_up()


if __name__ == "__main__":
    main()
