"""Stage 02 · a pretrained ear: musicnn's MagnaTagATune tagger (Pons & Serra 2019) on LiteRT.

musicnn (ISC licence, Jordi Pons / MTG-UPF) ships its trained checkpoints in its PyPI wheel. Its
MagnaTagATune model, converted once to TFLite by ``models/musicnn/convert_musicnn.py`` (checked
against the original TensorFlow model in ``tests/test_musicnn.py``), tags each 3 s patch of a
track with 50 tags (loud, quiet, fast, slow, drums, ambient, strings, ...); its penultimate
layer (200 numbers) describes the sound: timbre, instruments, rhythm. DramaTune reads arousal
from the tags (:func:`ear_arousal`) and keeps the mean embedding for similarity.
"""

from __future__ import annotations

import queue
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .. import config
from ..signal.spectral import mel_filterbank, resample, stft_power

#: musicnn's front end (its ``configuration.py``): 16 kHz, 512-point FFT, hop 256, 96 mel bands,
#: patches of 187 frames (3 s), log10(1 + 10000 x) of the mel power.
MUSICNN_SR, MUSICNN_N_FFT, MUSICNN_HOP, MUSICNN_MELS, PATCH_FRAMES = 16000, 512, 256, 96, 187
#: The MagnaTagATune tags the model gives, in its output order (musicnn's ``MTT_LABELS``).
MTT_TAGS = (
    "guitar",
    "classical",
    "slow",
    "techno",
    "strings",
    "drums",
    "electronic",
    "rock",
    "fast",
    "piano",
    "ambient",
    "beat",
    "violin",
    "vocal",
    "synth",
    "female",
    "indian",
    "opera",
    "male",
    "singing",
    "vocals",
    "no vocals",
    "harpsichord",
    "loud",
    "quiet",
    "flute",
    "woman",
    "male vocal",
    "no vocal",
    "pop",
    "soft",
    "sitar",
    "solo",
    "man",
    "classic",
    "choir",
    "voice",
    "new age",
    "dance",
    "male voice",
    "female vocal",
    "beats",
    "harp",
    "cello",
    "no voice",
    "weird",
    "country",
    "metal",
    "female voice",
    "choral",
)
#: The arousal score, fixed before it was tried on any recording: the mean of the
#: tags that name energy minus the mean of those that name calm.
AROUSED_TAGS = ("loud", "fast", "drums", "rock", "metal", "techno", "beat")
CALM_TAGS = ("soft", "quiet", "slow", "ambient")
#: Every other 3 s patch is tagged (a patch every 6 s), and at most :data:`MAX_PATCHES` of them,
#: spread evenly over what was analysed: the model costs about 60-75 ms a patch on one core, so
#: tagging every patch held indexing at 24x realtime a core on the demo library (the target is
#: 30x). What the sampling changes in the arousal score, against every patch: ``bench/bench_index.py``.
PATCH_HOP = 2
MAX_PATCHES = 40


def model_file() -> Path:
    """The converted model (``models/musicnn/MTT_musicnn.tflite``, ISC: ``models/musicnn/LICENSE``).

    Used by: :class:`MusicnnTagger`
    """
    return config.PROJECT_ROOT / "models" / "musicnn" / "MTT_musicnn.tflite"


def log_mel(y: np.ndarray, sr: int) -> np.ndarray:
    """musicnn's input for a mono signal: ``(frames, 96)`` float32 log-mel patches' rows,
    librosa's mel spectrogram (power, centred frames) at 16 kHz, computed in float32 (musicnn's
    own extractor computes ``10000 * float16`` and overflows under numpy 2).

    Used by: :class:`MusicnnTagger`
    """
    y16 = resample(np.asarray(y, dtype=np.float32), sr, MUSICNN_SR)
    power = stft_power(y16, MUSICNN_N_FFT, MUSICNN_HOP)
    mel = mel_filterbank(MUSICNN_SR, MUSICNN_N_FFT, MUSICNN_MELS) @ power
    return np.log10(1 + 10000 * mel.T.astype(np.float32))


def patch_starts(frames: int, max_patches: int | None = MAX_PATCHES, *, hop: int = PATCH_HOP) -> np.ndarray:
    """The first frame of each patch :func:`patches` takes from ``frames`` spectrogram frames.

    Used by: :func:`patches`, :class:`MusicnnTagger`
    """
    n = max(frames, PATCH_FRAMES) // PATCH_FRAMES
    starts = np.arange(0, n, hop) * PATCH_FRAMES
    if max_patches and starts.size > max_patches:
        starts = starts[np.linspace(0, starts.size - 1, max_patches).round().astype(int)]
    return starts


