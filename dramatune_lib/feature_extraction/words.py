"""Stage 02 · words: subtitles read in any common encoding, and the valence of what is said."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from ..circumplex import Cue, clip_va
from ..errors import BadInputError
from .weights import SCENE_WEIGHTS, WORDS_CONFIDENCE_COVERAGE, WORDS_CONFIDENCE_FLOOR


@dataclass
class Line:
    """One subtitle (or the whole script) with its time span in seconds."""

    start: float
    end: float
    text: str


#: Byte-order marks and the encodings they announce, longest first (UTF-32's mark starts like UTF-16's).
_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)


def decode_text(raw: bytes) -> str | None:
    """Text from a subtitle or script file's bytes: the encoding its byte-order mark names, else
    UTF-8, else Windows-1252 (which reads Latin-1's letters too); text with zero bytes (UTF-16 or
    UTF-32 without a mark) as charset-normalizer detects it; None for bytes that are not text.

    Used by: :func:`read_subtitles`
    """
    for bom, enc in _BOMS:
        if raw.startswith(bom):
            try:
                return raw[len(bom) :].decode(enc.replace("-sig", ""))
            except UnicodeDecodeError:
                return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if b"\x00" not in raw:
        try:  # the usual legacy encoding of Western subtitles (and a superset of Latin-1's letters)
            return raw.decode("cp1252")
        except UnicodeDecodeError:
            return None  # bytes no Western code page uses: a detector would only guess (Korean, say)
    from charset_normalizer import from_bytes  # zero bytes: UTF-16 or UTF-32 without a mark

    best = from_bytes(raw).best()
    if best is None or not best.encoding:
        return None
    text = str(best)
    control = sum(1 for ch in text if not ch.isprintable() and ch not in "\n\r\t")
    return text if control <= 0.05 * max(1, len(text)) else None  # control bytes: not text


def read_subtitles(path: str | Path) -> list[Line]:
    """Read an ``.srt`` file, or a plain-text script (``.txt``: one span over the whole scene).

    Raises :class:`BadInputError` for a missing, unreadable or malformed file, naming the
    problem and what to do.

    Used by: :mod:`feature_extraction.fusion`
    """
    import srt

    path = Path(path)
    if path.is_dir():
        raise BadInputError(path, "is a folder, not a subtitle file — give the .srt (or .txt script) inside it")
    if path.is_symlink() and not path.exists():
        raise BadInputError(path, "is a link that leads nowhere (or back to itself) — give the subtitle file itself")
    if not path.is_file():
        raise BadInputError(path, "subtitle file not found — check the path")
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise BadInputError(path, f"cannot be read ({e.strerror}) — check its permissions") from None
    text = decode_text(raw)
    if text is None:
        raise BadInputError(path, "cannot be read as text — save it as UTF-8")
    if path.suffix.lower() != ".srt":
        body = " ".join(text.split())
        if not body:
            raise BadInputError(path, "is empty — give the scene's dialogue or script")
        return [Line(0.0, math.inf, body)]
    try:
        subs = list(srt.parse(text))
    except srt.SRTParseError as e:
        where = text[: e.actual_start].count("\n") + 1
        raise BadInputError(
            path,
            f"is not a valid .srt file (near line {where}) — each subtitle needs a number, "
            "a '00:00:01,000 --> 00:00:02,000' line and its text",
        ) from None
    lines = [Line(s.start.total_seconds(), s.end.total_seconds(), " ".join(s.content.split())) for s in subs]
    lines = [ln for ln in lines if ln.text and ln.end > ln.start]
    if not lines:
        raise BadInputError(
            path,
            "holds no subtitles — each needs a number, a time line and some text; or give "
            "the dialogue as a .txt script",
        )
    return lines


def words_cue(lines: list[Line], duration: float) -> tuple[Cue, list[tuple[float, float, float]]]:
    """The words cue: each line's valence from VADER's lexicon (Hutto & Gilbert 2014, shipped in
    ``vaderSentiment``), weighted by how long it is on screen within the scene.

    Returns the cue and ``(start, end, valence)`` per line inside the scene. Lines after the
    scene's end are left out and said so; a cue with no line inside the scene has confidence 0.

    Used by: :mod:`feature_extraction.fusion`
    """
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    sia = SentimentIntensityAnalyzer()
    placed = []
    for ln in lines:
        a, b = max(0.0, ln.start), min(duration, ln.end)
        if b > a:
            placed.append((a, b, float(sia.polarity_scores(ln.text)["compound"])))
    late = sum(1 for ln in lines if ln.start >= duration)
    if not placed:
        return Cue(
            "words",
            0.0,
            0.0,
            0.0,
            SCENE_WEIGHTS["words"],
            f"all {len(lines)} subtitles start after the scene ends — are they for this video?",
        ), []
    span = sum(b - a for a, b, _ in placed)
    v = sum((b - a) * val for a, b, val in placed) / span
    coverage = min(1.0, span / duration)
    detail = f"{len(placed)} lines on {coverage:.0%} of the scene"
    if late:
        detail += f"; {late} after its end left out"
    return Cue("words", clip_va(v), 0.0, words_confidence(coverage), SCENE_WEIGHTS["words"], detail), placed


def words_confidence(coverage: float) -> float:
    """The words cue's confidence when its lines cover ``coverage`` (0..1) of the scene (or of a
    second of it, in the timeline): see :data:`WORDS_CONFIDENCE_FLOOR`.

    Used by: :mod:`feature_extraction.fusion`
    """
    return WORDS_CONFIDENCE_FLOOR + WORDS_CONFIDENCE_COVERAGE * min(1.0, coverage)
