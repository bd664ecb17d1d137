"""Convert musicnn's MagnaTagATune model (``MTT_musicnn``, ISC, Jordi Pons / MTG-UPF) to a TFLite
file that LiteRT runs, and store reference outputs of the original TensorFlow model.

Run once, in a scratch environment that has TensorFlow (DramaTune itself never imports it)::

    python -m venv /tmp/tfenv
    /tmp/tfenv/bin/pip install tensorflow-cpu==2.21.0 tf-keras librosa
    /tmp/tfenv/bin/pip install --no-deps musicnn==0.1.0
    /tmp/tfenv/bin/python models/musicnn/convert_musicnn.py

It writes, beside this file:

- ``MTT_musicnn.tflite``: the graph in inference mode (batch normalisation folded, no dropout), one
  3 s patch of 187 frames x 96 mel bands in, the 50 tag probabilities and the 200-number
  penultimate layer (the embedding) out;
- ``reference.npz``: inputs (log-mel patches of fixed pseudo-random signals) and the original
  model's outputs for them, which ``tests/test_musicnn.py`` checks the converted model against.

The front end (the log-mel patches) is computed by DramaTune (``feature_extraction.musicnn``);
here it is librosa's, as musicnn computes it, but in float32 (musicnn's own extractor computes
``10000 * float16`` and overflows under numpy 2).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
import tensorflow.compat.v1 as tf  # noqa: E402

tf.disable_eager_execution()

HERE = Path(__file__).resolve().parent
N_FRAMES, N_MELS = 187, 96


def log_mel(y: np.ndarray) -> np.ndarray:
    """musicnn's front end in float32: (frames, 96)."""
    import librosa

    S = librosa.feature.melspectrogram(y=y, sr=16000, hop_length=256, n_fft=512, n_mels=96).T
    return np.log10(10000 * S.astype(np.float32) + 1)


def reference_signals() -> dict[str, np.ndarray]:
    """Fixed signals (no files needed): noise bursts, a chord, a click track, a sweep."""
    rng = np.random.default_rng(20261203)
    sr, n = 16000, 16000 * 6
    t = np.arange(n) / sr
    chord = sum(np.sin(2 * np.pi * f * t) for f in (220.0, 277.2, 329.6)) / 3 * 0.3
    clicks = np.zeros(n)
    clicks[:: sr // 4] = 1.0
    clicks = np.convolve(clicks, np.exp(-np.arange(400) / 40) * rng.standard_normal(400), "same") * 0.5
    sweep = 0.3 * np.sin(2 * np.pi * (100 * t + 300 * t**2))
    bursts = rng.standard_normal(n) * 0.2 * (np.sin(2 * np.pi * 2 * t) > 0.5)
    return {
        "chord": chord.astype(np.float32),
        "clicks": clicks.astype(np.float32),
        "sweep": sweep.astype(np.float32),
        "bursts": bursts.astype(np.float32),
    }


def main() -> None:
    import musicnn
    from musicnn import models

    ckpt = str(Path(musicnn.__file__).parent / "MTT_musicnn") + "/"
    tf.reset_default_graph()
    with tf.name_scope("model"):
        x = tf.placeholder(tf.float32, [1, N_FRAMES, N_MELS], name="patch")
        out = models.define_model(x, False, "MTT_musicnn", 50)
        tags = tf.identity(tf.nn.sigmoid(out[0]), name="tags")
        emb = tf.identity(out[-1], name="penultimate")
    sess = tf.Session()
    tf.train.Saver().restore(sess, ckpt)

    conv = tf.lite.TFLiteConverter.from_session(sess, [x], [tags, emb])
    (HERE / "MTT_musicnn.tflite").write_bytes(conv.convert())

    patches, names = [], []
    for name, y in reference_signals().items():
        m = log_mel(y)
        for i in range(0, m.shape[0] - N_FRAMES + 1, N_FRAMES):
            patches.append(m[i : i + N_FRAMES])
            names.append(f"{name}@{i}")
    P = np.stack(patches).astype(np.float32)
    T, E = [], []
    for p in P:
        t_, e_ = sess.run([tags, emb], {x: p[None]})
        T.append(t_[0])
        E.append(e_[0])
    np.savez_compressed(
        HERE / "reference.npz",
        names=np.array(names),
        patches=P,
        tags=np.stack(T),
        penultimate=np.stack(E),
        signals=np.stack(list(reference_signals().values())),
        tensorflow=np.array(tf.__version__),
    )
    print("wrote", HERE / "MTT_musicnn.tflite", "and reference.npz:", len(names), "patches")


if __name__ == "__main__":
    main()
