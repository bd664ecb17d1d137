"""Stage 02 · the dialogue, heard: offline transcription where the scene speaks and no subtitles are given.

Most scenes a film student cuts have no subtitle file yet, so the words cue (one of the few that
carries valence) would stay silent. Where the scene's own sound is speech (the one speech
decision, :func:`sound.speech_decision`), those stretches are transcribed by pocketsphinx
(CMU Sphinx, BSD-2-Clause), whose US-English acoustic model, dictionary and language model ship
inside its wheel: nothing is downloaded at run time. English only.

The transcript becomes timed lines that go through the same words cue as subtitles
(:func:`words.words_cue`, VADER), its confidence scaled by the recogniser's own: each word's
posterior probability, so a transcript the recogniser doubts weighs little. It is slow beside the
rest of the analysis (a scene half speech: 28x realtime without, 10x with, RESULTS.md), so it is
off unless ``dramatune analyze --transcribe`` or the app's checkbox turns it on.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from ..circumplex import Cue
from ..errors import DramaTuneError
from .sound import SOUND_SR, SPEECH_HOP_S
from .words import Line, words_cue

#: Speech runs closer than this are transcribed as one stretch (seconds; chosen by hand: a
#: breath between two sentences of one speaker).
JOIN_GAP_S = 0.5
#: Each stretch is widened by this on both sides, so a word's first and last sounds are heard
#: (seconds; the speech frames start on the voice, after a plosive's burst).
PAD_S = 0.2
#: Stretches shorter than this are left out: a cough or a click, not a word (seconds; Asterisk's
#: recorded "Thank you" holds 0.55 s of speech frames).
MIN_STRETCH_S = 0.3
#: A line of the transcript ends at a pause between words this long (seconds; chosen by hand).
LINE_PAUSE_S = 0.6
#: Words heard with a posterior probability under this are left out of the lines: the recogniser
#: doubts them (chosen by hand; on 60 of Asterisk's prompts half the wrong words and a fifth of the
#: right ones fell under it, one scratch run).
MIN_WORD_PROB = 0.3
#: How far a transcript's words can be trusted at best: the share of words the recogniser gets
#: right on real recorded speech (1 - its word error rate of 0.79 on Asterisk's prompts,
#: bench/bench_transcribe.py, RESULTS.md). Its posteriors alone can be sure of a wrong line (0.82
#: for a webcam scene's "i use short by their act"), so the cue weighs little however sure they are.
TRANSCRIPT_TRUST = 0.21
#: pocketsphinx's decoder settings (its defaults otherwise): narrower beams and no second,
#: flat-lexicon pass trade a little accuracy for speed. On 60 of Asterisk's prompts (one scratch
#: run, this machine): the defaults 0.78 word error rate at 2.4x realtime; narrow beams 0.77 at
#: 6.1x; these 0.79 at 9.3x; halving the frame rate as well 0.82 at 11.1x. RESULTS.md.
DECODER_OPTIONS = {"beam": 1e-40, "wbeam": 1e-30, "pbeam": 1e-40, "maxhmmpf": 3000, "fwdflat": False}


@dataclass
class Word:
    """One word heard, with its time span in the scene (seconds) and the recogniser's posterior."""

    start: float
    end: float
    text: str
    prob: float


@dataclass
class Transcript:
    """What was heard: the words, the seconds transcribed, and how sure the recogniser was."""

    words: list[Word] = field(default_factory=list)
    seconds: float = 0.0  # speech transcribed
    confidence: float = 0.0  # the words' posteriors, weighted by their length (0 when none)

    def lines(self, min_prob: float = MIN_WORD_PROB) -> list[Line]:
        """The words the recogniser is sure enough of, as timed lines split at pauses."""
        out: list[Line] = []
        for w in (w for w in self.words if w.prob >= min_prob):
            if out and w.start - out[-1].end < LINE_PAUSE_S:
                out[-1] = Line(out[-1].start, w.end, f"{out[-1].text} {w.text}")
            else:
                out.append(Line(w.start, w.end, w.text))
        return out

    def rows(self) -> list[list]:
        """The lines for the analysis JSON: ``[start, end, text, confidence]`` each."""
        out = []
        for ln in self.lines(0.0):
            probs = [w.prob for w in self.words if ln.start <= w.start and w.end <= ln.end]
            out.append([round(ln.start, 2), round(ln.end, 2), ln.text, round(float(np.mean(probs)), 2)])
        return out


