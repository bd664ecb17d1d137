"""The ``dramatune`` command: every pipeline stage from the command line.

::

    dramatune analyze SCENE [--subtitles FILE | --transcribe] [--json]
    dramatune index DIR [--json]
    dramatune recommend SCENE [--subtitles FILE | --transcribe] [--library DIR] [--top 3] [--json]
    dramatune merge SCENE TRACK -o OUT.mp4 [--fade-in S] [--fade-out S] [--volume G] [--intensity X]
                    [--beats-on-cuts] [--duck-depth DB] [--loudness web|broadcast|LUFS] [--overwrite]
    dramatune compose (SCENE | --valence V --arousal A --seconds S) -o OUT.wav [--instrument NAME] [--seed N]
                      [--percussion auto|on|off] [--overwrite]
    dramatune score CLIP -o OUT.mp4 [--per-scene] [--library DIR] [--crossfade S] [--beats-on-cuts]
                    [--loudness web|broadcast|LUFS] [--overwrite]
    dramatune demo [--out DIR]

Problems with the user's files are printed as one line naming the file, with exit status 2.

The parser is here; what each command does is in :mod:`.commands`.
"""

from __future__ import annotations

import argparse
import ctypes
import math
import os
import sys

from ..config import MAX_SCENE_S
from ..errors import DramaTuneError

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
    "--like-weight": (0.0, 1.0, "0 = only the scene counts, 1 = only sounding like the track"),
    "--seconds": (1.0, 600.0, "seconds"),
    "--seed": (0, 2**32 - 1, "a whole number"),
}


def _ranged(option: str, integer: bool = False):
    """An argparse type for ``option``: a finite number within :data:`OPTION_RANGES`."""
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

    def error(self, message: str):
        raise _UsageError(f"{self.prog}: error: {message}")


def _usage_hint(message: str, argv: list[str]) -> str:
    """What to do next after a refused command line: the '--' rule for a file name that starts
    with '-', else where the options are listed."""
    looks_like_file = [a for a in argv if a.startswith("-") and not a.startswith("--") and "." in a and len(a) > 2]
    if looks_like_file and ("required" in message or "unrecognized" in message):
        return f" — a file name that starts with '-' goes after '--', e.g. dramatune analyze -- {looks_like_file[0]}"
    return f" (see {message.split(': error:')[0]} --help)"


def _unit(text: str) -> float:
    value = float(text)
    if not -1 <= value <= 1:
        raise argparse.ArgumentTypeError("valence and arousal lie between -1 and 1")
    return value


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


def _scene_options(p: argparse.ArgumentParser) -> None:
    """The scene a command analyses, its subtitles and the longest scene it takes (analyze, recommend)."""
    p.add_argument("scene")
    p.add_argument("--subtitles", metavar="FILE", help="the scene's .srt subtitles or a .txt script")
    p.add_argument(
        "--transcribe",
        action="store_true",
        help="without subtitles, transcribe the scene's speech for the words cue (English; slower)",
    )
    p.add_argument(
        "--max-length",
        type=float,
        default=MAX_SCENE_S / 60,
        metavar="MIN",
        help=f"the longest scene analysed, minutes (default {MAX_SCENE_S / 60:g}; checked before decoding)",
    )


def _export_options(p: argparse.ArgumentParser) -> None:
    """The options of every command that exports a scored scene (merge, score)."""
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


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``dramatune`` command.

    Used by: :func:`main`
    """
    ap = _Parser(prog="dramatune", description="Score a dramatic scene with fitting music.")
    ap.add_argument("--debug", action="store_true", help="show full tracebacks")
    sub = ap.add_subparsers(dest="cmd", required=True, parser_class=_Parser)
    p = sub.add_parser("analyze", help="analyse a scene's emotion and pace")
    _scene_options(p)
    p.add_argument("--json", action="store_true", help="print the SceneProfile as JSON")
    p.set_defaults(func="_cmd_analyze")
    p = sub.add_parser("index", help="index a music folder (cached)")
    p.add_argument("folder", nargs="?", help="music folder (default: the demo library)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func="_cmd_index")
    p = sub.add_parser("recommend", help="the top tracks for a scene, with reasons")
    _scene_options(p)
    p.add_argument("--library", help="music folder (default: the demo library)")
    p.add_argument("--top", type=_ranged("--top", integer=True), default=3, help="how many tracks (1-50)")
    p.add_argument("--like", metavar="TRACK", help="more like this: picks that also sound like TRACK")
    p.add_argument(
        "--like-weight",
        type=_ranged("--like-weight"),
        help="how much sounding like TRACK counts against fitting the scene (0-1, default: halfway)",
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(func="_cmd_recommend")
    p = sub.add_parser("similar", help="tracks of a music folder that sound like a track (no scene)")
    p.add_argument("track", help="a track of the folder, or any audio file")
    p.add_argument("--library", help="music folder (default: the demo library)")
    p.add_argument("--top", type=_ranged("--top", integer=True), default=5, help="how many tracks (1-50)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func="_cmd_similar")
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
    _export_options(p)
    p.set_defaults(func="_cmd_merge")
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
    p.set_defaults(func="_cmd_compose")
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
    _export_options(p)
    p.set_defaults(func="_cmd_score")
    p = sub.add_parser("demo", help="score the embedded demo scenes into out/")
    p.add_argument("--out", help="output folder (default: ./out or $DRAMATUNE_OUT)")
    p.set_defaults(func="_cmd_demo")
    return ap


#: Arrays at least this large get memory of their own from the system, given back when freed. glibc
#: otherwise raises this threshold to the largest array freed so far (up to 32 MB), and a long
#: track's spectra then stay in its heaps after use: the first index of 39 tracks (19 long game
#: soundtracks) peaked at 500-560 MB that way, 430 MB with this, 6 % slower (measured, issue #17).
LARGE_ARRAY_BYTES = 16 * 2**20


def _release_large_arrays() -> None:
    """Fix glibc's mmap threshold at :data:`LARGE_ARRAY_BYTES` for this process (the command line
    owns its process; elsewhere, and on other C libraries, nothing changes)."""
    if not sys.platform.startswith("linux"):
        return

    try:  # the process's own symbols include the C library's: no search for it (find_library runs ldconfig)
        mallopt = getattr(ctypes.CDLL(None), "mallopt", None)
    except OSError:
        return
    if mallopt is not None:
        mallopt(-3, LARGE_ARRAY_BYTES)  # M_MMAP_THRESHOLD, from glibc's malloc.h


#: Exit status when the reader of standard output goes away: 128 + SIGPIPE, what a shell reports for
#: a command that the signal ended (Python turns the signal into BrokenPipeError instead).
EXIT_BROKEN_PIPE = 141


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``dramatune`` console script.

    Used by: :mod:`cli.__main__`, :mod:`evaluation.__main__`, :mod:`pipeline` and 2 more
    """
    _release_large_arrays()
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
    # the commands are imported only to run one: `dramatune --help` loads no numpy (0.05 s, not 0.17 s)
    from . import commands

    try:
        getattr(commands, args.func)(args)
    except DramaTuneError as e:
        if args.debug:
            raise
        print(f"dramatune: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("dramatune: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader stopped (`dramatune index DIR --json | head`): quietly, as cat does
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # Python's own flush at exit finds no pipe
        return EXIT_BROKEN_PIPE
    except Exception as e:  # last line of defence: one line, no traceback
        if args.debug:
            raise
        print(
            f"dramatune: error: unexpected {type(e).__name__}: {e} (run with --debug for details)".splitlines()[0],
            file=sys.stderr,
        )
        return 1
    return 0
