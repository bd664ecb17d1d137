"""The ``dramatune`` command: every pipeline stage from the command line.

::

    dramatune analyze SCENE [--subtitles FILE] [--json]
    dramatune index DIR [--json]
    dramatune recommend SCENE [--subtitles FILE] [--library DIR] [--top 3] [--json]
    dramatune merge SCENE TRACK -o OUT.mp4 [--fade-in S] [--fade-out S] [--volume G] [--intensity X]
                    [--beats-on-cuts] [--duck-depth DB] [--loudness web|broadcast|LUFS] [--overwrite]
    dramatune compose (SCENE | --valence V --arousal A --seconds S) -o OUT.wav [--instrument NAME] [--seed N]
                      [--percussion auto|on|off] [--overwrite]
    dramatune score CLIP -o OUT.mp4 [--per-scene] [--library DIR] [--crossfade S] [--beats-on-cuts]
                    [--loudness web|broadcast|LUFS] [--overwrite]
    dramatune demo [--out DIR]

Problems with the user's files are printed as one line naming the file, with exit status 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from . import config
from .errors import DramaTuneError

EXIT_USAGE = 2
#: What ``--timeline`` takes (fit_and_export.TIMELINE_FORMATS, named here to keep the parser's import light).
TIMELINE_CHOICES = ("otio", "fcp7", "fcpx", "edl")

#: The range each numeric option accepts (inclusive), with its unit; a value outside it, or not a
#: finite number, is refused with the range in the message. Chosen by hand to cover every sensible
#: use: fades up to half a minute, gains up to +12 dB (4x), ducking up to 40 dB, a 10-minute cue.
OPTION_RANGES: dict[str, tuple[float, float, str]] = {
    "--fade-in": (0.0, 30.0, "seconds"),
    "--fade-out": (0.0, 30.0, "seconds"),
    "--volume": (0.0, 4.0, "a gain: 1.0 = as is, 0 = silent"),
    "--scene-gain": (0.0, 4.0, "a gain: 1.0 = as is"),
    "--intensity": (0.0, 1.0, "0 = the calmest part of the track, 1 = the most energetic"),
    "--duck-depth": (0.0, 40.0, "dB; 0 = no ducking"),
    "--crossfade": (0.0, 10.0, "seconds"),
    "--top": (1, 50, "tracks"),
    "--seconds": (1.0, 600.0, "seconds"),
    "--seed": (0, 2**32 - 1, "a whole number"),
}


def _ranged(option: str, integer: bool = False):
    """An argparse type for ``option``: a finite number within :data:`OPTION_RANGES`."""
    import math

    lo, hi, unit = OPTION_RANGES[option]
    span = f"{lo:d}..{hi:d}" if integer else f"{lo:g}..{hi:g}"

    def convert(text: str):
        try:
            value = int(text) if integer else float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{text!r} is not a {'whole ' if integer else ''}number — give one in {span} ({unit})"
            ) from None
        if not math.isfinite(value) or not lo <= value <= hi:
            raise argparse.ArgumentTypeError(f"{text} is outside {span} ({unit})")
        return value

    return convert


class _UsageError(Exception):
    """A command line argparse refuses; :func:`main` prints it as one line."""


class _Parser(argparse.ArgumentParser):
    """argparse whose errors reach :func:`main` as one line, instead of usage text and an exit."""

    def error(self, message: str):  # type: ignore[override]
        raise _UsageError(f"{self.prog}: error: {message}")


def _usage_hint(message: str, argv: list[str]) -> str:
    """What to do next after a refused command line: the '--' rule for a file name that starts
    with '-', else where the options are listed."""
    looks_like_file = [a for a in argv if a.startswith("-") and not a.startswith("--") and "." in a and len(a) > 2]
    if looks_like_file and ("required" in message or "unrecognized" in message):
        return f" — a file name that starts with '-' goes after '--', e.g. dramatune analyze -- {looks_like_file[0]}"
    return f" (see {message.split(': error:')[0]} --help)"


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
    from .dataset_prep import ensure_demo_data
    from .feature_extraction import index_library

    path = Path(folder) if folder else ensure_demo_data().library
    measured: list[int] = []
    lib = index_library(path, progress=True, callback=lambda done, total, _: measured.append(done))
    for p, why in lib.skipped:
        print(f"skipped: {why}", file=sys.stderr)
    if measured and not sys.stderr.isatty():  # a terminal had the progress bar; a log gets one line
        print(
            f"indexed {path}: {len(lib.tracks)} tracks, {len(measured)} file{'s' if len(measured) > 1 else ''} "
            f"measured now, {len(lib.skipped)} skipped",
            file=sys.stderr,
        )
    return lib


def _cmd_analyze(args: argparse.Namespace) -> None:
    from .pipeline import analyse

    prof = analyse(args.scene, progress=_progress_bar("analysing"), subtitles=args.subtitles)
    if args.json:
        print(prof.to_json(indent=1))
    else:
        print(prof.summary())
        for c in prof.cues:
            print(
                f"  {c.name:6s} valence {c.valence:+.2f} arousal {c.arousal:+.2f} confidence {c.confidence:.2f}  {c.detail}"
            )
        if prof.cut_times:
            print("  cuts at " + ", ".join(f"{t:.2f}" for t in prof.cut_times) + " s")


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
    from .pipeline import analyse, rank

    prof = analyse(args.scene, progress=_progress_bar("analysing"), subtitles=args.subtitles)
    lib = _library(args.library)
    recs = rank(prof, lib.tracks, top=args.top)
    if args.json:
        print(json.dumps({"scene": prof.to_dict(), "recommendations": [r.to_dict() for r in recs]}, indent=1))
        return
    print(prof.summary())
    for r in recs:
        print(f"  {r.rank}. {r.title}  (score {r.score:.2f})\n     {r.reason}\n     {r.path}")


def _refuse_existing(paths, overwrite: bool) -> None:
    """Stop before any work if an output exists and ``--overwrite`` was not given."""
    from .errors import OutputExistsError

    for p in paths:
        if p.exists() and not overwrite:
            raise OutputExistsError(p)


def _cmd_merge(args: argparse.Namespace) -> None:
    import importlib
    import threading

    # the mix's loudness meter and speech detection import scipy.signal and scipy.ndimage (about
    # half a second): loaded on the second core while the track is read and fitted (issue #17)
    threading.Thread(
        target=lambda: [importlib.import_module(m) for m in ("pyloudnorm", "scipy.ndimage")], daemon=True
    ).start()
    from .feature_extraction import find_cuts
    from .media import probe_scene
    from .pipeline import check_outputs, export, fit

    check_outputs(args.output, [args.scene, args.track], timelines=args.timeline, overwrite=args.overwrite)
    info = probe_scene(args.scene)
    cuts = find_cuts(args.scene) if args.beats_on_cuts or args.timeline else None
    cue = fit(
        args.track,
        info.duration,
        fade_in=args.fade_in,
        fade_out=args.fade_out,
        volume=args.volume,
        intensity=args.intensity,
        cuts=cuts if args.beats_on_cuts else None,
    )
    res, timelines = export(
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
    from .compose import compose_cue, compose_for_scene, params_dict, write_cue

    out = Path(args.output)
    if out.suffix.lower() not in (".wav", ".flac", ".ogg"):
        raise DramaTuneError(f"{out}: cues are written as .wav, .flac or .ogg — name the output like that")
    from .media import guard_outputs

    outs = (out, out.with_suffix(".mid"), out.with_suffix(".json"))
    guard_outputs(outs, [args.scene])
    _refuse_existing(outs, args.overwrite)
    drums = {"auto": None, "on": True, "off": False}[args.percussion]
    if args.scene:
        from .pipeline import analyse

        prof = analyse(args.scene)
        y, pm, params, sections = compose_for_scene(prof, instrument=args.instrument, seed=args.seed, percussion=drums)
        plan = " ".join(f"{s.chord}@{s.start:.2f}{'|' if s.on_cut else ''}" for s in sections)
        print(f"{Path(args.scene).name}: {prof.summary()}")
    else:
        y, pm, params = compose_cue(
            args.valence, args.arousal, args.seconds, instrument=args.instrument, seed=args.seed, percussion=drums
        )
        plan, sections = "", []
    out.parent.mkdir(parents=True, exist_ok=True)
    write_cue(out, y, pm)
    d = params_dict(params)
    out.with_suffix(".json").write_text(json.dumps({"params": d, "sections": [vars(s) for s in sections]}, indent=1))
    print(
        f"wrote {out}, {out.with_suffix('.mid').name} and {out.with_suffix('.json').name} (the parameters): "
        f"{d['seconds']:.1f} s, {d['key']}, {d['tempo']:g} BPM, {d['instrument']}, seed {d['seed']}"
    )
    if plan:
        print(f"chords (| = on a cut): {plan}")


def _cmd_score(args: argparse.Namespace) -> None:
    from .dataset_prep import ensure_demo_data
    from .pipeline import analyse, check_outputs, export, fit_plan
    from .pipeline import plan as plan_of

    library = Path(args.library) if args.library else ensure_demo_data().library
    if Path(args.clip).is_dir():
        _score_folder(args, library)
        return
    check_outputs(args.output, [args.clip], timelines=args.timeline, overwrite=args.overwrite, library=library)
    prof = analyse(args.clip)
    lib = _library(str(library))
    plan = plan_of(prof, lib.tracks, per_scene=args.per_scene)
    print(f"plan for {Path(args.clip).name} ({prof.duration:.1f} s, {len(plan)} scene{'s' if len(plan) > 1 else ''}):")
    for part, pick in plan:
        what = f"{pick.title}: {pick.reason}" if pick else "no track left in the library"
        print(
            f"  {part.start:5.1f}-{part.end:5.1f} s  {part.emotion:8s} (V {part.valence:+.2f}, A {part.arousal:+.2f}), "
            f"{part.shots} shot{'s' if part.shots > 1 else ''}  -> {what}"
        )
    cue = fit_plan(
        plan,
        prof.duration,
        crossfade=args.crossfade,
        cuts=prof.cut_times if args.beats_on_cuts else None,
        short=f"{lib.folder}: too few tracks for {len(plan)} scenes — add music or score without --per-scene",
    )
    scenes = [(part.start, part.end, part.emotion) for part, _ in plan] if args.per_scene else []
    res, timelines = export(
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
        f"{res.stem} and {res.cue_sheet} ({len(cue.sheet)} cue{'s' if len(cue.sheet) > 1 else ''})"
    )
    if timelines:
        print("wrote " + ", ".join(str(p) for p in timelines) + " (timelines)")


def _score_folder(args: argparse.Namespace, library: Path) -> None:
    """``dramatune score DIR -o OUTDIR``: every video of DIR, a line each, and OUTDIR/summary.csv."""
    from .media import guard_outputs
    from .pipeline import score_folder

    out_dir = Path(args.output)
    guard_outputs([out_dir], [], library=library)
    lib = _library(str(library))
    rows = score_folder(
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


def _unit(text: str) -> float:
    value = float(text)
    if not -1 <= value <= 1:
        raise argparse.ArgumentTypeError("valence and arousal lie between -1 and 1")
    return value


def _cmd_demo(args: argparse.Namespace) -> None:
    from tqdm.auto import tqdm

    from .dataset_prep import ensure_demo_data
    from .feature_extraction import face_detector
    from .fit_and_export import free_output
    from .matching import unique_path
    from .pipeline import analyse, export, fit, rank

    demo = ensure_demo_data()
    lib = _library(str(demo.library))
    out = Path(args.out) if args.out else config.out_dir()
    out.mkdir(parents=True, exist_ok=True)
    det = face_detector()
    for name, scene in tqdm(
        demo.scenes.items(), desc="scoring demo scenes", unit="scene", file=sys.stderr, disable=None
    ):
        prof = analyse(scene, detector=det)
        recs = rank(prof, lib.tracks, top=3)
        cue = fit(recs[0], prof.duration, tracks=lib.tracks, intensity=(prof.arousal + 1) / 2, cuts=prof.cut_times)
        res, _ = export(scene, cue, free_output(out / f"{name}_scored.mp4"))
        report = unique_path(out / f"{name}_report.json")
        report.write_text(
            json.dumps(
                {"scene": prof.to_dict(), "recommendations": [r.to_dict() for r in recs], "export": res.to_dict()},
                indent=1,
            )
        )
        tqdm.write(
            f"{name}: {prof.summary()}\n  -> {recs[0].title}: {recs[0].reason}\n  wrote {res.output}", file=sys.stdout
        )


def _loudness(text: str) -> str | float:
    if text in ("web", "broadcast"):
        return text
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError("use web, broadcast or a number in LUFS such as -14") from None
    if not -40 <= value <= -5:
        raise argparse.ArgumentTypeError("a loudness target lies between -40 and -5 LUFS")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``dramatune`` command.

    Notebook: 05_recommend_and_merge.ipynb
    """
    ap = _Parser(prog="dramatune", description="Score a dramatic scene with fitting music.")
    ap.add_argument("--debug", action="store_true", help="show full tracebacks")
    sub = ap.add_subparsers(dest="cmd", required=True, parser_class=_Parser)
    p = sub.add_parser("analyze", help="analyse a scene's emotion and pace")
    p.add_argument("scene")
    p.add_argument("--subtitles", metavar="FILE", help="the scene's .srt subtitles or a .txt script")
    p.add_argument("--json", action="store_true", help="print the SceneProfile as JSON")
    p.set_defaults(func=_cmd_analyze)
    p = sub.add_parser("index", help="index a music folder (cached)")
    p.add_argument("folder", nargs="?", help="music folder (default: the demo library)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_index)
    p = sub.add_parser("recommend", help="the top tracks for a scene, with reasons")
    p.add_argument("scene")
    p.add_argument("--subtitles", metavar="FILE", help="the scene's .srt subtitles or a .txt script")
    p.add_argument("--library", help="music folder (default: the demo library)")
    p.add_argument("--top", type=_ranged("--top", integer=True), default=3, help="how many tracks (1-50)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_recommend)
    p = sub.add_parser("merge", help="fit a track to a scene and export the scored video")
    p.add_argument("scene")
    p.add_argument("track")
    p.add_argument("-o", "--output", required=True, help="output video (.mp4)")
    p.add_argument("--fade-in", type=_ranged("--fade-in"), default=0.5, metavar="S", help="seconds (0-30)")
    p.add_argument("--fade-out", type=_ranged("--fade-out"), default=2.0, metavar="S", help="seconds (0-30)")
    p.add_argument("--volume", type=_ranged("--volume"), default=0.8, metavar="G", help="music gain, 1.0 = as is (0-4)")
    p.add_argument(
        "--scene-gain",
        type=_ranged("--scene-gain"),
        default=1.0,
        metavar="G",
        help="gain of the scene's own sound (0-4)",
    )
    p.add_argument(
        "--intensity",
        type=_ranged("--intensity"),
        metavar="X",
        help="section energy, 0 = calmest part of the track, 1 = most energetic (default: from the start)",
    )
    p.add_argument("--beats-on-cuts", action="store_true", help="nudge the tempo (at most 8%%) so beats land on cuts")
    p.add_argument(
        "--duck-depth",
        type=_ranged("--duck-depth"),
        default=10.0,
        metavar="DB",
        help="how far the music dips under speech, dB (0 = off, at most 40)",
    )
    p.add_argument(
        "--loudness",
        default="web",
        type=_loudness,
        help="web (-16 LUFS, default), broadcast (-23 LUFS) or a number in LUFS",
    )
    p.add_argument(
        "--timeline",
        action="append",
        default=[],
        choices=TIMELINE_CHOICES,
        help="also write a timeline for your editing program beside OUT: otio, fcp7 (Premiere, "
        "Resolve), fcpx (Final Cut Pro X) or edl; repeat for several",
    )
    p.add_argument("--overwrite", action="store_true", help="replace OUT (and its stem and cue sheet) if they exist")
    p.set_defaults(func=_cmd_merge)
    p = sub.add_parser("compose", help="compose an original cue for a scene, or for a valence-arousal point")
    p.add_argument("scene", nargs="?", help="a scene video: the cue follows its emotion, changes chords on its cuts")
    p.add_argument("--valence", type=_unit, metavar="V", help="-1 (unpleasant) .. 1 (pleasant), without SCENE")
    p.add_argument("--arousal", type=_unit, metavar="A", help="-1 (calm) .. 1 (excited), without SCENE")
    p.add_argument("--seconds", type=_ranged("--seconds"), metavar="S", help="length in seconds (1-600), without SCENE")
    p.add_argument("--instrument", default="strings", choices=("brass", "guitar", "piano", "strings", "synth"))
    p.add_argument(
        "--seed",
        type=_ranged("--seed", integer=True),
        default=0,
        help="another number (0 or more) gives another cue for the same input",
    )
    p.add_argument(
        "--percussion",
        choices=("auto", "on", "off"),
        default="auto",
        help="drums: auto (where the music is lively), on or off",
    )
    p.add_argument("-o", "--output", required=True, help="the cue (.wav, .flac or .ogg); its MIDI goes beside it")
    p.add_argument("--overwrite", action="store_true", help="replace OUT, OUT.mid and OUT.json if they exist")
    p.set_defaults(func=_cmd_compose)
    p = sub.add_parser("score", help="score a clip (scene by scene with --per-scene), or every video in a folder")
    p.add_argument(
        "clip", help="a video, or a folder of videos (then OUT is a folder: a scored video each, and summary.csv)"
    )
    p.add_argument("-o", "--output", required=True, help="output video (.mp4), or a folder for a folder of videos")
    p.add_argument("--per-scene", action="store_true", help="split the clip into scenes by their emotion, a track each")
    p.add_argument("--library", help="music folder (default: the demo library)")
    p.add_argument(
        "--crossfade",
        type=_ranged("--crossfade"),
        default=1.0,
        metavar="S",
        help="crossfade on each scene boundary, seconds (0-10)",
    )
    p.add_argument("--beats-on-cuts", action="store_true", help="nudge each track (at most 8%%) so beats land on cuts")
    p.add_argument(
        "--loudness",
        default="web",
        type=_loudness,
        help="web (-16 LUFS, default), broadcast (-23 LUFS) or a number in LUFS",
    )
    p.add_argument(
        "--timeline",
        action="append",
        default=[],
        choices=TIMELINE_CHOICES,
        help="also write a timeline for your editing program beside OUT: otio, fcp7 (Premiere, "
        "Resolve), fcpx (Final Cut Pro X) or edl; repeat for several",
    )
    p.add_argument("--overwrite", action="store_true", help="replace OUT (and its stem and cue sheet) if they exist")
    p.set_defaults(func=_cmd_score)
    p = sub.add_parser("demo", help="score the embedded demo scenes into out/")
    p.add_argument("--out", help="output folder (default: ./out or $DRAMATUNE_OUT)")
    p.set_defaults(func=_cmd_demo)
    return ap


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``dramatune`` console script.

    Notebook: 05_recommend_and_merge.ipynb
    """
    parser = build_parser()
    argv = sys.argv[1:] if argv is None else [str(a) for a in argv]
    try:
        args = parser.parse_args(argv)
    except _UsageError as e:
        print(f"{e}{_usage_hint(str(e), argv)}", file=sys.stderr)
        return EXIT_USAGE
    if args.cmd == "compose":
        point = (args.valence, args.arousal, args.seconds)
        both = args.scene and any(x is not None for x in point)
        if both or (not args.scene and any(x is None for x in point)):
            print(
                "dramatune compose: error: give a SCENE, or all of --valence, --arousal and --seconds"
                + (", not both" if both else "")
                + " (see dramatune compose --help)",
                file=sys.stderr,
            )
            return EXIT_USAGE
    try:
        args.func(args)
    except DramaTuneError as e:
        if args.debug:
            raise
        print(f"dramatune: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("dramatune: interrupted", file=sys.stderr)
        return 130
    except Exception as e:  # noqa: BLE001 - last line of defence: one line, no traceback
        if args.debug:
            raise
        print(
            f"dramatune: error: unexpected {type(e).__name__}: {e} (run with --debug for details)".splitlines()[0],
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
