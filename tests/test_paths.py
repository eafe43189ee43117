"""Outputs per profile and the one thread rule."""

import json
from pathlib import Path

import pytest

from gan_tutorial import paths, threads

ROOT = Path(__file__).resolve().parents[1]


def test_each_profile_and_notebook_gets_its_own_folder(monkeypatch, tmp_path):
    monkeypatch.setenv(paths.OUTPUTS_ENV, str(tmp_path))
    laptop = paths.output_dir("25_conditional_audio_gan", "laptop")
    quick = paths.output_dir("25_conditional_audio_gan", "quick")
    assert laptop == tmp_path / "laptop" / "25_conditional_audio_gan"
    assert laptop.is_dir()
    assert quick != laptop
    assert quick.parent == paths.outputs_root("quick")
    monkeypatch.setenv("GAN_TUTORIAL_PROFILE", "quick")
    assert paths.outputs_root() == tmp_path / "quick"  # the active profile by default


def test_without_the_variable_outputs_live_under_notebooks(monkeypatch):
    monkeypatch.delenv(paths.OUTPUTS_ENV, raising=False)
    assert paths.outputs_root("laptop") == ROOT / "notebooks" / "outputs" / "laptop"


@pytest.mark.parametrize("bad", ["", "../escape", "a/b"])
def test_output_dir_refuses_paths(bad, monkeypatch, tmp_path):
    monkeypatch.setenv(paths.OUTPUTS_ENV, str(tmp_path))
    with pytest.raises(ValueError, match="plain name"):
        paths.output_dir(bad)


def test_every_notebook_writes_through_output_dir_under_its_own_name():
    """A notebook that types "outputs/..." would write across profiles again."""
    for nb_path in sorted((ROOT / "notebooks").glob("[0-9]*.ipynb")):
        code = "\n".join(
            "".join(c["source"])
            for c in json.loads(nb_path.read_text())["cells"]
            if c["cell_type"] == "code"
        )
        assert f'paths.output_dir("{nb_path.stem}")' in code, nb_path.name
        assert '"outputs/' not in code, nb_path.name
        assert "getloadavg" not in code, nb_path.name
        assert "threads.configure()" in code, nb_path.name


def test_thread_rule(monkeypatch):
    monkeypatch.setenv(threads.THREADS_ENV, "3")
    assert threads.thread_count() == 3
    monkeypatch.setenv(threads.THREADS_ENV, "zero")
    with pytest.raises(ValueError, match=threads.THREADS_ENV):
        threads.thread_count()
    monkeypatch.delenv(threads.THREADS_ENV)
    assert threads.thread_count() >= 1


def test_configure_sets_torch_threads(monkeypatch):
    torch = pytest.importorskip("torch")
    before = torch.get_num_threads()
    try:
        assert threads.configure(1) == 1
        assert torch.get_num_threads() == 1
    finally:
        threads.configure(before)
