"""Stage 02 · a scene analysed: every cue read, then fused into one point on the circumplex."""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from ..circumplex import Cue, clip_va, emotions_to_va, fuse, mood_for
from ..config import MAX_SCENE_S
from ..errors import BadInputError
from ..media import decode_audio, probe_scene
from ..schema import CueReading, SceneProfile
from .faces import FER_CLASSES
from .hearing import Transcript, transcribe_scene, transcript_cue
from .light import light_cue
from .picture import FaceFinder, PictureTrack, pace_cue, pace_of, target_tempo, visual_tempo, watch_video
from .sound import SOUND_CLASSES, SOUND_SR, SoundTrack, _db, listen, load_sound_model
from .voices import scene_music_cue, voice_cue
from .weights import CUE_AXES, CUE_CONFIDENCE, SCENE_WEIGHTS, SOUND_NEUTRAL_DB, SOUND_SPAN_DB
from .words import read_subtitles, words_confidence, words_cue


def _nanmean(x) -> float:
    x = np.asarray(x, dtype=np.float64)
    x = x[np.isfinite(x)]
    return float(x.mean()) if x.size else 0.0


def analyze_scene(
    path: str | Path,
    *,
    fps: float = 2.0,
    detector=None,
    progress=None,
    subtitles: str | Path | None = None,
    sound_model="auto",
    max_seconds: float | None = MAX_SCENE_S,
    transcribe: bool = False,
) -> SceneProfile:
    """Analyse a scene: faces, light, pace, cuts, sound and (given subtitles) words, fused on
    the circumplex.

    Args:
        path: the video.
        fps: frames a second read for faces (every frame is read for cuts and motion).
        detector: a :class:`FaceFinder` or a fer detector to reuse across scenes (made if None).
        progress: called with a fraction in [0, 1] as frames are read.
        subtitles: an ``.srt`` file or a plain-text script, for the words cue.
        sound_model: labels the scene's own sound second by second ("auto": the trained model in
            ``models/``; None: no labels).
        max_seconds: a scene longer than this (:data:`config.MAX_SCENE_S`; None: no limit) is
            refused from its header, before anything is decoded.
        transcribe: without subtitles, transcribe the scene's speech (:mod:`hearing`, English)
            for the words cue, and keep the transcript; slower.

    Returns:
        The scene's valence and arousal with their confidences and the area where they may lie,
        its mood in words, each cue's reading, the cuts, and the emotion and sound second by second.

    Notebook: 01, 02, 04, 06
    """
    path = Path(path)
    info = probe_scene(path, max_seconds=max_seconds)
    lines = read_subtitles(subtitles) if subtitles else None  # a bad file fails before any work
    finder = detector if isinstance(detector, FaceFinder) else FaceFinder(detector)
    # the sound is decoded and labelled in a second thread while the picture is read: ffmpeg and
    # the numerical libraries release the GIL, and the picture pass leaves a core part-idle
    with ThreadPoolExecutor(1) as pool:
        hearing = pool.submit(_hear, path, info.has_audio, sound_model, transcribe and lines is None)
        pic = watch_video(path, fps=fps, faces=finder, info=info, progress=progress)
        hearing.result()
    faces = pic.faces
    decoded = pic.frames / pic.rate
    if info.duration > 1.0 and decoded < 0.8 * info.duration:
        raise BadInputError(
            path,
            f"is truncated or damaged: only {decoded:.1f} s of its {info.duration:.1f} s "
            "could be decoded — export or download it again",
        )
    if pic.frames < 2:
        raise BadInputError(path, "holds a single frame — give a video of at least a second")
    duration = max(info.duration, decoded) if info.duration else decoded
    # frames that could not be decoded were skipped; the scene is refused only when too few remain
    skipped = max(0, int(round(info.duration * pic.rate)) - pic.frames - 1) + pic.unreadable
    cuts = [c for c in pic.cuts if 0 < c < duration]
    cpm = 60.0 * len(cuts) / duration

    # faces
    with_face = [f for f in faces if f.probs]
    face_share = len(with_face) / len(faces)
    face_probs: dict[str, float] = {}
    for f in with_face:
        for k, p in f.probs.items():
            face_probs[k] = face_probs.get(k, 0.0) + p / len(with_face)
    cues: list[Cue] = []
    if with_face:
        fv, fa = emotions_to_va(face_probs)
        certainty = float(np.mean([max(f.probs.values()) for f in with_face]))
        top = max(face_probs, key=lambda k: face_probs[k])
        cues.append(
            Cue(
                "faces",
                fv,
                fa,
                face_share * certainty,
                SCENE_WEIGHTS["faces"],
                f"face in {face_share:.0%} of frames, mostly {top}",
            )
        )
    else:
        cues.append(Cue("faces", 0.0, 0.0, 0.0, SCENE_WEIGHTS["faces"], "no face found"))
    # light
    b, s = float(np.mean(pic.brightness)), float(np.mean(pic.colourfulness))
    cues.append(light_cue(b, s, float(np.mean(pic.warmth)), float(np.mean(pic.contrast))))
    # pace: optical-flow speed and cuts per minute
    m = _nanmean(pic.motion)
    pace = pace_of(m, cpm)
    vt, vt_strength = visual_tempo(pic.diff, pic.rate)
    beat = f", visual beat {vt:.0f}/min" if vt else ""
    cues.append(pace_cue(pace, f"motion {m:.2f} widths/s, {cpm:.0f} cuts/min{beat}"))
    # sound: level, and (with the trained model) music / speech / other per second
    loud, snd, dialogue = hearing.result()
    if snd is not None and loud is not None:  # _hear gives both or neither
        heard = ""
        if snd.classes:
            share = {c: snd.classes.count(c) / len(snd.classes) for c in (*SOUND_CLASSES, "silence")}
            heard = ", " + ", ".join(f"{c} {v:.0%}" for c, v in share.items() if v)
        if snd.speech_rate:
            heard += f", {snd.speech_rate:.1f} syllables/s"
        cues.append(
            Cue(
                "sound",
                0.0,
                clip_va((loud - SOUND_NEUTRAL_DB) / SOUND_SPAN_DB),
                CUE_CONFIDENCE["sound"],
                SCENE_WEIGHTS["sound"],
                f"scene audio at {loud:.0f} dBFS{heard}",
            )
        )
    if loud is None:
        cues.append(Cue("sound", 0.0, 0.0, 0.0, SCENE_WEIGHTS["sound"], "no audio"))
    if snd is not None:  # the scene's own music and voices, where it has them
        cues += [c for c in (scene_music_cue(path, snd.classes), voice_cue(snd)) if c is not None]

    placed: list[tuple[float, float, float]] = []
    if lines is not None:
        wcue, placed = words_cue(lines, duration)
        cues.append(wcue)
    elif dialogue is not None and (said := transcript_cue(dialogue, duration)) is not None:
        cues.append(said[0])
        placed = said[1]
    v, a, conf_v, conf_a = fuse_axes(cues)
    mood = mood_for(v, a, conf_v, conf_a)
    conf = (conf_v + conf_a) / 2
    motion_s = _per_second(pic.motion_times, pic.motion, duration)
    timeline = _timeline(pic, motion_s, cuts, duration, placed)
    if progress:
        progress(1.0)
    return SceneProfile(
        path=str(path),
        duration=round(duration, 3),
        fps=info.fps,
        width=info.width,
        height=info.height,
        has_audio=loud is not None,
        valence=round(v, 3),
        arousal=round(a, 3),
        confidence=round(conf, 3),
        valence_confidence=round(conf_v, 3),
        arousal_confidence=round(conf_a, 3),
        emotion=mood,  # one reading of the scene everywhere: the mood that admits doubt
        mood=mood,
        pace=round(pace, 3),
        target_tempo=target_tempo(a, pace),
        face_share=round(face_share, 3),
        brightness=round(b, 3),
        cut_times=cuts,
        cuts_per_minute=round(cpm, 1),
        loudness_db=None if loud is None else round(loud, 1),
        face_emotions={k: round(p, 3) for k, p in face_probs.items()},
        face_frames=[
            [round(t, 3), *(round(f.probs.get(c, 0.0), 3) for c in FER_CLASSES)]
            for t, f in zip(pic.sample_times, pic.faces)
        ],
        cues=[
            CueReading(c.name, round(c.valence, 3), round(c.arousal, 3), round(c.confidence, 3), c.weight, c.detail)
            for c in cues
        ],
        timeline=timeline,
        motion=[round(x, 4) for x in motion_s],
        visual_tempo=vt,
        visual_tempo_strength=vt_strength,
        sound_level=snd.level_db if snd else [],
        sound_classes=snd.classes if snd else [],
        speech_rate=snd.speech_rate if snd else None,
        skipped_frames=skipped,
        transcript=dialogue.rows() if dialogue else [],
    )


