"""FID of real notes in the judge's embedding: the held-out floor and the vocoder's floors.

``python docs/measure_judge_fid.py [weights] [--profile laptop] [--n 300]`` embeds, with
``AudioEvaluator.load(weights)`` (default: the packaged judge), ``n`` real notes of the
profile's test split and ``n`` other real notes drawn (seeded) from its train split, then
the same test notes through the course's vocoder (``spectral.griffin_lim`` mel-matching,
50 rounds, on the GAN's log-mel) and through plain Griffin-Lim (``match="pinv"``). It
prints FID to the train notes for each at equal ``n`` (docs/nsynth_programs.md's table).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gan_tutorial import config, data, metrics
from gan_tutorial.spectral import SpecConfig, griffin_lim, log_spectrogram
from gan_tutorial.torch.classifier import AudioEvaluator


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("weights", nargs="?", default=None)
    ap.add_argument("--profile", default="laptop")
    ap.add_argument("--n", type=int, default=300)
    args = ap.parse_args(argv)
    t0 = time.time()
    prof = config.profile(args.profile)
    notes = data.nsynth_lite(prof, progress=False)
    rng = np.random.default_rng(0)
    test = notes.audio[notes.split == "test"][: args.n]
    train_all = notes.audio[notes.split == "train"]
    train = train_all[rng.choice(len(train_all), len(test), replace=False)]
    cfg = SpecConfig.for_size(prof.spec_size)  # the GAN's representation
    spec = log_spectrogram(test, cfg)
    sets = {
        "real test notes": test,
        "test via mel-matching Griffin-Lim": griffin_lim(spec, cfg, match="mel", seed=0),
        "test via plain Griffin-Lim": griffin_lim(spec, cfg, match="pinv", seed=0),
    }
    ev = AudioEvaluator.load(args.weights)
    ref = ev.features(train)
    out = {}
    for name, audio in sets.items():
        out[name] = float(metrics.fid_from_features(ref, ev.features(audio)))
    base = out["real test notes"]
    for name, fid in out.items():
        print(f"{name:36s} FID {fid:10.3f}  ({fid / base:6.2f} x the real floor)")
    print(json.dumps({"n": len(test), "fid": out, "seconds": round(time.time() - t0, 1)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
