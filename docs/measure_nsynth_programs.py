"""Choose nsynth_lite's General MIDI programs by measurement (docs/nsynth_programs.md).

``python docs/measure_nsynth_programs.py`` renders the 8 programs of each of the course's 10
GM families with FluidSynth and pretty_midi's SoundFont at 9 pitches (MIDI 36..84 in steps
of 6) x 2 velocities, then for every program:

1. **checks** it: no near-silent note (raw peak < 2.5e-4, the builder's threshold), a pitch
   that follows the label (a harmonic-sum estimate minus the label is one whole number of
   octaves, the same on at least 3/4 of the notes: organs' 16-foot ranks and transposing
   presets such as the xylophone pass, a detuned, two-pitched or inharmonic preset fails)
   and no duplicate of another program (audio correlation > 0.99 on every note);
2. **describes** each note by MFCC statistics: 20 coefficients (DCT-II of a 40-band log-mel,
   n_fft 1024, hop 256), mean and std over frames, 40 numbers standardised over all notes;
3. **orders** each family's passing programs: first the family's default program (the one
   the course used until data version 2), then greedily the program farthest from those
   already chosen (farthest-point, distance = mean over the 18 (pitch, velocity) pairs of
   the Euclidean distance between the two programs' descriptions of the same note);
4. **reports** 5-fold cross-validated logistic-regression accuracy of the MFCC statistics
   telling the first 2, 4 and all programs of each family apart.

It prints the ordered table as Python (``config.FAMILY_PROGRAMS``) and the numbers as
Markdown. Deterministic: same renders, same folds. About a minute on one core.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
from scipy.fft import dct

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gan_tutorial.config import DEFAULT_FAMILY_PROGRAM, GM_FAMILY_BLOCKS
from gan_tutorial.spectral import SpecConfig, log_spectrogram
from gan_tutorial.synth import NoteRenderer

PITCHES = tuple(range(36, 85, 6))  # 9 pitches, C2..C6
VELOCITIES = (64, 112)
SILENT_RAW_PEAK = 2.5e-4  # nsynth_lite drops notes below 1e-3 after a gain of about 4
MIN_PITCH_MATCH = 3 / 4
DUPLICATE_CORR = 0.99
MFCC_CFG = SpecConfig(n_fft=1024, hop=256, n_mels=40)
N_MFCC = 20


def render_all(sr: int = 16000) -> tuple[np.ndarray, np.ndarray]:
    """(80, 18, 16384) float32 raw renders and the (18, 2) (pitch, velocity) grid."""
    grid = np.array([(p, v) for p in PITCHES for v in VELOCITIES])
    programs = [8 * b + k for b in GM_FAMILY_BLOCKS.values() for k in range(8)]
    out = np.zeros((len(programs), len(grid), 16384), np.float32)
    with NoteRenderer(sr=sr) as r:
        for i, prog in enumerate(programs):
            for j, (p, v) in enumerate(grid):
                out[i, j] = r.note(prog, int(p), int(v))
    return out, grid


def mfcc_stats(audio: np.ndarray) -> np.ndarray:
    """(..., T) audio -> (..., 40): mean and std over frames of 20 MFCCs."""
    logmel = log_spectrogram(audio.reshape(-1, audio.shape[-1]), MFCC_CFG)  # (N, 40, frames)
    c = dct(logmel, type=2, axis=1, norm="ortho")[:, :N_MFCC]
    return np.concatenate([c.mean(axis=2), c.std(axis=2)], axis=1).reshape(*audio.shape[:-1], -1)


def estimate_midi(y: np.ndarray, label: int, sr: int = 16000) -> int:
    """Harmonic-sum pitch estimate among MIDI ``label - 19 .. label + 19``.

    Score of f0: summed (square-root) magnitude at its first 8 harmonics minus that halfway
    between them, so a sub-octave (whose halfway points are real harmonics) and an
    octave above (which misses the odd harmonics) both score lower than the true f0.
    """
    seg = y[: sr // 2] * np.hanning(sr // 2)
    n_fft = 4 * len(seg)
    mag = np.sqrt(np.abs(np.fft.rfft(seg, n_fft)))
    hz = np.fft.rfftfreq(n_fft, 1 / sr)

    def at(f: float) -> float:
        if f >= sr / 2 - 50:
            return 0.0
        k = np.searchsorted(hz, f)
        width = max(2, int(0.015 * f / (hz[1] - hz[0])))  # about +-25 cents
        return float(mag[max(0, k - width) : k + width + 1].max())

    best, best_score = label, -np.inf
    for m in range(label - 19, label + 20):
        f0 = 440.0 * 2 ** ((m - 69) / 12)
        score = sum(at(k * f0) - at((k - 0.5) * f0) for k in range(1, 9))
        if score > best_score:
            best, best_score = m, score
    return best


def farthest_point_order(dist: np.ndarray, first: int) -> list[int]:
    """Greedy order: ``first``, then each time the item farthest from those chosen."""
    order = [first]
    while len(order) < len(dist):
        rest = [i for i in range(len(dist)) if i not in order]
        order.append(max(rest, key=lambda i: dist[i, order].min()))
    return order


def cv_accuracy(x: np.ndarray, y: np.ndarray) -> float:
    """5-fold cross-validated logistic-regression accuracy (standardised inputs)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000, C=1.0))
    folds = StratifiedKFold(5, shuffle=True, random_state=0)
    return float(cross_val_score(model, x, y, cv=folds).mean())


