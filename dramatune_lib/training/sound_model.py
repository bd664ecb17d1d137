"""Stage 03 · the music / speech / other classifier trained and evaluated on whole held-out files."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from ..feature_extraction import (
    SOUND_CLASSES,
    SOUND_SR,
    ST_FEATURES,
    SoundClassifier,
    mid_term_features,
    sound_model_path,
)
from ..media import load_audio
from ..parallel import parallel_map
from ..storage import model_target, write_report
from .sound_corpus import LabelledClip


def clip_features(clips: list[LabelledClip], max_seconds: float = 20.0, n_jobs: int = -1):
    """Mid-term features of each clip's first ``max_seconds`` (parallel, joblib).

    Returns ``X`` (seconds, 68), labels ``y`` and ``groups`` (the clip index of each second, so
    a split can hold out whole files). Files that cannot be read are skipped and listed.

    Used by: :func:`train_sound_classifier`
    """

    def one(c: LabelledClip):
        try:
            a = load_audio(c.path, sr=SOUND_SR, max_seconds=max_seconds)
        except Exception as e:  # a broken file is reported, not fatal
            return None, f"{Path(c.path).name}: {e}"
        if a.size < SOUND_SR // 2:
            return None, None
        a = a[np.argmax(np.abs(a) > 1e-3) :]  # leading digital silence teaches nothing
        return (mid_term_features(a) if a.size >= SOUND_SR // 2 else None), None

    results = parallel_map(one, clips, n_jobs=n_jobs)
    X, y, groups, problems = [], [], [], []
    for i, (feats, problem) in enumerate(results):
        if problem:
            problems.append(problem)
        if feats is None or not len(feats):
            continue
        X.append(feats)
        y += [clips[i].label] * len(feats)
        groups += [i] * len(feats)
    for p in problems:
        print("skipped", p)
    return np.vstack(X), np.array(y), np.array(groups)


@dataclass
class SoundModelReport:
    """How the classifier was trained and how well it does on held-out files."""

    mode: str
    files: int
    train_seconds: int
    test_seconds: int
    f1: dict[str, float]  # per class, held-out real recordings
    f1_all: dict[str, float]  # per class, all held-out files (real and generated)
    accuracy_real: float
    confusion_real: list[list[int]]
    classes: list[str] = field(default_factory=lambda: list(SOUND_CLASSES))
    train_s: float = 0.0
    sources: dict[str, str] = field(default_factory=dict)


def train_sound_classifier(
    clips: list[LabelledClip],
    fast: bool = True,
    seed: int = 0,
    *,
    columns: list[int] | None = None,
    hold_out: str = "files",
):
    """Train the music/speech/other SVM and evaluate it on held-out files.

    A quarter of the files of each label (whole files) is held out; the SVM (RBF kernel on
    standardised features, C chosen by 3-fold grouped cross-validation in full mode, C=10 in
    fast mode) is fitted on the rest. Returns ``(pipeline, report)``. For notebook 03's
    exercises: ``columns`` keeps only those of the 68 features, and ``hold_out="seconds"`` holds
    out a random quarter of the seconds instead, the wrong way (seconds of one file on both sides).

    Notebook: 03_training.ipynb
    """
    from sklearn.metrics import confusion_matrix, f1_score
    from sklearn.model_selection import GridSearchCV, GroupKFold
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    t0 = time.perf_counter()
    X, y, groups = clip_features(clips, max_seconds=10.0 if fast else 30.0)
    if columns is not None:
        X = X[:, columns]
    rng = np.random.default_rng(seed)
    test_files: set[int] = set()
    for label in SOUND_CLASSES:  # hold out a quarter of each label's files, real and generated alike
        for recorded in (True, False):
            files = sorted({g for g in set(groups.tolist()) if clips[g].label == label and clips[g].real == recorded})
            k = max(1, len(files) // 4) if len(files) >= 2 else 0
            test_files.update(rng.choice(files, size=k, replace=False).tolist() if k else [])
    test = np.isin(groups, list(test_files)) if hold_out == "files" else rng.random(len(groups)) < 0.25
    svc = make_pipeline(StandardScaler(), SVC(kernel="rbf", C=10.0, gamma="scale", class_weight="balanced"))
    if fast:
        model = svc.fit(X[~test], y[~test])
    else:
        search = GridSearchCV(svc, {"svc__C": [1.0, 10.0, 100.0]}, cv=GroupKFold(3), scoring="f1_macro", n_jobs=-1)
        model = search.fit(X[~test], y[~test], groups=groups[~test]).best_estimator_
    pred = model.predict(X[test])
    real = np.array([clips[g].real for g in groups[test]])
    classes = list(SOUND_CLASSES)
    if not real.any():
        print("no recording was held out (the Debian sources are missing): F1 is for generated audio only")
        real = np.ones_like(real)
    f1r = f1_score(y[test][real], pred[real], labels=classes, average=None, zero_division=0)
    f1a = f1_score(y[test], pred, labels=classes, average=None, zero_division=0)
    report = SoundModelReport(
        mode="fast" if fast else "full",
        files=len(set(groups.tolist())),
        train_seconds=int((~test).sum()),
        test_seconds=int(test.sum()),
        f1={c: round(float(v), 3) for c, v in zip(classes, f1r)},
        f1_all={c: round(float(v), 3) for c, v in zip(classes, f1a)},
        accuracy_real=round(float((pred[real] == y[test][real]).mean()), 3),
        confusion_real=confusion_matrix(y[test][real], pred[real], labels=classes).tolist(),
        train_s=round(time.perf_counter() - t0, 1),
        sources={c.source: c.licence for c in clips},
    )
    return model, report


def save_sound_model(model, report: SoundModelReport, path: str | Path | None = None) -> Path:
    """Save the fitted pipeline as plain numbers (:class:`feature_extraction.SoundClassifier`,
    ``.npz``: it loads without scikit-learn) and its report as JSON beside it (``.json``).

    Notebook: 03_training.ipynb
    """
    path = model_target(path, sound_model_path().name)
    SoundClassifier.from_pipeline(model).save(path)
    meta = {
        **asdict(report),
        "features": [f"{s}_{n}" for s in ("mean", "std") for n in ST_FEATURES],
        "method": "Karydis thesis: 50 ms/25 ms short-term, 1 s mid-term mean+std, RBF SVM",
    }
    write_report(path, meta)
    return path
