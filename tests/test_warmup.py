"""The venv warm-up (python -m gan_tutorial.warmup) names modules that exist, splits the
course's own modules between the framework groups, and refuses an unknown group."""

import importlib.util

import pytest

from gan_tutorial import warmup


def test_every_named_module_is_installed():
    missing = [
        n for names in warmup.GROUPS.values() for n in names if importlib.util.find_spec(n) is None
    ]
    assert not missing


def test_course_modules_split_by_framework_and_cover_the_package():
    tf, torch_group = warmup.course_modules("tensorflow"), warmup.course_modules("torch")
    assert tf
    assert all(n.startswith("gan_tutorial.keras") for n in tf)
    assert "gan_tutorial.torch.cgan.training" in torch_group
    assert not any(n.startswith("gan_tutorial.keras") for n in torch_group)
    assert "gan_tutorial.warmup" not in torch_group
    assert warmup.course_modules("librosa") == []


def test_unknown_group_names_the_choices():
    with pytest.raises(SystemExit, match="tensorflow, torch, librosa"):
        warmup.warm("tf")
