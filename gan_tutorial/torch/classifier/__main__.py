"""Retrain or check the packaged pitch classifier::

python -m gan_tutorial.torch.classifier --train
python -m gan_tutorial.torch.classifier --evaluate
"""

from __future__ import annotations

import argparse
import sys

from .training import evaluate_shipped, train_classifier

__all__ = ["main"]

PROG = "python -m gan_tutorial.torch.classifier"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog=PROG, description="Retrain or check the packaged pitch classifier."
    )
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--train", action="store_true", help="retrain the pitch classifier")
    mode.add_argument("--evaluate", action="store_true", help="held-out accuracy of saved weights")
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--out",
        default=None,
        help="weights folder to write (--train) or read (--evaluate); default: packaged",
    )
    args = ap.parse_args(argv)
    if args.train:
        cmd = " ".join(
            [
                PROG,
                *(sys.argv[1:] if argv is None else argv),
            ]
        )
        m = train_classifier(seed=args.seed, epochs=args.epochs, out_dir=args.out, command=cmd)
        print(
            f"test accuracy {m['test_accuracy']:.4f}  IS {m['test_inception_score']:.2f} "
            f"({m['test_pitch_classes']} pitch classes)  trained in {m['train_seconds']:.0f} s"
        )
    else:
        m = evaluate_shipped(args.out)
        print(
            f"test accuracy {m['test_accuracy']:.4f} on {m['n']} held-out notes; "
            f"IS {m['test_inception_score']:.2f} ({m['test_pitch_classes']} pitch classes)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
