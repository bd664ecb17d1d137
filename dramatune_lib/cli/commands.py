"""What each ``dramatune`` command does: each calls :mod:`dramatune_lib.pipeline` and prints what it did."""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import threading
from pathlib import Path

from .. import compose, config, dataset_prep, feature_extraction, fit_and_export, media, pipeline
from ..errors import DramaTuneError


def _progress_bar(desc: str):
    from tqdm.auto import tqdm

    bar = tqdm(total=100, desc=desc, unit="%", leave=False, file=sys.stderr, disable=None)

    def update(frac: float) -> None:
        bar.n = int(100 * frac)
        bar.refresh()
        if frac >= 1:
            bar.close()

    return update


def _library(folder: str | None):
    path = Path(folder) if folder else dataset_prep.ensure_demo_data().library
    measured: list[int] = []
    lib = feature_extraction.index_library(path, progress=True, callback=lambda done, total, _: measured.append(done))
    for _, why in lib.skipped:
        print(f"skipped: {why}", file=sys.stderr)
    if measured and not sys.stderr.isatty():  # a terminal had the progress bar; a log gets one line
        print(
            f"indexed {path}: {len(lib.tracks)} tracks, {len(measured)} file{'s' if len(measured) > 1 else ''} "
            f"measured now, {len(lib.skipped)} skipped",
            file=sys.stderr,
        )
    return lib


def _cmd_analyze(args: argparse.Namespace) -> None:
    prof = pipeline.analyze(
        args.scene,
        progress=_progress_bar("analysing"),
        subtitles=args.subtitles,
        max_seconds=60 * args.max_length,
        transcribe=args.transcribe,
    )
    if args.json:
        print(prof.to_json(indent=1))
    else:
        print(prof.summary())
        for c in prof.cues:
            print(
                f"  {c.name:6s} valence {c.valence:+.2f} arousal {c.arousal:+.2f} "
                f"confidence {c.confidence:.2f}  {c.detail}"
            )
        if prof.cut_times:
            print("  cuts at " + ", ".join(f"{t:.2f}" for t in prof.cut_times) + " s")
        for start, end, text, conf in prof.transcript:
            print(f"  heard {start:6.2f}-{end:6.2f} s ({conf:.2f}): {text}")


def _cmd_index(args: argparse.Namespace) -> None:
    lib = _library(args.folder)
    if args.json:
        print(json.dumps(lib.to_dict(), indent=1))
        return
    print(
        f"{len(lib.tracks)} tracks in {lib.folder} ({len(lib.skipped)} skipped, {lib.ignored} non-audio files ignored)"
    )
    for t in lib.tracks:
        print(
            f"  {t.title[:40]:40s} {t.duration:5.1f} s {t.tempo:6.1f} BPM {t.key:>2s} {t.mode:5s} "
            f"{t.loudness_lufs:6.1f} LUFS LRA {t.loudness_range_lu:4.1f}  energy {t.energy:.2f} "
            f"dance {t.danceability:.2f}  V {t.valence:+.2f} ({t.valence_confidence:.2f}) "
            f"A {t.arousal:+.2f} ({t.arousal_confidence:.2f})  in library V {t.valence_rel:+.2f} "
            f"A {t.arousal_rel:+.2f}  {t.emotion}" + (f"  words: {t.words}" if t.words else "")
        )


def _cmd_recommend(args: argparse.Namespace) -> None:
    prof = pipeline.analyze(
        args.scene,
        progress=_progress_bar("analysing"),
        subtitles=args.subtitles,
        max_seconds=60 * args.max_length,
        transcribe=args.transcribe,
    )
    lib = _library(args.library)
    like = pipeline.track_of(args.like, lib.tracks) if args.like else None
    weight = {} if args.like_weight is None else {"like_weight": args.like_weight}  # else the matcher's LIKE_WEIGHT
    recs = pipeline.rank(prof, lib.tracks, top=args.top, like=like, **weight)
    if args.json:
        print(json.dumps({"scene": prof.to_dict(), "recommendations": [r.to_dict() for r in recs]}, indent=1))
        return
    print(prof.summary())
    for r in recs:
        print(f"  {r.rank}. {r.title}  (score {r.score:.2f})\n     {r.reason}\n     {r.path}")


def _cmd_similar(args: argparse.Namespace) -> None:
    lib = _library(args.library)
    track = pipeline.track_of(args.track, lib.tracks)
    found = pipeline.similar_tracks(track, lib.tracks, top=args.top)
    if args.json:
        rows = [{"rank": a.rank, "path": a.track.path, "title": a.track.title, "likeness": a.likeness} for a in found]
        print(json.dumps({"track": track.path, "similar": rows}, indent=1))
        return
    print(f"Sounds like {track.title}:")
    for a in found:
        print(f"  {a.rank}. {a.track.title}  (likeness {a.likeness:+.2f})\n     {a.track.path}")


