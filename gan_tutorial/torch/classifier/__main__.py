"""Retrain or check the packaged judge network::

python -m gan_tutorial.torch.classifier --train [--epochs 6] [--threads 1] [--out DIR]
python -m gan_tutorial.torch.classifier --evaluate [--out DIR] [--profile quick]

``--evaluate`` scores saved weights on the judge's own held-out notes (the test split of
``nsynth_lite('gpu')``), or with ``--profile`` on every note of that profile's data.
"""

from __future__ import annotations

import argparse
import sys

__all__ = ["main"]

PROG = "python -m gan_tutorial.torch.classifier"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog=PROG, description="Retrain or check the packaged judge (pitch, family, instrument)."
    )
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--train", action="store_true", help="retrain the judge")
    mode.add_argument("--evaluate", action="store_true", help="held-out accuracy of saved weights")
    ap.add_argument("--epochs", type=int, default=6)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1, help="torch threads for training")
    ap.add_argument(
        "--profile",
        default=None,
        help="--evaluate on all notes of this profile's nsynth_lite instead of the judge's test split",
    )
    ap.add_argument(
        "--out",
        default=None,
        help="weights folder to write (--train) or read (--evaluate); default: packaged",
    )
    args = ap.parse_args(argv)
    from .training import evaluate_shipped, held_out_scores, train_judge

    if args.train:
        cmd = " ".join([PROG, *(sys.argv[1:] if argv is None else argv)])
        m = train_judge(
            seed=args.seed, epochs=args.epochs, threads=args.threads, out_dir=args.out, command=cmd
        )
        print(
            f"held-out test accuracy: pitch {m['test_accuracy']:.4f}, family "
            f"{m['test_family_accuracy']:.4f}, instrument {m['test_instrument_accuracy']:.4f} "
            f"({m['counts']['test']} notes); IS {m['test_inception_score']:.2f}; "
            f"trained in {m['train_seconds']:.0f} s"
        )
    elif args.profile:
        from ...data import nsynth_lite
        from .evaluator import AudioEvaluator

        s = held_out_scores(AudioEvaluator.load(args.out), nsynth_lite(args.profile))
        print(
            f"{args.profile} notes ({s['n']}): pitch {s['pitch_accuracy']:.4f}, family "
            f"{s['family_accuracy']:.4f}, instrument {s['instrument_accuracy']:.4f}; "
            f"IS {s['inception_score']:.2f} ({s['pitch_classes']} pitch classes)"
        )
    else:
        m = evaluate_shipped(args.out)
        print(
            f"held-out test accuracy on {m['n']} notes: pitch {m['test_accuracy']:.4f}, family "
            f"{m['test_family_accuracy']:.4f}, instrument {m['test_instrument_accuracy']:.4f}; "
            f"IS {m['test_inception_score']:.2f} ({m['test_pitch_classes']} pitch classes)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
