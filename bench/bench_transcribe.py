"""Hearing the dialogue (``feature_extraction.hearing``, pocketsphinx's wheel model): how well and
how fast, on real recorded speech and on synthetic speech under music.

- **Word error rate** on 60 of Asterisk's recorded English prompts (Debian
  ``asterisk-core-sounds-en-wav``), against the prompt texts its sister package
  ``asterisk-core-sounds-en`` lists; and on 20 espeak-ng lines, alone and under a composed demo
  cue at -10 dB.
- **Sentiment agreement**: for the prompts whose text VADER reads clearly (|compound| >= 0.3),
  and for the 20 lines (half written positive, half negative), how often the transcript's VADER
  sign agrees with the text's.
- **A dialogue scene, before and after**: Debian ``forensics-samples-files``' ``movie-hello.mp4``
  analysed without and with transcription.
- **Speed**: a 20 s scene half speech (Asterisk prompts) and half silence, analysed with and
  without transcription, in this process and as the ``dramatune analyze`` command, beside the
  floor: ffmpeg alone decoding the same clip.

Run: ``make bench`` (fetches the Debian packages once); writes ``results/transcribe.json``.
"""

from __future__ import annotations

import gzip
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from dramatune_lib import feature_extraction as fx
from dramatune_lib.dataset_prep import ensure_demo_data
from dramatune_lib.media import ffmpeg_exe, load_audio
from dramatune_lib.training.debian import fetch_debian

SR = 16000
LINES = {
    "positive": [
        "I love you more than anything in the world",
        "We won, this is the best day of my life",
        "Thank you so much, you saved us",
        "What a wonderful surprise, I am so happy",
        "You did a great job, I am proud of you",
        "Welcome home, we missed you",
        "This is beautiful, I could stay here forever",
        "Congratulations, you deserve it",
        "I am glad you are safe",
        "Everything is going to be fine, I promise",
    ],
    "negative": [
        "I hate you, get out of my house",
        "He is dead and it is all my fault",
        "We lost everything in the fire",
        "Leave me alone, I am so tired of this",
        "This is terrible, I am afraid",
        "You lied to me and I will never forgive you",
        "The war has killed them all",
        "I am sorry, there is nothing we can do",
        "Stop, you are hurting me",
        "I feel so lonely and sad tonight",
    ],
}
MUSIC_DB = -10.0  # the music bed's level against the speech's (RMS)
SIA = SentimentIntensityAnalyzer()


def words(s: str) -> list[str]:
    return re.findall(r"[a-z']+", s.lower())


def errors(ref: list[str], hyp: list[str]) -> int:
    d = np.arange(len(hyp) + 1)
    for i, r in enumerate(ref, 1):
        prev, d = d, np.empty_like(d)
        d[0] = i
        for j, h in enumerate(hyp, 1):
            d[j] = min(prev[j] + 1, d[j - 1] + 1, prev[j - 1] + (r != h))
    return int(d[-1])


def heard(y: np.ndarray) -> fx.Transcript:
    return fx.transcribe(y, [(0.0, y.size / SR)])


def score(pairs: list[tuple[str, np.ndarray]]) -> dict:
    """WER over (text, audio) pairs, realtime factor, and VADER sign agreement."""
    errs = n = 0
    audio = busy = 0.0
    agree = neutral = 0
    for text, y in pairs:
        t0 = time.perf_counter()
        t = heard(y)
        busy += time.perf_counter() - t0
        audio += y.size / SR
        errs += errors(words(text), [w.text for w in t.words])
        n += len(words(text))
        got = SIA.polarity_scores(" ".join(ln.text for ln in t.lines()))["compound"]
        neutral += got == 0
        agree += np.sign(got) == np.sign(SIA.polarity_scores(text)["compound"])
    return {
        "items": len(pairs),
        "words": n,
        "WER": round(errs / n, 3),
        "realtime": round(audio / busy, 1),
        "sign agrees": int(agree),
        "transcript neutral": int(neutral),
    }


def espeak(text: str, folder: Path) -> np.ndarray:
    out = folder / "line.wav"
    subprocess.run(["espeak-ng", "-v", "en-us", "-w", str(out), text], check=True)
    return load_audio(out, sr=SR)


def under_music(y: np.ndarray, bed: np.ndarray) -> np.ndarray:
    bed = np.resize(bed, y.size)
    rms = lambda x: float(np.sqrt(np.mean(x**2))) + 1e-9  # noqa: E731
    return y + bed * (rms(y) / rms(bed)) * 10 ** (MUSIC_DB / 20)