def main() -> int:
    import pretty_midi

    t0 = time.time()
    audio, grid = render_all()
    t_render = time.time() - t0
    feats = mfcc_stats(audio)  # (80, 18, 40)
    flat = feats.reshape(-1, feats.shape[-1])
    z = ((flat - flat.mean(0)) / flat.std(0)).reshape(feats.shape)
    programs = [8 * b + k for b in GM_FAMILY_BLOCKS.values() for k in range(8)]
    print(f"rendered {audio.shape[0] * audio.shape[1]} notes in {t_render:.1f} s\n")
    print(
        "| family | program | GM name | min raw peak | pitch offset (share) "
        "| nearest (distance) | passes |"
    )
    print("|---|---|---|---|---|---|---|")
    passing: dict[str, list[int]] = {}
    for f, fam in enumerate(GM_FAMILY_BLOCKS):
        rows = range(8 * f, 8 * f + 8)  # this family's rows of ``audio``
        dist = np.array([[np.linalg.norm(z[i] - z[j], axis=1).mean() for j in rows] for i in rows])
        ok_list = []
        for a, i in enumerate(rows):
            peak = float(np.abs(audio[i]).max(axis=1).min())
            offsets = [estimate_midi(audio[i, j], int(p)) - p for j, (p, _) in enumerate(grid)]
            values, counts = np.unique(offsets, return_counts=True)
            offset, match = int(values[counts.argmax()]), counts.max() / len(offsets)
            corr = [
                min(
                    float(np.corrcoef(audio[i, j], audio[k, j])[0, 1]) if audio[i, j].any() else 0.0
                    for j in range(len(grid))
                )
                for k in rows
                if k < i
            ]
            dup = bool(corr) and max(corr) > DUPLICATE_CORR
            pitched = offset % 12 == 0 and match >= MIN_PITCH_MATCH
            ok = peak >= SILENT_RAW_PEAK and pitched and not dup
            if ok:
                ok_list.append(programs[i])
            others = [b for b in range(8) if b != a]
            near = min(others, key=lambda b: dist[a, b])
            print(
                f"| {fam} | {programs[i]} | {pretty_midi.program_to_instrument_name(programs[i])} "
                f"| {peak:.4f} | {offset:+d} ({match:.2f}) | {programs[rows[near]]} ({dist[a, near]:.2f}) "
                f"| {'yes' if ok else 'no'} |"
            )
        idx = [programs.index(p) for p in ok_list]
        sub = np.array([[np.linalg.norm(z[i] - z[j], axis=1).mean() for j in idx] for i in idx])
        default = DEFAULT_FAMILY_PROGRAM[fam]
        first = ok_list.index(default) if default in ok_list else 0
        passing[fam] = [ok_list[k] for k in farthest_point_order(sub, first)]
    print("\n| family | ordered programs | CV accuracy first 2 | first 4 | all passing |")
    print("|---|---|---|---|---|")
    for fam, order in passing.items():
        accs = []
        for k in (2, 4, len(order)):
            idx = [programs.index(p) for p in order[:k]]
            x = feats[idx].reshape(-1, feats.shape[-1])
            y = np.repeat(np.arange(len(idx)), len(grid))
            accs.append(cv_accuracy(x, y))
        print(f"| {fam} | {order} | {accs[0]:.2f} | {accs[1]:.2f} | {accs[2]:.2f} ({len(order)}) |")
    every = [programs.index(p) for order in passing.values() for p in order]
    for k, label in ((2, "quick"), (4, "laptop"), (8, "gpu")):
        idx = [programs.index(p) for order in passing.values() for p in order[:k]]
        acc = cv_accuracy(
            feats[idx].reshape(-1, feats.shape[-1]), np.repeat(np.arange(len(idx)), len(grid))
        )
        print(f"{label}: {len(idx)} programs, {len(idx)}-way CV accuracy {acc:.2f}")
    print(f"\nFAMILY_PROGRAMS = {passing!r}  # {len(every)} programs pass")
    print(f"total {time.time() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
