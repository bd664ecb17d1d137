"""The spectra DramaTune computes in numpy (dramatune_lib.signal.spectral) are librosa 0.11's at float
precision (rtol 1e-6), and its beats librosa's frame for frame: a merge of a never-indexed track then
needs no librosa import. Checked on demo cues,
a detuned chord (so the tuning estimate is not 0), a float64 signal, a short one and noise.
The IIR filter is scipy's to 1e-10; loudness is libebur128's (dramatune_lib.loudness), checked on
the EBU Tech 3341 and 3342 conformance cases through `dramatune index --json`."""

import librosa
import numpy as np
import pytest
import scipy.signal

from dramatune_lib import feature_extraction as fx
from dramatune_lib.media import load_audio
from dramatune_lib.signal import beats, filters
from dramatune_lib.signal import spectral as dsp

SR = 22050


@pytest.fixture(scope="module")
def signals(demo):
    rng = np.random.default_rng(7)
    t = np.arange(SR * 6) / SR
    detuned = sum(np.sin(2 * np.pi * f * 2 ** (0.3 / 12) * t) for f in (220.0, 277.2, 329.6)).astype(np.float32)
    cues = [load_audio(p, sr=SR) for p in sorted(demo.library.glob("*.ogg"))[:3]]
    return {
        **{f"cue {k}": y for k, y in enumerate(cues)},
        "detuned chord": detuned,
        "float64": rng.normal(size=SR * 3),
        "short": rng.normal(size=3000).astype(np.float32),
        "noise": (0.1 * rng.normal(size=SR * 4)).astype(np.float32),
    }


def close(ours, theirs, rtol: float = 1e-6) -> bool:
    """Equal at float precision: within ``rtol`` of each reference value, or of the largest where
    values are near 0. Exact equality is not asked of floats: a matrix product's last bits depend
    on the BLAS kernel the machine picks (OPENBLAS_CORETYPE)."""
    ours, theirs = np.asarray(ours), np.asarray(theirs)
    scale = float(np.abs(theirs).max()) if theirs.size else 0.0
    return ours.shape == theirs.shape and bool(np.allclose(ours, theirs, rtol=rtol, atol=rtol * scale))


def _in_a_new_process(code: str):
    """What ``code``, run by a new Python process, prints last, read as JSON."""
    import json
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_window_and_filterbanks_are_librosas():
    for n in (256, 1024, 2048, 800):
        assert close(dsp.hann(n), scipy.signal.get_window("hann", n, fftbins=True))
    for n_mels, fmax in ((128, None), (32, 250.0), (40, 8000.0)):
        assert close(
            dsp.mel_filterbank(SR, 2048, n_mels, fmax), librosa.filters.mel(sr=SR, n_fft=2048, n_mels=n_mels, fmax=fmax)
        )
    for tuning in (0.0, 0.3, -0.45):
        assert close(dsp.chroma_filterbank(SR, 2048, tuning), librosa.filters.chroma(sr=SR, n_fft=2048, tuning=tuning))


def test_spectra_are_librosas(signals):
    for name, y in signals.items():
        for hop in (256, 1024):
            power = dsp.stft_power(y, 2048, hop)
            expected = np.abs(librosa.stft(y, n_fft=2048, hop_length=hop)) ** 2
            assert power.dtype == expected.dtype and close(power, expected), name
        assert dsp.estimate_tuning(power, SR, 2048) == pytest.approx(
            librosa.estimate_tuning(S=expected, sr=SR), abs=1e-6
        )
        assert close(dsp.chroma_stft(y, SR, 1024), librosa.feature.chroma_stft(y=y, sr=SR, hop_length=1024)), name
        db = librosa.power_to_db(librosa.feature.melspectrogram(y=y, sr=SR, hop_length=256))
        assert close(dsp.power_to_db(librosa.feature.melspectrogram(y=y, sr=SR, hop_length=256)), db), name
        assert close(dsp.onset_strength(db, 256), librosa.onset.onset_strength(S=db, sr=SR, hop_length=256)), name
    # a chord 0.3 semitone sharp: the estimate is far from 0 (librosa's own reads 0.25 on pure sines)
    assert dsp.estimate_tuning(dsp.stft_power(signals["detuned chord"], 2048, 1024), SR, 2048) > 0.2