def _hear(
    path: Path, has_audio: bool, sound_model, transcribe: bool = False
) -> tuple[float | None, SoundTrack | None, Transcript | None]:
    """The scene's sound level (dBFS), its per-second labels and (``transcribe``, where it
    speaks) its dialogue transcribed; (None, None, None) without audio."""
    if not has_audio:
        return None, None, None
    try:
        y = decode_audio(path, sr=SOUND_SR)
    except BadInputError:
        return None, None, None
    if not y.size:
        return None, None, None
    snd = listen(y, SOUND_SR, load_sound_model() if sound_model == "auto" else sound_model)
    heard = transcribe_scene(y, snd.speech_frames) if transcribe and snd.speech_frames.any() else None
    return _db(y), snd, heard


def _per_second(times: list[float], values: list[float], duration: float) -> list[float]:
    """Mean of ``values`` in each whole second (cuts, stored as NaN, left out; 0 if none)."""
    n = max(1, int(math.ceil(duration - 1e-6)))
    t = np.asarray(times, dtype=np.float64)
    x = np.asarray(values, dtype=np.float64)
    return [_nanmean(x[(t >= k) & (t < k + 1)]) for k in range(n)]


def fuse_axes(cues: list[Cue]) -> tuple[float, float, float, float]:
    """Fuse scene cues, letting each speak only to the axes in :data:`CUE_AXES`. Returns
    ``(valence, arousal, valence_confidence, arousal_confidence)``: each axis' confidence is the
    weighted mean confidence of the cues that speak to it (:func:`circumplex.fuse`).

    Used by: :mod:`solutions.s02_feature_extraction`
    """
    v, _, cv = fuse([c for c in cues if "v" in CUE_AXES.get(c.name, "va")])
    _, a, ca = fuse([c for c in cues if "a" in CUE_AXES.get(c.name, "va")])
    return v, a, cv, ca


