"""Stage 02 · the picture, read in one pass: faces, light, motion, cuts and the visual beat."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from ..circumplex import Cue
from ..errors import DramaTuneError
from ..frames import sample_due, stream_frames_sampled
from ..media import probe_scene
from ..signal.beats import tempo_estimate
from .blazeface import BlazeFaceFinder, model_folder
from .faces import FaceReading, _box, _face_reading, face_detector
from .light import warmth_of
from .weights import CUE_CONFIDENCE, SCENE_WEIGHTS

#: Optical-flow speed (frame widths per second) and cuts per minute that count as full pace.
MOTION_FULL = 0.3
CUTS_FULL = 40.0
#: How much motion counts in the pace, against the cuts' 1 - this (chosen by hand: motion is
#: measured all through a shot, cuts only at its ends).
PACE_MOTION_SHARE = 0.6
#: The tempo range that suits a scene: from TEMPO_FLOOR_BPM for a calm, still scene, rising by up to
#: TEMPO_AROUSAL_BPM with arousal and TEMPO_PACE_BPM with pace; the range spans TEMPO_SPAN times its
#: lower end (chosen by hand, so that 60-180 BPM, the composer's range, is covered).
TEMPO_FLOOR_BPM, TEMPO_AROUSAL_BPM, TEMPO_PACE_BPM, TEMPO_SPAN = 60.0, 60.0, 40.0, 1.25


#: Frames are read at the video's own rate, at most this many per second, for cuts and motion.
MAX_ANALYSIS_RATE = 30.0


#: Widths at which the picture is measured: scenedetect's own working width for cuts, a coarse
#: width for optical flow (camera and object speed, not texture).
CUT_WIDTH = 256


FLOW_WIDTH = 96


#: Optical flow (between consecutive frames) is measured about this many times a second.
FLOW_RATE = 5.0


#: Faces are searched for on frames downscaled to this long side; the smallest
#: face searched for is :data:`MIN_FACE_SHARE` of the frame's short side (fer's own 50 px on a
#: 360 px frame), and never under the cascade's 24 px window: on a 16:9 frame that is a sixth of
#: its height (120 px of 720p). Searching at 320 px found faces down to a seventh and cost 1.5x
#: the time. On ten clips (``bench/bench_faces.py``) both sizes found faces in the same number
#: of frames on eight; on the other two they differ by one frame, and both times the "face" is
#: an animal's (the cartoon rabbit of Big Buck Bunny, a dog in a phone video).
FACE_DETECT_SIDE = 256


MIN_FACE_SHARE = 50 / 360


#: The face finders :class:`FaceFinder` offers.
FACE_FINDERS = ("auto", "blazeface", "haar")


#: The Haar cascade's own window (haarcascade_frontalface_default: 24x24 px).
HAAR_WINDOW = 24


#: Mean frame difference (0..1) below which a picture counts as still (about 1 grey level in 255).
MIN_VISUAL_MOTION = 0.004


@dataclass
class PictureTrack:
    """What one pass over a video's frames measured.

    ``motion`` is the optical-flow speed in frame widths per second at ``motion_times``;
    ``diff`` the mean absolute difference of consecutive frames (0..1) at ``rate`` per second;
    ``faces``, ``brightness`` and ``colourfulness`` belong to the frames sampled at
    ``sample_times`` (``fps`` per second).
    """

    rate: float
    frames: int
    cuts: list[float] = field(default_factory=list)
    motion: list[float] = field(default_factory=list)
    motion_times: list[float] = field(default_factory=list)
    diff: list[float] = field(default_factory=list)
    sample_times: list[float] = field(default_factory=list)
    faces: list[FaceReading] = field(default_factory=list)
    brightness: list[float] = field(default_factory=list)
    colourfulness: list[float] = field(default_factory=list)
    warmth: list[float] = field(default_factory=list)  # colour temperature: -1 cold (blue) .. 1 warm (amber)
    contrast: list[float] = field(default_factory=list)  # spread of the lightness, 0 flat .. about 0.5
    unreadable: int = 0  # sampled frames that could not be decoded, skipped


class FaceFinder:
    """Faces found, then fer's emotion model on each face cut from the full frame.

    ``finder="blazeface"`` (the default where mediapipe's models are installed: ``"auto"``) finds
    them with BlazeFace, each find confirmed by mediapipe's face-landmark model
    (:mod:`.blazeface`: turned heads and small faces, but not animals' or most drawn faces).
    ``finder="haar"`` is fer's own Haar cascade, run on a copy downscaled to ``detect_side``
    (:data:`FACE_DETECT_SIDE`: 6x fewer pixels than fer's own 640 px search); the smallest face
    it searches for scales with the frame. ``"auto"`` falls back to it, with a warning, when
    mediapipe's models are not installed.

    Notebook: 02_feature_extraction.ipynb
    """

    def __init__(self, detector=None, detect_side: int = FACE_DETECT_SIDE, finder: str = "auto"):
        if finder not in FACE_FINDERS:
            raise DramaTuneError(f"face finder {finder!r}: choose one of {', '.join(FACE_FINDERS)}")
        self.fer = detector if detector is not None else face_detector()
        cascades = cv2.data.haarcascades  # type: ignore[attr-defined]  # cv2.data is missing from OpenCV's stubs
        self.cascade = cv2.CascadeClassifier(cascades + "haarcascade_frontalface_default.xml")
        self.detect_side = detect_side
        folder = model_folder() if finder != "haar" else None
        if folder is None and finder == "blazeface":
            raise DramaTuneError(
                "BlazeFace needs mediapipe 0.10.14's models: run `make setup`, or "
                "`pip install --no-deps mediapipe==0.10.14` (Python 3.12 or older)"
            )
        if folder is None and finder == "auto":
            logging.getLogger(__name__).warning(
                "mediapipe 0.10.14 is not installed: faces are found by the Haar cascade (frontal faces only)"
            )
        self.blaze = BlazeFaceFinder(folder) if folder is not None else None
        self.finder = "blazeface" if self.blaze is not None else "haar"

    def find(
        self,
        frame_bgr: np.ndarray,
        near: list[tuple[int, int, int, int]] | None = None,
    ) -> list[tuple[int, int, int, int]]:
        """Face boxes ``(x, y, w, h)`` in the frame's own pixels: BlazeFace's confirmed finds, or
        fer's Haar cascade on a copy downscaled to ``detect_side``.

        For the cascade, ``near`` (boxes found in an earlier frame of the same shot) first searches
        only around them, for faces of about their size; if none is found there, the whole frame
        is searched. BlazeFace always searches the whole frame (a few milliseconds).

        Notebook: 02_feature_extraction.ipynb
        """
        if self.blaze is not None:
            return self.blaze.find(frame_bgr)
        h, w = frame_bgr.shape[:2]
        s = min(1.0, self.detect_side / max(h, w))
        gray = cv2.cvtColor(frame_bgr, cv2.COLOR_BGR2GRAY)
        small = cv2.resize(gray, (round(w * s), round(h * s)), interpolation=cv2.INTER_AREA) if s < 1 else gray
        boxes = self._near(small, [[v * s for v in b] for b in near]) if near else []
        if not boxes:
            side = max(HAAR_WINDOW, round(MIN_FACE_SHARE * min(small.shape)))
            boxes = list(
                self.cascade.detectMultiScale(  # type: ignore[arg-type]  # OpenCV's stubs: Sequence[Rect]
                    small, scaleFactor=1.1, minNeighbors=5, flags=cv2.CASCADE_SCALE_IMAGE, minSize=(side, side)
                )
            )
        return [_box(v / s for v in b) for b in boxes]

    def read(self, frame_bgr: np.ndarray, near: list[tuple[int, int, int, int]] | None = None) -> FaceReading:
        """fer's reading of one frame (faces from :meth:`find`), faces weighted by their area."""
        rects = self.find(frame_bgr, near)
        if not rects:
            return FaceReading()
        h, w = frame_bgr.shape[:2]
        return _face_reading(self.fer.detect_emotions(frame_bgr, face_rectangles=rects), h, w)

    def _near(self, small: np.ndarray, boxes: list[list[float]]) -> list[tuple[int, int, int, int]]:
        """Faces searched for around each earlier box (a face width of margin), at 0.7x to
        1.4x its size: a few windows instead of the whole frame's pyramid."""
        found = []
        H, W = small.shape
        for x, y, bw, bh in boxes:
            x0, y0 = max(0, int(x - bw)), max(0, int(y - bh))
            x1, y1 = min(W, int(x + 2 * bw) + 1), min(H, int(y + 2 * bh) + 1)
            lo, hi = max(HAAR_WINDOW, int(0.7 * min(bw, bh))), int(1.4 * max(bw, bh)) + 1
            if min(x1 - x0, y1 - y0) < lo:
                continue
            for fx, fy, fw, fh in self.cascade.detectMultiScale(
                small[y0:y1, x0:x1],
                scaleFactor=1.1,
                minNeighbors=5,
                flags=cv2.CASCADE_SCALE_IMAGE,
                minSize=(lo, lo),
                maxSize=(hi, hi),
            ):
                found.append((fx + x0, fy + y0, fw, fh))
        return found


def watch_video(
    path: str | Path,
    *,
    fps: float = 2.0,
    faces: FaceFinder | None = None,
    info=None,
    progress=None,
    max_side: int = 640,
) -> PictureTrack:
    """Read a video once, streaming, and measure cuts, motion, faces and light.

    Every frame (at the video's rate, at most 30 per second) goes to scenedetect's content
    detector at its working width and to a motion measure: the optical flow (Farnebäck) between
    consecutive frames, five times a second, and the plain frame difference. Frames at ``fps`` per
    second also go to the face finder (``faces=None`` skips faces) and the light meter. Within a
    shot, a face once found is looked for near its last place first; where a search of the whole
    frame found none, the next sampled frame of the shot is not searched (at 2 per second, a
    faceless shot is searched once a second); every cut starts a fresh search.

    Used by: :mod:`feature_extraction.fusion`
    """
    from scenedetect import ContentDetector, FrameTimecode

    path = Path(path)
    info = info or probe_scene(path)
    # a variable-frame-rate video is read at its highest rate (ffmpeg's tbr), not its average
    rate = min(info.tbr or info.fps or 25.0, MAX_ANALYSIS_RATE)
    track = PictureTrack(rate=rate, frames=0)
    cutter = ContentDetector(min_scene_len=max(1, round(0.5 * rate)))
    flow_step = max(1, round(rate / FLOW_RATE))
    prev_tiny = prev_flow = None
    last_tc = None
    searched = (-1, FaceReading(), False)  # cuts seen at the last face search, its reading, skipped since
    # every frame at the cut width, and (for faces) the sampled ones again at max_side
    stream = stream_frames_sampled(path, rate, CUT_WIDTH, fps if faces is not None else None, max_side, info)
    for i, (t, cut_img, sample) in enumerate(stream):
        h, w = cut_img.shape[:2]
        last_tc = FrameTimecode(i, rate)
        track.cuts += [round(tc.seconds, 3) for tc in cutter.process_frame(last_tc, cut_img)]
        gray = cv2.cvtColor(cut_img, cv2.COLOR_BGR2GRAY)
        tiny = cv2.resize(gray, (64, 36), interpolation=cv2.INTER_AREA).astype(np.float32) / 255
        track.diff.append(float(np.abs(tiny - prev_tiny).mean()) if prev_tiny is not None else 0.0)
        prev_tiny = tiny
        if i % flow_step in (0, flow_step - 1):  # the flow between consecutive frames, every flow_step
            fg = cv2.resize(gray, (FLOW_WIDTH, max(2, round(FLOW_WIDTH * h / w))), interpolation=cv2.INTER_AREA)
            if i % flow_step == 0 and prev_flow is not None and prev_flow[0] == i - 1:
                # flow=None: OpenCV allocates it (its stubs want an array there)
                flow = cv2.calcOpticalFlowFarneback(prev_flow[1], fg, None, 0.5, 2, 9, 2, 5, 1.1, 0)  # type: ignore[call-overload]
                px = float(np.hypot(flow[..., 0], flow[..., 1]).mean())
                track.motion.append(px / FLOW_WIDTH * rate)
                track.motion_times.append(t)
            prev_flow = (i, fg)
        if sample_due(i, rate, fps):
            track.sample_times.append(t)
            if faces is not None:
                cuts_seen, last, skipped = searched
                same_shot = cuts_seen == len(track.cuts)
                if same_shot and not last.boxes and not skipped:
                    reading = FaceReading()  # no face in this shot one sample ago: this one is not searched
                    searched = (cuts_seen, last, True)
                elif sample is None:  # this frame could not be decoded at the face size: skipped
                    reading = FaceReading()
                    track.unreadable += 1
                else:
                    reading = faces.read(sample, near=last.boxes if same_shot else None)
                    searched = (len(track.cuts), reading, False)
                track.faces.append(reading)
            small = cv2.resize(cut_img, (40, 23), interpolation=cv2.INTER_AREA)
            hsv = cv2.cvtColor(small, cv2.COLOR_BGR2HSV).astype(np.float32) / 255
            track.brightness.append(float(hsv[..., 2].mean()))
            track.colourfulness.append(float((hsv[..., 1] * hsv[..., 2]).mean()))  # saturated *and* lit
            track.warmth.append(warmth_of(small))
            track.contrast.append(float(hsv[..., 2].std()))
            if progress and info.duration:
                progress(min(0.85, 0.85 * t / info.duration))
        track.frames = i + 1
    if last_tc is not None:
        track.cuts += [round(tc.seconds, 3) for tc in cutter.post_process(last_tc)]
    # a cut is a change of shot, not motion: the flow and difference across it are left out
    for c in track.cuts:
        k = round(c * rate)
        if 0 <= k < len(track.diff):
            track.diff[k] = float("nan")
        j = int(np.searchsorted(track.motion_times, c - 1e-6))
        if j < len(track.motion):
            track.motion[j] = float("nan")
    return track


def find_cuts(path: str | Path) -> list[float]:
    """Hard cut times in seconds, by scenedetect's content detector on every frame.

    Used by: :mod:`cli.commands`
    """
    return watch_video(path, fps=0.5, faces=None, max_side=CUT_WIDTH).cuts


def visual_tempo(diff: list[float], rate: float) -> tuple[float | None, float]:
    """The picture's own beat: the dominant period of its motion, in events per minute.

    The frame-difference curve (cuts removed) is treated as an onset envelope and handed to
    librosa's tempo estimator (:func:`tempo_estimate`: autocorrelation with its prior around 120
    per minute). Returns
    ``(tempo, strength)``, strength being the normalised autocorrelation at that period;
    ``(None, strength)`` when the motion has no clear period (strength below 0.5), the clip is
    shorter than four seconds, or the picture hardly moves (mean difference under
    :data:`MIN_VISUAL_MOTION`: grain and compression flicker have no beat).

    Used by: :mod:`feature_extraction.fusion`
    """
    d = np.asarray(diff, dtype=np.float64)
    if d.size < 4 * rate or not np.isfinite(d).any() or np.nanmean(d) < MIN_VISUAL_MOTION:
        return None, 0.0
    d = np.where(np.isfinite(d), d, np.nanmedian(d))
    env = np.maximum(0.0, np.diff(d, prepend=d[0]))  # rises in motion are the visual onsets
    if env.max() <= 1e-9:
        return None, 0.0
    bpm = tempo_estimate(env, rate, max_tempo=240.0)
    lag = rate * 60.0 / bpm
    env = env - env.mean()
    ac = np.correlate(env, env, "full")[env.size - 1 :]
    if ac[0] <= 0:
        return None, 0.0
    lo, hi = max(1, int(np.floor(lag)) - 1), min(ac.size - 1, int(np.ceil(lag)) + 1)  # a frame of jitter
    strength = float(ac[lo : hi + 1].max() / ac[0]) if lo <= hi else 0.0
    return (round(bpm, 1) if strength >= 0.5 else None), round(max(0.0, strength), 3)


def pace_of(motion: float, cuts_per_minute: float) -> float:
    """Pace in [0, 1] from optical-flow speed (frame widths per second) and cuts per minute.

    Used by: :mod:`compose.scenes`, :mod:`feature_extraction.fusion`
    """
    motion_part = PACE_MOTION_SHARE * min(1.0, motion / MOTION_FULL)
    cuts_part = (1 - PACE_MOTION_SHARE) * min(1.0, cuts_per_minute / CUTS_FULL)
    return float(np.clip(motion_part + cuts_part, 0, 1))


def pace_cue(pace: float, detail: str = "") -> Cue:
    """The pace cue: arousal from pace (0 still .. 1 frantic), valence unread.

    Used by: :mod:`feature_extraction.fusion`
    """
    return Cue("pace", 0.0, 2 * pace - 1, CUE_CONFIDENCE["pace"], SCENE_WEIGHTS["pace"], detail)


def target_tempo(arousal: float, pace: float) -> tuple[int, int]:
    """The tempo range (BPM) that suits a scene of this arousal and pace: the one rule behind
    every profile's ``target_tempo`` (see :data:`TEMPO_FLOOR_BPM`).

    Used by: :mod:`compose.scenes`, :mod:`evaluation.demo_cases`, :mod:`evaluation.real_music` and 1 more
    """
    lo = TEMPO_FLOOR_BPM + TEMPO_AROUSAL_BPM * (arousal + 1) / 2 + TEMPO_PACE_BPM * pace
    return round(lo), round(lo * TEMPO_SPAN)