def speech_stretches(frames: np.ndarray, hop: float = SPEECH_HOP_S) -> list[tuple[float, float]]:
    """The stretches of a scene to transcribe, in seconds: the runs of speech frames (every
    ``hop``), joined across gaps under :data:`JOIN_GAP_S`, widened by :data:`PAD_S`, and at least
    :data:`MIN_STRETCH_S` long.

    Notebook: 02_feature_extraction.ipynb
    """
    edges = np.diff(np.r_[0, frames.astype(int), 0])
    on, off = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    runs: list[list[float]] = []
    for a, b in zip(on * hop, off * hop):
        if runs and a - runs[-1][1] < JOIN_GAP_S:
            runs[-1][1] = b
        else:
            runs.append([a, b])
    end = frames.size * hop
    return [(max(0.0, a - PAD_S), min(end, b + PAD_S)) for a, b in runs if b - a >= MIN_STRETCH_S]


def transcribe(y: np.ndarray, stretches: list[tuple[float, float]], sr: int = SOUND_SR) -> Transcript:
    """Transcribe the ``stretches`` (seconds) of ``y`` (mono, at ``sr``, which pocketsphinx's
    model wants at 16 kHz) with pocketsphinx's US-English model, one utterance each.

    Notebook: 02_feature_extraction.ipynb
    """
    try:
        from pocketsphinx import Decoder
    except ImportError:  # installed by make setup, without its microphone dependency
        raise DramaTuneError(
            "hearing the dialogue needs pocketsphinx: run make setup (requirements/nodeps.txt)"
        ) from None

    decoder = Decoder(samprate=sr, **DECODER_OPTIONS)
    frate = int(decoder.config["frate"])
    words: list[Word] = []
    seconds = 0.0
    for a, b in stretches:
        part = np.clip(y[int(a * sr) : int(b * sr)], -1, 1)
        seconds += part.size / sr
        decoder.start_utt()
        decoder.process_raw((part * 32767).astype(np.int16).tobytes(), full_utt=True)
        decoder.end_utt()
        for s in decoder.seg():
            text = s.word.split("(")[0]  # "that(2)": the dictionary's second pronunciation
            if text.startswith(("<", "[")):  # <s>, </s>, <sil>, [NOISE]
                continue
            words.append(Word(a + s.start_frame / frate, a + (s.end_frame + 1) / frate, text, float(s.prob)))
    span = sum(w.end - w.start for w in words)
    conf = sum((w.end - w.start) * w.prob for w in words) / span if span else 0.0
    return Transcript(words, round(seconds, 2), round(conf, 3))


def transcribe_scene(y: np.ndarray, speech_frames: np.ndarray, sr: int = SOUND_SR) -> Transcript:
    """The scene's dialogue: its speech stretches (:func:`speech_stretches`) transcribed.

    Used by: :mod:`feature_extraction.fusion`
    """
    return transcribe(y, speech_stretches(speech_frames), sr)


def transcript_cue(t: Transcript, duration: float) -> tuple[Cue, list[tuple[float, float, float]]] | None:
    """The words cue from a transcript (:func:`words.words_cue` over the lines the recogniser is
    sure enough of), its confidence scaled by the transcript's :attr:`Transcript.confidence` and
    by :data:`TRANSCRIPT_TRUST`; None when no word was heard with :data:`MIN_WORD_PROB`.

    Notebook: 02_feature_extraction.ipynb
    """
    lines = t.lines()
    if not lines:
        return None
    cue, placed = words_cue(lines, duration)
    detail = f"heard, not subtitled: {cue.detail}, recogniser confidence {t.confidence:.2f}"
    return replace(cue, confidence=cue.confidence * t.confidence * TRANSCRIPT_TRUST, detail=detail), placed