def _timeline(
    pic: PictureTrack, motion_s: list[float], cuts: list[float], duration: float, placed=()
) -> list[list[float]]:
    """Per-second (t, valence, arousal, confidence) from the sampled frames."""
    out = []
    times = np.asarray(pic.sample_times)
    for sec in range(int(math.ceil(duration - 1e-6))):
        idx = np.flatnonzero((times >= sec) & (times < sec + 1))
        if not idx.size:
            continue
        fprobs: dict[str, float] = {}
        nf = 0
        for i in idx:
            if pic.faces and pic.faces[i].probs:
                nf += 1
                for k, p in pic.faces[i].probs.items():
                    fprobs[k] = fprobs.get(k, 0.0) + p
        cues = []
        if nf:
            fv, fa = emotions_to_va(fprobs)
            cues.append(Cue("faces", fv, fa, nf / len(idx), SCENE_WEIGHTS["faces"]))
        cues.append(
            light_cue(
                *(
                    float(np.mean([m[i] for i in idx]))
                    for m in (pic.brightness, pic.colourfulness, pic.warmth, pic.contrast)
                )
            )
        )
        n_cuts = sum(1 for c in cuts if sec <= c < sec + 1)
        p = pace_of(motion_s[sec] if sec < len(motion_s) else 0.0, 60.0 * n_cuts)
        cues.append(pace_cue(p))
        spoken = [(min(b, sec + 1) - max(a, sec), val) for a, b, val in placed if a < sec + 1 and b > sec]
        if spoken:
            w = sum(t for t, _ in spoken)
            cues.append(
                Cue("words", sum(t * val for t, val in spoken) / w, 0.0, words_confidence(w), SCENE_WEIGHTS["words"])
            )
        v, a, cv, ca = fuse_axes(cues)
        out.append([float(sec), round(v, 3), round(a, 3), round((cv + ca) / 2, 3)])
    return out


def fusion_steps(profile: SceneProfile) -> list[tuple[str, float, float, float, float]]:
    """How the scene's point moves as each cue is added, the one that counts most first (weight x
    confidence; a cue that found nothing last, where it only lowers the confidence): ``(cues so
    far, valence, arousal, valence confidence, arousal confidence)`` after each, by
    :func:`fuse_axes`. The last row is the profile's own reading.

    Notebook: 02_feature_extraction.ipynb
    """
    cues = sorted(
        (Cue(c.name, c.valence, c.arousal, c.confidence, c.weight, c.detail) for c in profile.cues),
        key=lambda c: -c.weight * c.confidence,
    )
    steps = []
    for k in range(1, len(cues) + 1):
        v, a, cv, ca = fuse_axes(cues[:k])
        steps.append(("+".join(c.name for c in cues[:k]), v, a, cv, ca))
    return steps


def fusion_table(profiles: dict[str, SceneProfile]):
    """Each cue's reading of each scene (valence and arousal, its confidence on the axes it speaks
    to, its weight) and the share of each axis it decides (weight x confidence over that axis'
    total), then the fused reading, named by its mood, with each axis' confidence: one DataFrame.

    Notebook: 02_feature_extraction.ipynb
    """
    import pandas as pd

    rows = []
    for scene, p in profiles.items():
        total = {
            axis: sum(c.weight * c.confidence for c in p.cues if axis in CUE_AXES.get(c.name, "va")) or 1.0
            for axis in "va"
        }
        for c in p.cues:
            axes = CUE_AXES.get(c.name, "va")
            rows.append(
                {
                    "scene": scene,
                    "cue": c.name,
                    "valence": c.valence,
                    "arousal": c.arousal,
                    "valence confidence": c.confidence if "v" in axes else None,
                    "arousal confidence": c.confidence if "a" in axes else None,
                    "weight": c.weight,
                    **{
                        f"share of {name}": c.weight * c.confidence / total[axis] if axis in axes else 0.0
                        for axis, name in (("v", "valence"), ("a", "arousal"))
                    },
                }
            )
        cv, ca = p.axis_confidence()
        rows.append(
            {
                "scene": scene,
                "cue": f"= {p.mood or p.emotion}",
                "valence": p.valence,
                "arousal": p.arousal,
                "valence confidence": cv,
                "arousal confidence": ca,
            }
        )
    return pd.DataFrame(rows).set_index(["scene", "cue"]).round(2)


def cue_table(profile: SceneProfile):
    """Each cue's reading of a scene (valence, arousal, confidence, weight) as a DataFrame.

    Notebook: 02_feature_extraction.ipynb
    """
    import pandas as pd

    return pd.DataFrame([c.to_dict() for c in profile.cues])
