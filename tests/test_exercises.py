"""Every reference solution passes its checker; every listed wrong answer fails with its hint;
unattempted answers report "not attempted" without raising."""

from __future__ import annotations

import importlib.util
import inspect
import math
import re
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from gan_tutorial import exercises
from gan_tutorial.exercises import core

SOLUTIONS = Path(__file__).resolve().parent.parent / "solutions"
NEEDS = {  # solution file -> framework it imports
    "00_setup_and_data.py": None,
    "22_audio_gan_keras.py": "keras",
    "22b_audio_gan_pytorch.py": "torch",
    "22c_symbolic_music_gan.py": None,
    "23_stability_tricks.py": "torch",
    "24_evaluation.py": None,
    "25_conditional_audio_gan.py": None,
    "26_phase_gansynth.py": None,
}


def _load(name: str) -> ModuleType:
    if NEEDS[name]:
        pytest.importorskip(NEEDS[name])
    spec = importlib.util.spec_from_file_location(f"solutions_{Path(name).stem}", SOLUTIONS / name)
    assert spec
    assert spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _run(mod: ModuleType, name: str, answer: object) -> core.Result:
    chk = getattr(exercises, name)
    fw = getattr(mod, "FRAMEWORK", None)
    if fw and "framework" in inspect.signature(chk).parameters:
        return chk(answer, framework=fw, quiet=True)
    return chk(answer, quiet=True)


def _cases(kind: str) -> list:
    out = []
    for name in NEEDS:
        # read the names without importing torch/keras at collection time
        text = (SOLUTIONS / name).read_text()
        block = text.split(f"{kind} = {{", 1)[1].split("\n}", 1)[0]
        for line in block.splitlines():
            line = line.strip()
            if line.startswith('"check_'):
                out.append(
                    pytest.param(name, line.split('"')[1], id=f"{name}-{line.split(chr(34))[1]}")
                )
    return out


def test_every_solution_file_is_listed() -> None:
    assert sorted(p.name for p in SOLUTIONS.glob("[0-9]*.py")) == sorted(NEEDS)


@pytest.mark.parametrize(("file", "name"), _cases("SOLUTIONS"))
def test_reference_solution_passes(file: str, name: str) -> None:
    mod = _load(file)
    result = _run(mod, name, mod.SOLUTIONS[name])
    assert result.passed is True, result.hint
    assert result.verified
    assert not result.notes, result.notes  # the reference needs no remark
    for other in getattr(mod, "ALSO_CORRECT", {}).get(name, []):
        r = _run(mod, name, other)
        assert r.passed is True, (other.__name__, r.hint)
        words = getattr(mod, "NOTES", {}).get(other.__name__)
        if words:
            assert any(words in n for n in r.notes), (other.__name__, r.notes)


@pytest.mark.parametrize(("file", "name"), _cases("WRONG"))
def test_wrong_answers_fail_with_their_hint(file: str, name: str) -> None:
    mod = _load(file)
    for answer, words in mod.WRONG[name]:
        result = _run(mod, name, answer)
        assert result.passed is False, (answer, "passed")
        assert words in result.hint, (getattr(answer, "__name__", answer), result.hint)


def _stub(*args, **kwargs): ...


def _stub_raises(*args, **kwargs):
    """Write your code here."""
    raise NotImplementedError


CHECKERS = [
    n
    for n in exercises.__all__
    if n.startswith("check_") and n not in ("check_choice", "check_number")
]
VALUE_ANSWERS = {  # predict / explore exercises: the answer is a number or a letter
    "check_chorale_frames",
    "check_nfft_tradeoff",
    "check_upsampling_layers",
    "check_neutral_d_loss",
    "check_mode_collapse",
    "check_source_penalty_prediction",
    "check_critic_steps_reason",
    "check_is_one_note",
    "check_fid_sample_size",
    "check_alto_latent",
    "check_real_phrases_per_step",
    "check_held_note_sampling",
    "check_label_swap",
    "check_velocity_head",
    "check_ema_horizon",
    "check_tone_if",
    "check_close_partials_nfft",
}
UNATTEMPTED = [(n, a) for n in CHECKERS for a in (..., None)] + [
    (n, a) for n in CHECKERS if n not in VALUE_ANSWERS for a in (_stub, _stub_raises)
]


@pytest.mark.parametrize(("name", "answer"), UNATTEMPTED)
def test_unattempted_is_reported_not_raised(
    name: str, answer: object, capsys: pytest.CaptureFixture
) -> None:
    result = getattr(exercises, name)(answer)
    assert result.passed is None
    assert result.status == "not attempted"
    assert result.hint
    assert "not attempted yet" in capsys.readouterr().out


def test_every_value_exercise_is_known() -> None:
    assert set(CHECKERS) >= VALUE_ANSWERS


