"""The checker core: run a learner's answer on known cases, print ✓ or ✗, never raise.

A *checker* is a function ``check_xxx(answer) -> Result``. It runs the learner's function (or
looks at their number / choice) on cases whose answers are known, prints one line
(✓ with what was verified, ✗ with a hint naming the likely mistake, or "not attempted yet"
with the first hint) and returns a :class:`Result` that tests can inspect. Nothing raised by
the learner's code, by the checker or by a missing framework reaches the notebook.

Write a checker by decorating a function ``body(answer, c)`` with :func:`exercise`; the body
gets a :class:`Check` ``c`` and uses it to call the learner's code and record findings::

    from gan_tutorial.exercises.core import exercise

    @exercise("25.1", "the mean of a list",
              hint="Add the numbers with sum(xs) and divide by len(xs).")
    def check_mean(fn, c):
        got = c.number(c.call(fn, [1.0, 2.0, 6.0]))   # learner's code; float() of the result
        c.verify(got == 3.0, "mean([1, 2, 6]) == 3",
                 hint="mean([1, 2, 6]) should be 3. Did you divide by len(xs)?")
        got = c.number(c.call(fn, [5.0]))
        c.expect_close(got, 5.0, "mean of one number")   # failure hint: the exercise's hint

    # in the notebook:
    def mean(xs):
        ...                      # stub: prints "not attempted yet" plus the first hint
    check_mean(mean)             # -> Result(exercise='25.1', passed=None, ...)

Rules the core applies for you:

* **not attempted** (``passed is None``): the answer is ``...``, ``None`` or
  ``NotImplemented``; a function whose body is only ``...``, ``pass`` and/or a docstring;
  or learner code that raises ``NotImplementedError``.
* **failed** (``passed is False``): ``c.fail(hint)`` / a false ``c.verify`` / ``c.expect_*``;
  the learner's code raising anything (the exception is named in the hint); or the checker
  itself raising while looking at the answer.
* **passed** (``passed is True``): the body returned without a failure. ``verified`` lists
  what was checked.

``c.verify(ok, what, hint)`` records *what* when ``ok`` and fails with *hint* otherwise;
``c.mistake(hint)`` records a mistake but keeps checking (all recorded mistakes are joined
into the final hint, the first one first); ``c.fail(hint)`` stops at once; ``c.note(text)``
adds a remark shown under a ✓ (an accepted variant of the reference answer). Multiple-choice
and numeric "predict, then run" answers use :func:`check_choice` and :func:`check_number`.
Torch or Keras checkers import their framework inside the body, so this module stays numpy
and standard-library only.
"""

from __future__ import annotations

import functools
import math
import sys
import types
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "Check",
    "NotAttempted",
    "Result",
    "check_choice",
    "check_number",
    "exercise",
    "is_unattempted",
    "to_float",
]

PASS_MARK = "✓"
FAIL_MARK = "✗"
TODO_MARK = "…"


class NotAttempted(Exception):
    """Raised inside a checker body when the answer is a stub; the core reports it."""


class _Failed(Exception):
    """Stops a checker body; carries the hint."""

    def __init__(self, hint: str) -> None:
        super().__init__(hint)
        self.hint = hint


@dataclass
class Result:
    """What a checker found.

    ``passed``: True (correct), False (wrong) or None (not attempted yet).
    ``verified``: what was checked and found right. ``hint``: the likely mistake (or the
    first hint when not attempted; empty when passed). ``mistakes``: every mistake found,
    the first one first. ``error``: the exception raised by the learner's code, if any.
    ``notes``: remarks on an accepted answer (a variant that works but differs from the
    reference), printed after the ✓.
    """

    exercise: str
    title: str
    passed: bool | None
    verified: list[str] = field(default_factory=list)
    hint: str = ""
    mistakes: list[str] = field(default_factory=list)
    error: str | None = None
    notes: list[str] = field(default_factory=list)
    _shown: bool = field(default=False, repr=False, compare=False)

    @property
    def status(self) -> str:
        """``"passed"``, ``"failed"`` or ``"not attempted"``."""
        return {True: "passed", False: "failed", None: "not attempted"}[self.passed]

    @property
    def attempted(self) -> bool:
        return self.passed is not None

    def __bool__(self) -> bool:
        return self.passed is True

    @property
    def message(self) -> str:
        """The text a notebook shows."""
        head = f"Exercise {self.exercise} ({self.title})"
        if self.passed is True:
            lines = [f"{PASS_MARK} {head}: correct."]
            lines += [f"  {PASS_MARK} {v}" for v in self.verified]
            lines += [f"  Note: {n}" for n in self.notes]
        elif self.passed is False:
            lines = [f"{FAIL_MARK} {head}: not right yet."]
            lines += [f"  {PASS_MARK} {v}" for v in self.verified]
            lines += [f"  Hint: {self.hint}"]
        else:
            lines = [f"{TODO_MARK} {head}: not attempted yet.", f"  Hint: {self.hint}"]
        return "\n".join(lines)

    def show(self) -> Result:
        """Print :attr:`message` (once per call) and return self."""
        print(self.message)
        self._shown = True
        return self

    def _ipython_display_(self) -> None:
        # The checker already printed the message; showing the returned object again in
        # the same cell would print it twice.
        if not self._shown:
            self.show()


