"""The dataclasses that flow between stages, each with a JSON round trip.

``video -> SceneProfile -> ranked Recommendations -> FittedCue -> ExportResult``
(:class:`fit_and_export.FittedCue` carries audio, so it lives beside the code that makes it.)
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from typing import Any, TypeVar

T = TypeVar("T")


class _JsonMixin:
    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form, JSON-ready."""
        return asdict(self)  # type: ignore[call-overload]

    def to_json(self, **kw: Any) -> str:
        """JSON text."""
        return json.dumps(self.to_dict(), **kw)

    @classmethod
    def from_dict(cls: type[T], d: dict[str, Any]) -> T:
        """Rebuild from :meth:`to_dict` output (unknown keys are ignored)."""
        types = {f.name: str(f.type) for f in fields(cls)}  # type: ignore[arg-type]
        kwargs = {k: v for k, v in d.items() if k in types}
        for k, v in kwargs.items():  # JSON has no tuples: give them back, so the round trip is exact
            if isinstance(v, list) and types[k].startswith("tuple"):
                kwargs[k] = tuple(v)
        if "cues" in kwargs:
            kwargs["cues"] = [CueReading(**c) for c in kwargs["cues"]]
        return cls(**kwargs)

    @classmethod
    def from_json(cls: type[T], text: str) -> T:
        """Rebuild from :meth:`to_json` output."""
        return cls.from_dict(json.loads(text))  # type: ignore[attr-defined]


@dataclass
class CueReading(_JsonMixin):
    """One cue's contribution as stored in a profile (see :class:`circumplex.Cue`)."""

    name: str
    valence: float
    arousal: float
    confidence: float
    weight: float
    detail: str = ""


@dataclass
class SceneProfile(_JsonMixin):
    """What the analysis found in a scene: its place on the circumplex and its pace."""

    path: str
    duration: float
    fps: float
    width: int
    height: int
    has_audio: bool
    valence: float
    arousal: float
    confidence: float
    emotion: str  # the reading in words, the same as `mood` (profiles from before it: the nearest label)
    pace: float  # 0 = still, 1 = frantic
    target_tempo: tuple[float, float]  # BPM range that suits the scene's pace
    face_share: float  # share of sampled frames with a face
    brightness: float  # 0..1
    cut_times: list[float] = field(default_factory=list)
    cuts_per_minute: float = 0.0
    loudness_db: float | None = None  # the scene's own sound, dBFS RMS; None without audio
    face_emotions: dict[str, float] = field(default_factory=dict)
    face_frames: list[list[float]] = field(default_factory=list)  # per sampled frame: [t, fer's 7 classes]
    cues: list[CueReading] = field(default_factory=list)
    timeline: list[list[float]] = field(default_factory=list)  # [t, valence, arousal, confidence]
    motion: list[float] = field(default_factory=list)  # optical-flow speed per second, frame widths/s
    visual_tempo: float | None = None  # the motion's own period, events per minute; None if unclear
    visual_tempo_strength: float = 0.0  # autocorrelation at that period, 0..1
    sound_level: list[float] = field(default_factory=list)  # the scene's own sound per second, dBFS
    sound_classes: list[str] = field(default_factory=list)  # per second: music/speech/other/silence
    speech_rate: float | None = None  # syllables per second where there is speech
    skipped_frames: int = 0  # frames that could not be decoded and were left out
    valence_confidence: float = 0.0  # how well each axis is supported by the cues (0 = unknown:
    arousal_confidence: float = 0.0  # profiles made before these existed use `confidence`)
    mood: str = ""  # the reading in words that admit doubt (circumplex.mood_for); "" in older profiles
    #: the dialogue as heard (feature_extraction.hearing): [start, end, text, confidence] a line;
    #: empty unless the analysis transcribed it
    transcript: list[list] = field(default_factory=list)

    def axis_confidence(self) -> tuple[float, float]:
        """Confidence of the valence and the arousal reading (the overall one where unknown)."""
        if self.valence_confidence or self.arousal_confidence:
            return self.valence_confidence, self.arousal_confidence
        return self.confidence, self.confidence

    def summary(self) -> str:
        """One line for people: emotion, V/A, pace.

        Notebook: 02_feature_extraction.ipynb, 05_recommend_and_merge.ipynb
        """
        faces = f", face in {self.face_share:.0%} of frames" if self.face_share else ", no face"
        if self.skipped_frames:
            faces += f"; {self.skipped_frames} damaged frame{'s' if self.skipped_frames > 1 else ''} skipped"
        cv, ca = self.axis_confidence()
        return (
            f"{self.mood or self.emotion} (valence {self.valence:+.2f}, confidence {cv:.2f}; arousal "
            f"{self.arousal:+.2f}, confidence {ca:.2f}); {self.duration:.1f} s, "
            f"{self.cuts_per_minute:.0f} cuts/min, pace {self.pace:.2f}{faces}"
        )