def scene_video(y: np.ndarray, folder: Path, name: str) -> Path:
    sf.write(folder / f"{name}.wav", y, SR)
    out = folder / f"{name}.mp4"
    subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-y", "-f", "lavfi", "-i", "color=c=gray:s=640x360:r=25"]
        + ["-i", str(folder / f"{name}.wav"), "-t", f"{y.size / SR:.2f}", "-c:v", "libx264", "-pix_fmt", "yuv420p"]
        + ["-c:a", "aac", str(out)],
        check=True,
    )
    return out


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main() -> dict:
    wav, docs = fetch_debian("asterisk-core-sounds-en-wav"), fetch_debian("asterisk-core-sounds-en")
    clips = fetch_debian("forensics-samples-files")
    if wav is None or docs is None or clips is None:
        print("bench_transcribe: skipped (the Debian packages could not be fetched)")
        return {}
    text = {}
    for line in gzip.open(next(docs.rglob("core-sounds-en.txt.gz")), "rt"):
        if ":" in line and not line.startswith(";") and "[" not in line.split(":", 1)[1]:
            key, said = line.split(":", 1)
            text[key.strip()] = said.strip()
    root = next(wav.rglob("en_US_f_Allison"))
    known = sorted(k for k in text if (root / f"{k}.wav").exists())
    prompts = [k for k in known if len(words(text[k])) >= 4][::4][:60]
    result: dict = {"asterisk": score([(text[k], load_audio(root / f"{k}.wav", sr=SR)) for k in prompts])}
    clear = [k for k in known if abs(SIA.polarity_scores(text[k])["compound"]) >= 0.3]
    result["asterisk, clear wording"] = score([(text[k], load_audio(root / f"{k}.wav", sr=SR)) for k in clear])
    result["asterisk, clear wording"]["positive"] = sum(SIA.polarity_scores(text[k])["compound"] > 0 for k in clear)
    demo = ensure_demo_data()
    bed = load_audio(sorted(demo.library.glob("*.ogg"))[0], sr=SR)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        lines = [(s, espeak(s, folder)) for group in LINES.values() for s in group]
        result["espeak-ng"] = score(lines)
        result[f"espeak-ng under music at {MUSIC_DB:.0f} dB"] = score([(s, under_music(y, bed)) for s, y in lines])
        movie = next(clips.rglob("movie-hello.mp4"))
        before, after = fx.analyze_scene(movie), fx.analyze_scene(movie, transcribe=True)
        result["movie-hello.mp4"] = {
            "before": {"mood": before.mood, "valence": before.valence, "valence confidence": before.valence_confidence},
            "after": {"mood": after.mood, "valence": after.valence, "valence confidence": after.valence_confidence},
            "words cue": next((c.detail for c in after.cues if c.name == "words"), ""),
            "transcript": after.transcript,
        }
        speech = np.concatenate([load_audio(root / f"{k}.wav", sr=SR) for k in prompts[:4]])[: 10 * SR]
        half = scene_video(np.concatenate([speech, np.zeros(20 * SR - speech.size, np.float32)]), folder, "half")
        fx.analyze_scene(half)  # the models loaded once, as in a warm app
        plain, asked = timed(lambda: fx.analyze_scene(half)), timed(lambda: fx.analyze_scene(half, transcribe=True))
        cli = [sys.executable, "-m", "dramatune_lib.cli", "analyze", str(half)]
        cli_plain = timed(lambda: subprocess.run(cli, check=True, capture_output=True))
        cli_asked = timed(lambda: subprocess.run([*cli, "--transcribe"], check=True, capture_output=True))
        decode = [ffmpeg_exe(), "-v", "error", "-i", str(half), "-f", "null", "-"]
        floor = timed(lambda: subprocess.run(decode, check=True, capture_output=True))
        result["half-dialogue scene, 20 s"] = {
            "floor: ffmpeg alone decoding it (x realtime)": round(20 / floor, 1),
            "in process (x realtime)": round(20 / plain, 1),
            "in process, transcribed (x realtime)": round(20 / asked, 1),
            "whole process (x realtime)": round(20 / cli_plain, 1),
            "whole process, transcribed (x realtime)": round(20 / cli_asked, 1),
        }
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "transcribe.json").write_text(json.dumps(result, indent=1, default=str))
    print(json.dumps(result, indent=1, default=str))
    return result


if __name__ == "__main__":
    main()