def patches(mel: np.ndarray, max_patches: int | None = MAX_PATCHES, *, hop: int = PATCH_HOP) -> np.ndarray:
    """Non-overlapping 3 s patches ``(n, 187, 96)`` of a log-mel spectrogram: every ``hop``-th
    one, at most ``max_patches`` of them, evenly spread (``hop=1, max_patches=None``: all). A
    spectrogram shorter than one patch is repeated to fill it, as musicnn was trained
    (``pad_short: repeat-pad``).

    Used by: :class:`MusicnnTagger`
    """
    if mel.shape[0] < PATCH_FRAMES:
        mel = np.tile(mel, (int(np.ceil(PATCH_FRAMES / max(mel.shape[0], 1))), 1))
    starts = patch_starts(mel.shape[0], max_patches, hop=hop)
    return np.stack([mel[s : s + PATCH_FRAMES] for s in starts])


@dataclass
class EarReading:
    """What musicnn hears in a track: the tag probabilities of each patch ``(n, 50)``, in
    :data:`MTT_TAGS` order, and each patch's embedding ``(n, 200)``."""

    taggram: np.ndarray
    embedding: np.ndarray
    starts_s: np.ndarray = field(default_factory=lambda: np.zeros(0))  # each patch's start, seconds

    def mean_tags(self) -> dict[str, float]:
        """Each tag's probability averaged over the track."""
        return dict(zip(MTT_TAGS, self.taggram.mean(axis=0).tolist()))


class MusicnnTagger:
    """musicnn's MagnaTagATune model on LiteRT (one patch at a time, one thread: indexing runs
    tracks in parallel threads already).

    Notebook: 02_feature_extraction.ipynb
    """

    def __init__(self, path: str | Path | None = None) -> None:
        from ai_edge_litert.interpreter import Interpreter

        self.net = Interpreter(model_path=str(path or model_file()), num_threads=1)
        self.net.allocate_tensors()
        self.input = self.net.get_input_details()[0]["index"]
        outs = {d["shape"][-1]: d["index"] for d in self.net.get_output_details()}
        self.tags_out, self.embedding_out = outs[len(MTT_TAGS)], outs[200]

    def run(self, batch: np.ndarray) -> EarReading:
        """Tag each patch of ``batch`` ``(n, 187, 96)``."""
        tags, emb = [], []
        for p in np.asarray(batch, dtype=np.float32):
            self.net.set_tensor(self.input, p[None])
            self.net.invoke()
            tags.append(self.net.get_tensor(self.tags_out)[0].copy())
            emb.append(self.net.get_tensor(self.embedding_out)[0].copy())
        return EarReading(np.array(tags), np.array(emb))

    def hear(
        self, y: np.ndarray, sr: int, *, max_patches: int | None = MAX_PATCHES, hop: int = PATCH_HOP
    ) -> EarReading:
        """Tag a mono signal: its log-mel patches (:func:`log_mel`, :func:`patches`) through the
        model, with each patch's start in seconds."""
        mel = log_mel(y, sr)
        reading = self.run(patches(mel, max_patches, hop=hop))
        reading.starts_s = patch_starts(mel.shape[0], max_patches, hop=hop) * MUSICNN_HOP / MUSICNN_SR
        return reading


class TaggerPool:
    """Taggers for the threads of one indexing run: :meth:`take` lends an idle one (or makes one),
    :meth:`give` takes it back. A LiteRT interpreter serves one thread at a time, and making one
    costs about 0.1 s: one a thread, not one a track.

    Notebook: 02_feature_extraction.ipynb
    """

    def __init__(self) -> None:
        self._idle: queue.SimpleQueue[MusicnnTagger] = queue.SimpleQueue()

    def __reduce__(self):
        # sent to another process (a Dask worker): it starts with a pool of its own, empty
        return (TaggerPool, ())

    def take(self) -> MusicnnTagger:
        """An idle tagger, or a new one."""
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            return MusicnnTagger()

    def give(self, tagger: MusicnnTagger) -> None:
        """Take a tagger back once its thread is done with it."""
        self._idle.put(tagger)


def ear_arousal(reading: EarReading | dict[str, float]) -> float:
    """The tags' arousal score: mean of :data:`AROUSED_TAGS` minus mean of :data:`CALM_TAGS`,
    the taggram averaged over the track first (about -0.5 .. 0.5).

    Used by: :mod:`feature_extraction.music_emotion`, :mod:`training.music_model`
    """
    tags = reading.mean_tags() if isinstance(reading, EarReading) else reading
    return float(np.mean([tags[t] for t in AROUSED_TAGS]) - np.mean([tags[t] for t in CALM_TAGS]))