@dataclass
class TrackFeatures(_JsonMixin):
    """What indexing measured in one music track."""

    path: str
    title: str
    duration: float
    tempo: float
    key: str
    mode: str  # "major" | "minor"
    mode_strength: float
    loudness_lufs: float
    centroid_hz: float
    onset_density: float  # onsets per second
    valence: float
    arousal: float
    emotion: str  # the point in music's words (circumplex.music_label_for, GEMS)
    analysed_seconds: float = 0.0  # how much of the track was measured (long files: the start)
    loudness_range_lu: float = 0.0  # EBU Tech 3342 loudness range of all channels (libebur128), 0 if too short
    energy: float = 0.0  # 0..1: perceived intensity (loudness, onset rate, brightness)
    danceability: float = 0.0  # 0..1: how clear and steady the pulse is, at a danceable tempo
    beats: list[float] = field(default_factory=list)  # beat times in seconds (steady grid, 4/4)
    bars: list[float] = field(default_factory=list)  # downbeats: bar lines in seconds
    descriptors: dict[str, float] = field(default_factory=dict)  # feature_extraction.sound_descriptors
    tags: dict[str, str] = field(default_factory=dict)  # mood-bearing tags: title, album, genre, mood...
    # what musicnn hears (feature_extraction.musicnn): each MagnaTagATune tag's mean probability,
    # and the mean of its 200-number penultimate layer (timbre, instruments, rhythm)
    ear_tags: dict[str, float] = field(default_factory=dict)
    embedding: list[float] = field(default_factory=list)
    # the track's moments (feature_extraction.sections): each window's measures (tracks.SECTION_FIELDS),
    # and where the library places each window: [start, end, valence, arousal, their confidences]
    sections: list[list[float]] = field(default_factory=list)
    section_curve: list[list[float]] = field(default_factory=list)
    # where the library places it (feature_extraction.place_tracks); valence/arousal above are
    # the absolute reading, sound and words fused
    valence_confidence: float = 0.0
    arousal_confidence: float = 0.0
    valence_rel: float = 0.0  # rank within its library, -1 (lowest) .. 1 (highest)
    arousal_rel: float = 0.0
    valence_sound: float = 0.0  # the sound's reading alone, before the words
    arousal_sound: float = 0.0
    arousal_ear: float | None = None  # musicnn's arousal, calibrated (MusicModel.ear); None without the ear
    words: str = ""  # the words that spoke (folder names, title, tags)
    tempo_confidence: float = 0.0  # how far the tempo can be trusted (feature_extraction.tempo_confidence)
    placed_by: str = ""  # "model", "priors", "... + words"


@dataclass
class Recommendation(_JsonMixin):
    """One ranked track for a scene, with the reason in a sentence."""

    rank: int
    path: str
    title: str
    score: float
    emotion_distance: float
    tempo_fit: float
    duration_fit: float
    reason: str
    valence: float
    arousal: float
    tempo: float
    # the moment of the track that fits the scene best (matching.best_section), seconds; None: the whole
    section_start: float | None = None
    section_end: float | None = None


@dataclass
class ExportResult(_JsonMixin):
    """What an export wrote."""

    output: str
    duration: float
    video_copied: bool
    track: str
    stem: str = ""
    cue_sheet: str = ""
    loudness_lufs: float | None = None
    true_peak_dbtp: float | None = None