def _refuse_existing(paths, overwrite: bool) -> None:
    """Stop before any work if an output exists and ``--overwrite`` was not given."""
    media.refuse_existing(paths, overwrite)


def _cmd_merge(args: argparse.Namespace) -> None:

    # the mix's speech detection and true-peak limiter import scipy.ndimage (0.15 s): loaded on
    # the second core while the track is read and fitted (issue #17)
    threading.Thread(target=importlib.import_module, args=("scipy.ndimage",), daemon=True).start()

    pipeline.check_outputs(
        args.output,
        [args.scene, args.track],
        timelines=args.timeline,
        overwrite=args.overwrite,
        library=feature_extraction.indexed_folder(args.track),  # the stem must not join the music the track came from
    )
    info = media.probe_scene(args.scene)
    cuts = feature_extraction.find_cuts(args.scene) if args.beats_on_cuts or args.timeline else None
    cue = pipeline.fit(
        args.track,
        info.duration,
        fade_in=args.fade_in,
        fade_out=args.fade_out,
        volume=args.volume,
        intensity=args.intensity,
        cuts=cuts if args.beats_on_cuts else None,
    )
    res, timelines = pipeline.export(
        args.scene,
        cue,
        args.output,
        timelines=args.timeline,
        cuts=cuts or [],
        scene_gain=args.scene_gain,
        duck_depth=args.duck_depth,
        loudness=args.loudness,
        overwrite=args.overwrite,
    )
    how = (
        "video stream copied"
        if res.video_copied
        else "video re-encoded (its codec cannot be copied into this container)"
    )
    nudge = (
        f", tempo {100 * (cue.rate - 1):+.1f}% to put {cue.cut_hits} of {len(cuts)} cuts on beats"
        if cuts and args.beats_on_cuts
        else ""
    )
    fitted = {
        "bars": "the music ends on a bar line" + (f", looped {cue.loops}x on bar lines" if cue.loops else ""),
        "plain loop": "the music has no clear beat: looped whole with crossfades",
    }.get(cue.method, cue.method)
    print(
        f"wrote {res.output} ({res.duration:.1f} s, {how}; loudness {res.loudness_lufs:.1f} LUFS, "
        f"true peak {res.true_peak_dbtp:.1f} dBTP; {fitted}{nudge})"
    )
    print(f"wrote {res.stem} and {res.cue_sheet} (+ .json)")
    if timelines:
        print("wrote " + ", ".join(str(p) for p in timelines) + " (timelines)")


def _cmd_compose(args: argparse.Namespace) -> None:
    out = Path(args.output)
    if out.suffix.lower() not in (".wav", ".flac", ".ogg"):
        raise DramaTuneError(f"{out}: cues are written as .wav, .flac or .ogg — name the output like that")

    outs = (out, out.with_suffix(".mid"), out.with_suffix(".json"))
    media.guard_outputs(outs, [args.scene])
    _refuse_existing(outs, args.overwrite)
    drums = {"auto": None, "on": True, "off": False}[args.percussion]
    if args.scene:
        prof = pipeline.analyze(args.scene)
        y, pm, params, sections = compose.compose_for_scene(
            prof, instrument=args.instrument, seed=args.seed, percussion=drums
        )
        plan = " ".join(f"{s.chord}@{s.start:.2f}{'|' if s.on_cut else ''}" for s in sections)
        print(f"{Path(args.scene).name}: {prof.summary()}")
    else:
        y, pm, params = dataset_prep.compose_cue(
            args.valence, args.arousal, args.seconds, instrument=args.instrument, seed=args.seed, percussion=drums
        )
        plan, sections = "", []
    out.parent.mkdir(parents=True, exist_ok=True)
    dataset_prep.write_cue(out, y, pm)
    d = dataset_prep.params_dict(params)
    out.with_suffix(".json").write_text(json.dumps({"params": d, "sections": [vars(s) for s in sections]}, indent=1))
    print(
        f"wrote {out}, {out.with_suffix('.mid').name} and {out.with_suffix('.json').name} (the parameters): "
        f"{d['seconds']:.1f} s, {d['key']}, {d['tempo']:g} BPM, {d['instrument']}, seed {d['seed']}"
    )
    if plan:
        print(f"chords (| = on a cut): {plan}")