def test_the_index_measures_are_librosas(signals):
    """Centroid, harmonic/percussive parts, autocorrelation, onsets and mel centres."""
    assert close(dsp.mel_frequencies(64, SR / 2), librosa.mel_frequencies(n_mels=64, fmax=SR / 2))
    for name, y in signals.items():
        assert close(
            dsp.spectral_centroid(y, SR, 2048), librosa.feature.spectral_centroid(y=y, sr=SR, hop_length=2048)[0]
        )
        mel = librosa.feature.melspectrogram(y=y, sr=SR, hop_length=1024, n_mels=64)
        for ours, theirs in zip(dsp.hpss(mel, (17, 9)), librosa.decompose.hpss(mel, kernel_size=(17, 9))):
            assert close(ours, theirs), name
        env = fx.onset_envelope(y, SR)
        x = env - env.mean()
        assert close(dsp.autocorrelate(x), librosa.autocorrelate(x)), name
        onsets = librosa.onset.onset_detect(onset_envelope=env, sr=SR, hop_length=fx.HOP)
        assert len(onsets) > 0 and np.array_equal(dsp.onset_frames(env, SR, fx.HOP), onsets), name
    flat = np.zeros(500, np.float32)
    assert dsp.onset_frames(flat, SR, fx.HOP).size == 0 == librosa.onset.onset_detect(onset_envelope=flat, sr=SR).size


def test_onset_envelope_and_sync_are_librosas(signals):
    for name, y in signals.items():
        for n_mels, fmax in ((128, None), (32, 250.0)):
            expected = librosa.onset.onset_strength(y=y, sr=SR, hop_length=fx.HOP, n_mels=n_mels, fmax=fmax)
            assert close(fx.onset_envelope(y, SR, n_mels=n_mels, fmax=fmax), expected), name
    chroma = librosa.feature.chroma_stft(y=signals["cue 0"], sr=SR, hop_length=1024)
    for frames in (np.array([3, 10, 10, 40]), np.array([0, 5, 500]), np.arange(0, chroma.shape[1], 7)):
        assert close(dsp.sync_mean(chroma, frames), librosa.util.sync(chroma, frames))


def test_a_long_tracks_onset_envelope_block_by_block_is_librosas(demo):
    """A track longer than one spectrum block (dsp.SPECTRUM_BLOCK frames, 47.5 s) has its onset
    envelope computed a block at a time: the same as librosa's whole-spectrum envelope, block
    edges included, at float precision, and the same beats."""
    cues = [load_audio(p, sr=SR) for p in sorted(demo.library.glob("*.ogg"))[:4]]
    y = np.concatenate(cues)[: int(2.2 * dsp.SPECTRUM_BLOCK * fx.HOP)]  # over two blocks: two edges
    assert y.size / SR > 2 * dsp.SPECTRUM_BLOCK * fx.HOP / SR
    ours = fx.onset_envelope(y, SR)
    theirs = librosa.onset.onset_strength(y=y, sr=SR, hop_length=fx.HOP)
    assert close(ours, theirs)
    bpm = beats.tempo_estimate(theirs, SR, fx.HOP)
    assert np.array_equal(
        beats.beat_track(ours, SR, fx.HOP, bpm=bpm),
        librosa.beat.beat_track(onset_envelope=theirs, sr=SR, hop_length=fx.HOP, bpm=bpm)[1],
    )