_EMPTY_CODES: set[bytes] = set()


def _empty_codes() -> set[bytes]:
    if not _EMPTY_CODES:
        src = (
            "def a(*x, **k):\n    ...\n"
            "def b(*x, **k):\n    pass\n"
            "def c(*x, **k):\n    'doc'\n    ...\n"
            "def d(*x, **k):\n    'doc'\n"
            "def e(*x, **k):\n    return ...\n"
            "def f(*x, **k):\n    return None\n"
        )
        ns: dict[str, Any] = {}
        exec(compile(src, "<stubs>", "exec"), ns)
        _EMPTY_CODES.update(ns[k].__code__.co_code for k in "abcdef")
    return _EMPTY_CODES


def is_unattempted(answer: Any) -> bool:
    """True for ``...``, ``None``, ``NotImplemented`` and functions whose body does nothing."""
    if answer is None or answer is Ellipsis or answer is NotImplemented:
        return True
    func = answer
    if isinstance(func, functools.partial):
        func = func.func
    if isinstance(func, types.MethodType):
        func = func.__func__
    code = getattr(func, "__code__", None)
    if isinstance(code, types.CodeType) and not isinstance(func, type):
        doc = getattr(func, "__doc__", None)
        consts_ok = all(
            k is None or k is Ellipsis or (isinstance(k, str) and k == doc) for k in code.co_consts
        )
        return consts_ok and code.co_code in _empty_codes()
    return False


