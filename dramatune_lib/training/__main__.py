"""``python -m dramatune_lib.training``: train and save the sound classifier and the music-emotion model."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .. import errors, feature_extraction, media
from ..feature_extraction import (
    sound_model_path,
)
from .music_corpus import soundtrack_clips
from .music_model import save_music_model, train_music_model
from .sound_corpus import sound_corpus
from .sound_model import save_sound_model, train_sound_classifier


def main(argv: list[str] | None = None) -> int:
    """``python -m dramatune_lib.training [--full] [--only sound|music] [--out PATH] [--overwrite]``:
    train and save the sound classifier and the music-emotion model.

    An existing model (the shipped one included) is replaced only with ``--overwrite``.

    Used by: :mod:`cli.__main__`, :mod:`evaluation.__main__`, :mod:`pipeline` and 1 more
    """

    ap = argparse.ArgumentParser(
        prog="python -m dramatune_lib.training",
        description="Train the music/speech/other classifier and the music-emotion model",
    )
    ap.add_argument("--full", action="store_true", help="all sources and a C search (slow)")
    ap.add_argument("--only", choices=("sound", "music"), help="train one model only")
    ap.add_argument("--out", default=None, help="where to save (with --only; default: models/)")
    ap.add_argument("--overwrite", action="store_true", help="replace an existing model file")
    a = ap.parse_args(argv)
    if a.out and not a.only:
        ap.error("--out needs --only sound or --only music")
    which = [a.only] if a.only else ["sound", "music"]
    outs = {
        w: Path(a.out) if a.out else (sound_model_path() if w == "sound" else feature_extraction.music_model_path())
        for w in which
    }
    try:
        media.refuse_existing(outs.values(), a.overwrite)  # before minutes of training, not after
    except errors.OutputExistsError as e:
        print(f"dramatune: error: {e}", file=sys.stderr)
        return 2
    if "sound" in outs:
        model, report = train_sound_classifier(sound_corpus(fast=not a.full), fast=not a.full)
        out = save_sound_model(model, report, outs["sound"])
        print(f"saved {out}: F1 on held-out recordings {report.f1}, accuracy {report.accuracy_real}")
    if "music" in outs:
        model, mreport = train_music_model(soundtrack_clips(full=a.full), fast=not a.full)
        out = save_music_model(model, mreport, outs["music"])
        print(f"saved {out}: {model.trained_on}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