def test_beats_and_the_index_import_no_librosa(demo):
    """A track's beats and bar lines (a never-indexed merge) and its whole index entry come
    without librosa's import (about 185 MB and a second of a new process, with numba and
    scikit-learn), and the entry is the one the test process measures."""
    import json
    from dataclasses import asdict

    track = sorted(demo.library.glob("*.ogg"))[0]
    code = (
        "import json, sys\n"
        "from dataclasses import asdict\n"
        "from dramatune_lib.feature_extraction import tracks\n"
        "from dramatune_lib.media import load_audio\n"
        f"grid = tracks.beat_grid(load_audio({str(track)!r}, sr=tracks.SR))\n"
        "assert grid is not None and len(grid.bars) > 2\n"
        "before = 'librosa' in sys.modules\n"
        f"entry = asdict(tracks.track_features({str(track)!r}))\n"
        "print(json.dumps([before, 'librosa' in sys.modules, entry]))\n"
    )
    before, after, entry = _in_a_new_process(code)
    assert not before and not after
    assert entry == json.loads(json.dumps(asdict(fx.track_features(track))))


# --- scipy's lfilter and firwin: the export's limiter without scipy.signal ------------------------


def _biquads(sr: float) -> list[tuple[np.ndarray, np.ndarray]]:
    """Two second-order filters at ``sr``, as BS.1770's K-weighting has: a 38 Hz high-pass and a
    1.5 kHz band-pass (scipy's Butterworth designs)."""
    return [
        scipy.signal.butter(2, 38.0, "highpass", fs=sr),
        scipy.signal.butter(1, (1000.0, 2000.0), "bandpass", fs=sr),
    ]


def test_lfilter_is_scipys():
    """The blockwise IIR filter gives scipy's answer to 1e-10 of the signal's scale: two biquads at
    three rates, at lengths around the block size and past a chunk, float32 and float64, and the
    limiter's one-pole release from a starting state, over two chunks."""
    rng = np.random.default_rng(3)
    for sr in (22050, 44100, 48000):
        for b, a in _biquads(sr):
            for n in (
                1,
                5,
                filters.IIR_BLOCK - 1,
                filters.IIR_BLOCK,
                filters.IIR_BLOCK + 1,
                3000,
                filters.IIR_CHUNK + 65,
            ):
                for dtype in (np.float32, np.float64):
                    x = rng.normal(size=n).astype(dtype)
                    ref = scipy.signal.lfilter(b, a, x)
                    assert np.allclose(filters.lfilter(b, a, x), ref, rtol=0, atol=1e-10 * max(1.0, np.abs(ref).max()))
    x = rng.normal(size=2 * filters.IIR_CHUNK).astype(np.float32)  # whole chunks, and the state between them
    b, a = _biquads(44100)[0]
    assert np.array_equal(filters.lfilter(b, a, x, dtype=np.float32), filters.lfilter(b, a, x).astype(np.float32))
    need = rng.random(filters.IIR_CHUNK + 1000)
    c = 0.999
    ref = scipy.signal.lfilter([1 - c], [1, -c], need, zi=[need[0] * c])[0]
    assert np.allclose(
        filters.lfilter(np.array([1 - c]), np.array([1, -c]), need, zi=np.array([need[0] * c])), ref, atol=1e-12
    )
    for taps, cutoff in ((48, 0.25), (47, 0.3), (101, 0.1)):
        assert np.allclose(filters.firwin(taps, cutoff), scipy.signal.firwin(taps, cutoff), rtol=0, atol=1e-15)


# --- loudness: the EBU conformance cases, through the public path ---------------------------------


def _tones(*parts: tuple[float, float], sr: int = 48000) -> np.ndarray:
    """A stereo 1 kHz sine, the same in both channels, at each (dBFS, seconds) in turn: the EBU
    conformance signals."""
    t = np.arange(int(sum(s for _, s in parts) * sr)) / sr
    level = np.concatenate([np.full(int(s * sr), 10 ** (db / 20)) for db, s in parts])
    y = level[: t.size] * np.sin(2 * np.pi * 1000 * t[: level.size])
    return np.stack([y, y], 1).astype(np.float32)


