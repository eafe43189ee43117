"""Exercises with instant checks: one module of checkers per notebook, on a shared core.

Every ``check_*`` function takes the learner's answer, prints ✓ (with what was verified),
✗ (with a hint naming the likely mistake) or "not attempted yet", returns a
:class:`~gan_tutorial.exercises.core.Result` and never raises. See
:mod:`gan_tutorial.exercises.core` for how to write a checker.
"""

from gan_tutorial.exercises.core import (
    Check,
    Result,
    check_choice,
    check_number,
    exercise,
    is_unattempted,
)

__all__ = [
    "Check",
    "Result",
    "check_choice",
    "check_number",
    "exercise",
    "is_unattempted",
]
