"""Stage 07 · a folder of scenes scored at once."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .. import config
from ..errors import BadInputError, DramaTuneError, OutputExistsError
from ..media import (
    guard_outputs,
)
from .export import _write_sheet_csv, export_scene, output_paths
from .fit import join_cues
from .timeline import editor_timeline, timeline_paths, write_timelines


@dataclass
class BatchJob:
    """What scoring one scene of a folder needs (sent to a joblib worker, so plain data)."""

    scene: str
    output: str
    tracks: list  # the library's TrackFeatures
    per_scene: bool = False
    timelines: tuple[str, ...] = ()
    overwrite: bool = False
    crossfade: float = 1.0
    loudness: str | float = "web"


def score_scene(job: BatchJob) -> dict:
    """Score one scene of a batch end to end (analyse, recommend, fit, export, timelines) and
    return its summary row; a problem with this scene becomes the row's ``error`` instead of
    stopping the batch.

    Notebook: 07_fit_and_export.ipynb
    """
    from ..compose import ScenePart, plan_per_scene
    from ..feature_extraction import analyze_scene
    from ..matching import recommend

    row = {"scene": job.scene, "emotion": "", "valence": "", "arousal": "", "pick 1": "", "pick 2": "", "pick 3": "",
           "output": "", "stem": "", "cue sheet": "", "timelines": "", "error": ""}
    try:
        prof = analyze_scene(job.scene, sound_model="auto")
        row.update(emotion=prof.emotion, valence=prof.valence, arousal=prof.arousal)
        picks = recommend(prof, job.tracks, top=3)
        row.update({f"pick {r.rank}": Path(r.path).name for r in picks})
        if job.per_scene:
            plan = plan_per_scene(prof, job.tracks)
        else:
            whole = ScenePart(0.0, prof.duration, prof.valence, prof.arousal, prof.emotion, len(prof.cut_times) + 1)
            plan = [(whole, picks[0] if picks else None)]
        parts = [(pick.path, part.start, part.end) for part, pick in plan if pick]
        if not parts or len(parts) < len(plan):
            raise DramaTuneError(f"{job.scene}: too few tracks in the library for its {len(plan)} scenes — add music")
        cue = join_cues(parts, prof.duration, crossfade=job.crossfade, cuts=prof.cut_times)
        outs = [*output_paths(job.output).values(), *timeline_paths(job.output, job.timelines).values()]
        guard_outputs(outs, [job.scene, *(p for p, _, _ in parts)])
        res = export_scene(job.scene, cue, job.output, loudness=job.loudness, overwrite=job.overwrite)
        row.update(output=res.output, stem=res.stem, **{"cue sheet": res.cue_sheet})
        if job.timelines:
            scenes = [(p.start, p.end, p.emotion) for p, _ in plan] if job.per_scene else []
            tl = editor_timeline(job.scene, cue, stem=res.stem, cuts=prof.cut_times, scenes=scenes,
                                 name=Path(res.output).stem)
            row["timelines"] = " ".join(str(p) for p in write_timelines(tl, res.output, job.timelines))
    except DramaTuneError as e:
        row["error"] = str(e)
    except Exception as e:  # noqa: BLE001 - one bad file never stops the rest; the row says what happened
        row["error"] = f"{Path(job.scene).name}: unexpected {type(e).__name__}: {e}".splitlines()[0]
    return row


def score_folder(folder: str | Path, out_dir: str | Path, tracks: list, *, per_scene: bool = False,
                 timelines: tuple[str, ...] = (), overwrite: bool = False, n_jobs: int = -1,
                 progress: bool = False, **options) -> list[dict]:
    """Score every video in ``folder`` (not its sub-folders) into ``out_dir`` as
    ``<scene>_scored.mp4`` (+ stem, cue sheet, timelines), through the same joblib helper as
    indexing (so ``joblib.parallel_backend("dask")`` runs it on a cluster); writes
    ``out_dir/summary.csv`` (scene, emotion, the picks, output files, any error) and returns its rows.

    Notebook: 07_fit_and_export.ipynb
    """
    from ..parallel import parallel_map

    folder, out_dir = Path(folder), Path(out_dir)
    if not folder.is_dir():
        raise BadInputError(folder, "is not a folder — give the folder that holds the scenes")
    if out_dir.resolve() == folder.resolve() or folder.resolve() in out_dir.resolve().parents:
        raise DramaTuneError(f"{out_dir}: is inside the folder of scenes {folder} — write the results elsewhere, "
                             "or a second run would score them as scenes")
    scenes = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in config.VIDEO_EXTENSIONS)
    if not scenes:
        raise BadInputError(folder, f"holds no videos ({', '.join(config.VIDEO_EXTENSIONS)}) — give a folder of scenes")
    out_dir.mkdir(parents=True, exist_ok=True)
    summary = out_dir / "summary.csv"
    guard_outputs([summary], scenes)
    if summary.exists() and not overwrite:
        raise OutputExistsError(summary)
    jobs = [BatchJob(str(p), str(out_dir / f"{p.stem}_scored.mp4"), tracks, per_scene, tuple(timelines), overwrite,
                     **options) for p in scenes]
    rows = parallel_map(score_scene, jobs, n_jobs=n_jobs, progress="scoring" if progress else None, unit="scene")
    _write_sheet_csv(summary, rows)
    return rows