#: EBU Tech 3341 (2016) cases 1-5 (integrated loudness, +-0.1 LU) and Tech 3342 (2016) cases 1-4
#: (loudness range, +-1 LU): the stereo sine signals the documents specify; their other cases are
#: 5.1 or recorded programme, which cannot be generated.
EBU_CASES = {
    "3341 case 1": ([(-23, 20)], "lufs", -23.0),
    "3341 case 2": ([(-33, 20)], "lufs", -33.0),
    "3341 case 3": ([(-36, 10), (-23, 60), (-36, 10)], "lufs", -23.0),
    "3341 case 4": ([(-72, 10), (-36, 10), (-23, 60), (-36, 10), (-72, 10)], "lufs", -23.0),
    "3341 case 5": ([(-26, 20), (-20, 20.1), (-26, 20)], "lufs", -23.0),
    "3342 case 1": ([(-20, 20), (-30, 20)], "lra", 10.0),
    "3342 case 2": ([(-20, 20), (-15, 20)], "lra", 5.0),
    "3342 case 3": ([(-40, 20), (-20, 20)], "lra", 20.0),
    "3342 case 4": ([(-50, 20), (-35, 20), (-20, 20), (-35, 20), (-50, 20)], "lra", 15.0),
}


def test_loudness_meets_the_ebu_conformance_cases(tmp_path, capsys):
    """Each case written as a stereo 48 kHz file and measured by ``dramatune index --json``: the
    integrated loudness within 0.1 LU (plus the index's rounding to 0.1) and the loudness range
    within 1 LU of what the documents require. pyloudnorm's reading is beside each in the message
    (it also meets them). The mono mixdown the index once measured read case 1 at -26.0."""
    import json

    import pyloudnorm
    import soundfile as sf

    from dramatune_lib.cli import main

    for name, (parts, _, _) in EBU_CASES.items():
        sf.write(tmp_path / f"{name}.wav", _tones(*parts), 48000, subtype="FLOAT")
    assert main(["index", str(tmp_path), "--json"]) == 0
    tracks = {t["title"]: t for t in json.loads(capsys.readouterr().out)["tracks"]}
    for name, (parts, what, expected) in EBU_CASES.items():
        y = _tones(*parts)
        meter = pyloudnorm.Meter(48000)
        theirs = meter.integrated_loudness(y) if what == "lufs" else meter.loudness_range(y)
        ours = tracks[name]["loudness_lufs" if what == "lufs" else "loudness_range_lu"]
        tolerance = 0.15 if what == "lufs" else 1.0
        assert abs(ours - expected) <= tolerance, f"{name}: {ours} (pyloudnorm {theirs:.2f}), required {expected}"


def test_loudness_at_the_edges():
    """Silence, and signals shorter than a gating block or a range window, have no loudness; a
    mono signal is one channel (3 LU under the same signal on two), as pyloudnorm and ffmpeg read it."""
    from dramatune_lib.loudness import LoudnessMeter, measure_loudness

    stereo = _tones((-23, 5))
    assert measure_loudness(stereo, 48000).lufs == pytest.approx(-23.0, abs=0.05)
    assert measure_loudness(stereo[:, 0], 48000).lufs == pytest.approx(-26.0, abs=0.05)
    silent = measure_loudness(np.zeros((48000 * 4, 2), np.float32), 48000)
    assert silent.lufs == -np.inf and np.isnan(silent.range_lu)
    short = measure_loudness(stereo[:10000], 48000)
    assert short.lufs == -np.inf and np.isnan(short.range_lu)
    assert np.isnan(measure_loudness(stereo[: 48000 * 2], 48000).range_lu)  # under 3 s: no range
    meter = LoudnessMeter(2, 48000)  # fed in blocks, as the index reads a file: the same answer
    for k in range(0, stereo.shape[0], 4800):
        meter.add(stereo[k : k + 4800])
    assert meter.result().lufs == measure_loudness(stereo, 48000).lufs