def _cmd_score(args: argparse.Namespace) -> None:
    library = Path(args.library) if args.library else dataset_prep.ensure_demo_data().library
    if Path(args.clip).is_dir():
        _score_folder(args, library)
        return
    pipeline.check_outputs(args.output, [args.clip], timelines=args.timeline, overwrite=args.overwrite, library=library)
    prof = pipeline.analyze(args.clip)
    lib = _library(str(library))
    plan = pipeline.plan(prof, lib.tracks, per_scene=args.per_scene)
    print(f"plan for {Path(args.clip).name} ({prof.duration:.1f} s, {len(plan)} scene{'s' if len(plan) > 1 else ''}):")
    for part, pick in plan:
        what = f"{pick.title}: {pick.reason}" if pick else "no track left in the library"
        print(
            f"  {part.start:5.1f}-{part.end:5.1f} s  {part.emotion:8s} (V {part.valence:+.2f}, A {part.arousal:+.2f}), "
            f"{part.shots} shot{'s' if part.shots > 1 else ''}  -> {what}"
        )
    cue = pipeline.fit_plan(
        plan,
        prof.duration,
        crossfade=args.crossfade,
        cuts=prof.cut_times if args.beats_on_cuts else None,
        short=f"{lib.folder}: too few tracks for {len(plan)} scenes — add music or score without --per-scene",
    )
    scenes = pipeline.scene_markers(plan) if args.per_scene else []
    res, timelines = pipeline.export(
        args.clip,
        cue,
        args.output,
        timelines=args.timeline,
        cuts=prof.cut_times,
        scenes=scenes,
        loudness=args.loudness,
        overwrite=args.overwrite,
    )
    print(
        f"wrote {res.output} ({res.duration:.1f} s, {res.loudness_lufs:.1f} LUFS, {res.true_peak_dbtp:.1f} dBTP), "
        f"{res.stem} and {res.cue_sheet} ({len(cue.sheet or [])} cue{'s' if len(cue.sheet or []) > 1 else ''})"
    )
    if timelines:
        print("wrote " + ", ".join(str(p) for p in timelines) + " (timelines)")


def _score_folder(args: argparse.Namespace, library: Path) -> None:
    """``dramatune score DIR -o OUTDIR``: every video of DIR, a line each, and OUTDIR/summary.csv."""
    out_dir = Path(args.output)
    media.guard_outputs([out_dir], [], library=library)
    lib = _library(str(library))
    rows = pipeline.score_folder(
        args.clip,
        out_dir,
        lib.tracks,
        per_scene=args.per_scene,
        timelines=tuple(args.timeline),
        overwrite=args.overwrite,
        progress=True,
        crossfade=args.crossfade,
        loudness=args.loudness,
    )
    for r in rows:
        name = Path(r["scene"]).name
        if r["error"]:
            print(f"  {name}: not scored — {r['error']}")
        else:
            print(
                f"  {name}: {r['emotion']} (V {r['valence']:+.2f}, A {r['arousal']:+.2f}) -> {r['pick 1']}; "
                f"wrote {Path(r['output']).name}"
            )
    bad = sum(bool(r["error"]) for r in rows)
    print(f"scored {len(rows) - bad} of {len(rows)} scenes into {out_dir}; summary: {out_dir / 'summary.csv'}")


def _cmd_demo(args: argparse.Namespace) -> None:
    from tqdm.auto import tqdm

    demo = dataset_prep.ensure_demo_data()
    lib = _library(str(demo.library))
    out = Path(args.out) if args.out else config.out_dir()
    out.mkdir(parents=True, exist_ok=True)
    det = feature_extraction.face_detector()
    for name, scene in tqdm(
        demo.scenes.items(), desc="scoring demo scenes", unit="scene", file=sys.stderr, disable=None
    ):
        prof = pipeline.analyze(scene, detector=det)
        recs = pipeline.rank(prof, lib.tracks, top=3)
        cue = pipeline.fit(
            recs[0], prof.duration, tracks=lib.tracks, intensity=(prof.arousal + 1) / 2, cuts=prof.cut_times
        )
        res, _ = pipeline.export(scene, cue, fit_and_export.free_output(out / f"{name}_scored.mp4"))
        report = media.unique_path(out / f"{name}_report.json")
        report.write_text(
            json.dumps(
                {"scene": prof.to_dict(), "recommendations": [r.to_dict() for r in recs], "export": res.to_dict()},
                indent=1,
            )
        )
        tqdm.write(
            f"{name}: {prof.summary()}\n  -> {recs[0].title}: {recs[0].reason}\n  wrote {res.output}", file=sys.stdout
        )