def _describe(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    first = text[0] if text else ""
    if len(first) > 200:
        first = first[:197] + "..."
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__


def to_float(value: Any) -> float:
    """A real Python float from a float, int, numpy scalar/size-1 array or size-1 tensor.

    Raises ``TypeError`` for complex values (also complex-typed with zero imaginary part)
    and ``ValueError`` for values with more than one element.
    """
    if isinstance(value, bool):
        raise TypeError("a bool is not a number here")
    item = getattr(value, "item", None)
    if hasattr(value, "detach"):
        value = value.detach()
    dtype = getattr(value, "dtype", None)
    if isinstance(value, complex) or (dtype is not None and "complex" in str(dtype).lower()):
        raise TypeError(f"the value is complex ({value!r})")
    size = getattr(value, "size", None)
    numel = getattr(value, "numel", None)
    n = numel() if callable(numel) else (size if isinstance(size, int) else None)
    if n is not None and n != 1:
        raise ValueError(f"expected a single number, got {n} numbers")
    if callable(item):
        value = value.item() if n == 1 else value
    if isinstance(value, complex):
        raise TypeError(f"the value is complex ({value!r})")
    return float(value)


class Check:
    """Helpers a checker body uses; collects what was verified and the mistakes found."""

    def __init__(self, hint: str) -> None:
        self.first_hint = hint
        self.verified: list[str] = []
        self.mistakes: list[str] = []
        self.error: str | None = None
        self.error_hints: list[tuple[str, str]] = []
        self.notes: list[str] = []

    # -- running learner code ------------------------------------------------------------
    def call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Call the learner's ``fn``; map its exceptions to "not attempted" or a failure.

        A returned ``...`` counts as not attempted. Hints registered with
        :meth:`on_error` are matched against the exception's text.
        """
        if not callable(fn):
            self.fail(f"expected a function, got {type(fn).__name__}. {self.first_hint}")
        try:
            out = fn(*args, **kwargs)
        except NotImplementedError as exc:
            raise NotAttempted from exc
        except Exception as exc:
            self.error = _describe(exc)
            text = str(exc)
            for needle, hint in self.error_hints:
                if needle.lower() in text.lower():
                    self.fail(f"your code raised {self.error}. {hint}")
            self.fail(f"your code raised {self.error}. {self.first_hint}")
        if out is Ellipsis:
            raise NotAttempted
        return out

    def on_error(self, needle: str, hint: str) -> None:
        """When learner code raises an exception whose text contains *needle*, hint *hint*."""
        self.error_hints.append((needle, hint))

    def number(self, value: Any, what: str = "your function") -> float:
        """``to_float(value)`` or a failure saying what came back instead."""
        if value is None:
            self.fail(f"{what} returned None: did you forget `return`?")
        try:
            return to_float(value)
        except TypeError as exc:
            self.fail(f"{what} should return a real number, not {type(value).__name__} ({exc}).")
        except ValueError as exc:
            self.fail(f"{what} should return a single number ({exc}).")
        raise AssertionError("unreachable")  # pragma: no cover

    # -- recording findings --------------------------------------------------------------
    def verify(self, ok: Any, what: str, hint: str | None = None) -> bool:
        """Record *what* when ``ok``; otherwise stop with *hint* (default: the first hint)."""
        if ok:
            self.verified.append(what)
            return True
        self.fail(hint or self.first_hint)
        return False  # pragma: no cover

    def mistake(self, hint: str) -> None:
        """Record a mistake and keep checking; the result fails with every hint recorded."""
        if hint not in self.mistakes:
            self.mistakes.append(hint)

    def note(self, text: str) -> None:
        """Add a remark shown with a passing answer (an accepted variant, not a mistake)."""
        if text not in self.notes:
            self.notes.append(text)

    def fail(self, hint: str) -> None:
        """Stop checking now with *hint*."""
        raise _Failed(hint)

    def expect_close(
        self,
        got: float,
        want: float,
        what: str,
        hint: str | None = None,
        rtol: float = 1e-4,
        atol: float = 1e-6,
    ) -> bool:
        """``verify(|got - want| <= atol + rtol |want|)`` with the numbers in the hint."""
        ok = math.isfinite(got) and abs(got - want) <= atol + rtol * abs(want)
        if not ok:
            hint = f"{what}: expected {want:.6g}, got {got:.6g}. {hint or self.first_hint}"
        return self.verify(ok, f"{what} = {want:.6g}", hint)

    def expect_equal(self, got: Any, want: Any, what: str, hint: str | None = None) -> bool:
        ok = got == want
        if not ok:
            hint = f"{what}: expected {want!r}, got {got!r}. {hint or self.first_hint}"
        return self.verify(ok, f"{what} = {want!r}", hint)


def exercise(
    number: str, title: str, hint: str
) -> Callable[[Callable[[Any, Check], None]], Callable[..., Result]]:
    """Turn ``body(answer, c)`` into a checker ``check(answer, *, quiet=False) -> Result``.

    *number* is the exercise's number as in its heading ("23.2"), *title* a few words and
    *hint* the first hint (shown when the answer is not attempted and as the default
    failure hint).
    """

    def wrap(body: Callable[[Any, Check], None]) -> Callable[..., Result]:
        @functools.wraps(body)
        def checker(answer: Any = ..., *, quiet: bool = False) -> Result:
            c = Check(hint)
            result = Result(number, title, None, hint=hint)
            try:
                if is_unattempted(answer):
                    raise NotAttempted
                body(answer, c)
            except NotAttempted:
                result = Result(number, title, None, c.verified, hint)
            except _Failed as exc:
                c.mistake(exc.hint)
                result = Result(number, title, False, c.verified, "", c.mistakes, c.error)
            except Exception as exc:
                c.error = c.error or _describe(exc)
                c.mistake(f"checking your answer raised {_describe(exc)}. {hint}")
                result = Result(number, title, False, c.verified, "", c.mistakes, c.error)
            else:
                if c.mistakes:
                    result = Result(number, title, False, c.verified, "", c.mistakes, c.error)
                else:
                    result = Result(number, title, True, c.verified, "", [], None, c.notes)
            if result.passed is False:
                result.hint = "\n  Also: ".join(result.mistakes)
            if not quiet:
                try:
                    result.show()
                except Exception:  # pragma: no cover - printing never breaks a notebook
                    print(result.message, file=sys.stderr)
            return result

        checker.number = number  # type: ignore[attr-defined]
        checker.title = title  # type: ignore[attr-defined]
        checker.first_hint = hint  # type: ignore[attr-defined]
        return checker

    return wrap


def _norm_choice(x: Any) -> str:
    return str(x).strip().strip(").").strip("(").strip().lower()


def check_choice(
    number: str,
    title: str,
    answer: Any,
    correct: str | Iterable[str],
    explanations: dict[str, str],
    hint: str,
    quiet: bool = False,
) -> Result:
    """Check a multiple-choice answer (a letter such as ``"b"``; case and ``"b)"`` ignored).

    *explanations* maps each wrong choice to the hint naming its misconception; *correct*
    is the right letter (or several letters that are all accepted).
    """
    good = {_norm_choice(correct)} if isinstance(correct, str) else set(map(_norm_choice, correct))

    @exercise(number, title, hint)
    def body(ans: Any, c: Check) -> None:
        choice = _norm_choice(ans)
        options = sorted(good | {_norm_choice(k) for k in explanations})
        if choice in good:
            c.verified.append(f"choice {choice!r} is right")
            return
        if choice not in options:
            c.fail(f"answer with one of the letters {', '.join(options)} (got {ans!r}).")
        c.fail(explanations.get(choice) or explanations.get(choice.upper()) or hint)

    return body(answer, quiet=quiet)


def check_number(
    number: str,
    title: str,
    answer: Any,
    correct: float,
    hint: str,
    rtol: float = 0.0,
    atol: float = 0.0,
    wrong: Sequence[tuple[float, str]] = (),
    quiet: bool = False,
) -> Result:
    """Check a predicted number. *wrong* lists typical wrong values with the hint for each."""

    @exercise(number, title, hint)
    def body(ans: Any, c: Check) -> None:
        got = c.number(ans, "your answer")
        for value, why in wrong:
            if abs(got - value) <= atol + rtol * abs(value) and abs(value - correct) > atol:
                c.fail(f"{got:g} is a common slip. {why}")
        c.expect_close(got, float(correct), "your prediction", hint, rtol=rtol, atol=atol)

    return body(answer, quiet=quiet)