def test_an_export_imports_no_scipy_signal(demo, tmp_path):
    """A whole merge of an indexed demo track in a new process measures loudness (libebur128) and
    true peak without importing scipy.signal (0.85 s of CPU) or pyloudnorm (2 s), and reports the
    loudness the test process's pyloudnorm measures in the file it wrote."""
    import json

    import pyloudnorm

    from dramatune_lib.media import decode_audio

    scene = next(iter(demo.scenes.values()))
    track = sorted(demo.library.glob("*.ogg"))[0]
    out = tmp_path / "scored.mp4"
    code = (
        "import json, sys\n"
        "from dramatune_lib.cli import main\n"
        f"main(['merge', {str(scene)!r}, {str(track)!r}, '-o', {str(out)!r}])\n"
        "print(json.dumps(['scipy.signal' in sys.modules, 'pyloudnorm' in sys.modules]))\n"
    )
    assert _in_a_new_process(code) == [False, False]
    sheet = json.loads(out.with_suffix(".cues.json").read_text())
    heard = pyloudnorm.Meter(44100).integrated_loudness(decode_audio(out, sr=44100, mono=False))
    assert sheet["loudness_lufs"] == pytest.approx(-16.0, abs=0.2)  # the web target
    assert heard == pytest.approx(sheet["loudness_lufs"], abs=0.2)  # AAC moves it a little


# --- a scene with speech: librosa's YIN and scipy's band-pass and peak finder, in numpy ----------


@pytest.fixture(scope="module")
def speech(real_speech):
    return real_speech


def test_voice_measures_are_librosas_and_scipys(speech):
    """YIN's pitch and the frame RMS are librosa's at float precision; the 300-3000 Hz Butterworth
    band-pass, filtered forward and backward, is scipy's to 1e-7, and the peak finder picks
    scipy's peaks, on real speech and on random signals with flat tops and ties."""
    rng = np.random.default_rng(11)
    signals = [*speech, rng.normal(size=20000).astype(np.float32), rng.normal(size=9000)]
    for y in signals:
        f0 = librosa.yin(y, fmin=65.0, fmax=450.0, sr=16000, frame_length=1024, hop_length=256)
        assert close(dsp.yin(y, 65.0, 450.0, 16000, 1024, 256), f0)
        rms = librosa.feature.rms(y=y, frame_length=1024, hop_length=256)[0]
        assert close(dsp.frame_rms(y, 1024, 256), rms)
        ref = scipy.signal.sosfiltfilt(scipy.signal.butter(4, [300, 3000], btype="band", fs=16000, output="sos"), y)
        band = filters.sosfiltfilt(filters.butter_bandpass(4, 300, 3000, 16000), y)
        assert np.abs(band - ref).max() <= 1e-7 * np.abs(ref).max()
        db = 20 * np.log10(np.sqrt(np.convolve(ref**2, np.ones(640) / 640, "same")[::160] + 1e-12))
        assert np.array_equal(
            filters.find_peaks(db, 10, 3.0), scipy.signal.find_peaks(db, distance=10, prominence=3.0)[0]
        )
    with pytest.raises(ValueError, match="real poles"):  # an odd order: sections cannot hold it
        filters.butter_bandpass(3, 300, 3000, 16000)
    for _ in range(300):
        x = np.round(rng.normal(size=int(rng.integers(3, 300))) * 3) / 3
        distance, prominence = int(rng.integers(1, 12)), float(rng.random() * 2)
        expected = scipy.signal.find_peaks(x, distance=distance, prominence=prominence)[0]
        assert np.array_equal(filters.find_peaks(x, distance, prominence), expected)


def test_a_scene_with_speech_imports_neither_librosa_nor_scipy_signal(speech_scene):
    """A scene with a spoken line is heard as speech, so its speech rate and the voice's pitch range
    are measured: in a new process that costs no librosa and no scipy.signal import (1.8 s and
    170 MB of a `dramatune analyze` before), and gives the test process's reading."""
    import json

    from dramatune_lib.pipeline import analyze

    scene = speech_scene[0]
    code = (
        "import json, sys\n"
        "from dramatune_lib.pipeline import analyze\n"
        f"p = analyze({str(scene)!r})\n"
        "print(json.dumps([p.to_dict(), 'librosa' in sys.modules, 'scipy.signal' in sys.modules]))\n"
    )
    profile, librosa_loaded, signal_loaded = _in_a_new_process(code)
    assert not librosa_loaded and not signal_loaded
    assert "speech" in profile["sound_classes"] and profile["speech_rate"] > 0
    assert profile == json.loads(json.dumps(analyze(scene).to_dict()))