def test_learner_exceptions_become_failures(capsys: pytest.CaptureFixture) -> None:
    def broken(mu1, sigma1, mu2, sigma2):
        return undefined_name  # noqa: F821

    result = exercises.check_frechet_distance(broken)
    assert result.passed is False
    assert result.error is not None
    assert "NameError" in result.error
    assert "NameError" in result.hint
    assert "✗" in capsys.readouterr().out


def test_pass_prints_tick_and_what_was_verified(capsys: pytest.CaptureFixture) -> None:
    mod = _load("24_evaluation.py")
    result = exercises.check_frechet_distance(mod.frechet_distance)
    out = capsys.readouterr().out
    assert result
    assert "✓" in out
    assert result.verified[0] in out


def _no_return(*args):
    _ = args


def test_wrong_types_never_raise() -> None:
    for name in ("check_frechet_distance", "check_spec_shape", "check_inception_score"):
        for answer in (3, "abc", lambda *a: "text", lambda *a: [1, 2], _no_return):
            assert getattr(exercises, name)(answer, quiet=True).passed is False


def test_is_unattempted() -> None:
    def real(x):
        return x + 1

    assert core.is_unattempted(...)
    assert core.is_unattempted(_stub)
    assert not core.is_unattempted(real)
    assert not core.is_unattempted(0)


def test_spec_shape_reference_matches_librosa() -> None:
    librosa = pytest.importorskip("librosa")
    from gan_tutorial.exercises.ex00 import CASES, spec_shape_reference

    for n, n_fft, hop, n_mels, center in CASES:
        s = librosa.stft(np.zeros(n, dtype=np.float32), n_fft=n_fft, hop_length=hop, center=center)
        assert s.shape == spec_shape_reference(n, n_fft, hop, n_mels, center)[1::-1]


def test_fd_float32_and_torch_returns_pass() -> None:
    mod = _load("24_evaluation.py")

    def fd32(*args):
        return np.float32(mod.frechet_distance(*(np.asarray(a, np.float32) for a in args)))

    assert exercises.check_frechet_distance(fd32, quiet=True).passed is True
    assert math.isfinite(mod.frechet_distance_eig(np.zeros(1), np.eye(1), np.ones(1), np.eye(1)))


def test_gradient_penalty_keeps_the_global_rng() -> None:
    torch = pytest.importorskip("torch")
    mod = _load("23_stability_tricks.py")
    state = torch.get_rng_state()
    assert exercises.check_gradient_penalty(mod.gradient_penalty, quiet=True).passed is True
    assert torch.equal(state, torch.get_rng_state())


def test_per_pixel_interpolation_passes_with_a_note(capsys: pytest.CaptureFixture) -> None:
    """One weight per pixel is a variant found in public code: accepted, with a remark."""
    pytest.importorskip("torch")
    mod = _load("23_stability_tricks.py")
    result = exercises.check_gradient_penalty(mod.gradient_penalty_per_pixel)
    out = capsys.readouterr().out
    assert result.passed is True, result.hint
    assert "✓" in out
    assert "Note:" in out
    assert "WGAN-GP paper" in result.notes[0]


def test_exercise_numbers_follow_the_notebooks() -> None:
    """Each checker prints the number of the heading it sits under in its notebook."""
    import json

    root = Path(__file__).resolve().parent.parent / "notebooks"
    calls = {}  # exercise number -> the notebook cell's source
    for nb in root.glob("*.ipynb"):
        cells = json.loads(nb.read_text())["cells"]
        heading = None
        for cell in cells:
            src = "".join(cell["source"])
            found = re.match(r"### Exercise (\d+[a-z]?\.\d+)", src)
            if cell["cell_type"] == "markdown" and found:
                heading = found.group(1)
            elif cell["cell_type"] == "code" and "check_" in src and heading:
                calls.setdefault(heading, []).append(src)
    assert calls, "no exercise found in the notebooks"
    for number, sources in calls.items():
        for src in sources:
            for name in CHECKERS:
                if f"{name}(" in src and "import" not in src.split(f"{name}(")[0].splitlines()[-1]:
                    fw = "torch" if 'framework="torch"' in src else "keras"
                    chk = getattr(exercises, name)
                    kwargs = (
                        {"framework": fw}
                        if "framework" in inspect.signature(chk).parameters
                        else {}
                    )
                    assert chk(..., quiet=True, **kwargs).exercise == number, (name, number)


def test_mode_seeking_accepts_msgan_formula() -> None:
    """Exercise 25.4: MSGAN's own code (the ratio of batch means) passes, with a note, and
    really differs from the course's per-pair mean on the checker's cases."""
    mod = _load("25_conditional_audio_gan.py")
    rng = np.random.default_rng(0)
    x, z = rng.normal(size=(6, 1, 4, 4)), rng.normal(size=(6, 3))
    assert not np.isclose(mod.mode_seeking(x, z), mod.mode_seeking_msgan(x, z))
    result = exercises.check_mode_seeking(mod.mode_seeking_msgan, quiet=True)
    assert result.passed is True, result.hint
    assert any("MSGAN" in n for n in result.notes)
