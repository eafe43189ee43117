"""Hear and see phrases: FluidSynth rendering with one reused synthesizer, MIDI and WAV
files, and piano-roll plots with note names on the pitch axis."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..audio import SR
from ..io import atomic_write_bytes
from .rolls import BAR_STEPS, LOW, STEPS_PER_QUARTER, VOICES, midi_bytes, note_name, roll_notes
from .rolls import roll_to_midi as _roll_to_midi

__all__ = ["VOICE_COLOURS", "RollRenderer", "plot_roll", "roll_grid", "write_midi_files"]

VOICE_COLOURS = ("#d62728", "#2ca02c", "#1f77b4", "#9467bd")  # soprano, alto, tenor, bass


class RollRenderer:
    """Render ``(tracks, steps, pitches)`` rolls to mono float32 audio with ONE FluidSynth
    synthesizer (one MIDI channel per voice), the SoundFont that pretty_midi ships.

    >>> with RollRenderer() as r:
    ...     y = r.render(roll)          # (samples,) at r.sr, peak 0.9
    """

    def __init__(
        self, sr: int = SR, programs: Sequence[int] = (19, 19, 19, 19), gain: float = 0.4
    ) -> None:
        from ..synth import _quiet_stderr, import_fluidsynth, soundfont_path

        fluidsynth = import_fluidsynth()
        self.sr, self.programs = sr, tuple(programs)
        with _quiet_stderr():
            self._synth = fluidsynth.Synth(samplerate=float(sr), gain=gain)
            sfid = self._synth.sfload(str(soundfont_path()))
        if sfid < 0:
            raise RuntimeError(f"{soundfont_path()}: FluidSynth could not load the SoundFont.")
        for ch, prog in enumerate(self.programs):
            self._synth.program_select(ch, sfid, 0, int(prog))

    def _samples(self, n: int) -> np.ndarray:
        if n <= 0:
            return np.zeros(0, dtype=np.float32)
        stereo = np.asarray(self._synth.get_samples(n), dtype=np.float32).reshape(-1, 2)
        return stereo.mean(axis=1) / 32768.0

    def render(
        self, roll: np.ndarray, tempo: float = 90.0, velocity: int = 80, tail: float = 1.0
    ) -> np.ndarray:
        """Audio of one roll at ``tempo`` quarter notes per minute, plus ``tail`` seconds."""
        roll = np.asarray(roll)
        if roll.shape[0] > len(self.programs):
            raise ValueError(f"{roll.shape[0]} tracks but {len(self.programs)} programs")
        step = self.sr * 60.0 / tempo / STEPS_PER_QUARTER  # samples per step
        events = []  # (sample, 0 = off before 1 = on, channel, pitch)
        for t, p, a, b in roll_notes(roll, LOW):
            events += [(round(a * step), 1, t, p), (round(b * step), 0, t, p)]
        events.sort()
        s, now, parts = self._synth, 0, []
        for at, on, ch, p in events:
            parts.append(self._samples(at - now))
            now = at
            if on:
                s.noteon(ch, p, velocity)
            else:
                s.noteoff(ch, p)
        parts.append(self._samples(round(roll.shape[1] * step) - now + int(tail * self.sr)))
        for ch in range(len(self.programs)):
            s.all_sounds_off(ch)
        self._samples(4096)  # flush the release so the next phrase starts clean
        y = np.concatenate(parts)
        peak = np.max(np.abs(y)) if len(y) else 0.0
        return (y * (0.9 / peak) if peak > 1e-3 else y).astype(np.float32)  # not dither noise

    def close(self) -> None:
        self._synth.delete()

    def __enter__(self) -> RollRenderer:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def write_midi_files(
    rolls: np.ndarray,
    folder: str | os.PathLike,
    prefix: str = "phrase",
    *,
    tempo: float = 90.0,
    programs: Sequence[int] = (19, 19, 19, 19),
) -> list[Path]:
    """Write each ``(tracks, steps, pitches)`` roll as ``<prefix>_<i>.mid`` (one instrument
    per voice), after deleting the folder's old ``.mid`` files so that no stale phrase
    stays behind. Returns the paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.mid"):
        old.unlink()
    width = len(str(max(len(rolls) - 1, 0)))
    return [
        atomic_write_bytes(
            folder / f"{prefix}_{i:0{width}d}.mid",
            midi_bytes(_roll_to_midi(r, tempo=tempo, programs=programs)),
        )
        for i, r in enumerate(rolls)
    ]


def plot_roll(roll: np.ndarray, ax=None, title: str = "", legend: bool = True):
    """One phrase: a coloured line per voice, pitch axis labelled with note names (every C
    and G), time in bars with bar lines."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    roll = np.asarray(roll) > 0
    ax = ax or plt.subplots(figsize=(8, 3))[1]
    steps, pitches = roll.shape[1], roll.shape[2]
    for t in range(roll.shape[0]):
        img = np.zeros((pitches, steps, 4))
        img[..., :3] = np.array(plt.matplotlib.colors.to_rgb(VOICE_COLOURS[t % 4]))
        img[..., 3] = roll[t].T * 0.85
        ax.imshow(
            img,
            origin="lower",
            aspect="auto",
            interpolation="nearest",
            extent=(0, steps / BAR_STEPS, LOW - 0.5, LOW + pitches - 0.5),
        )
    used = [p for p in range(LOW, LOW + pitches) if p % 12 in (0, 7)]
    ax.set_yticks(used, [note_name(p) for p in used], fontsize=7)
    ax.set_ylim(LOW - 0.5, LOW + pitches - 0.5)
    for b in range(1, steps // BAR_STEPS):
        ax.axvline(b, color="0.6", lw=0.6, ls="--")
    ax.set_xticks(
        np.arange(steps // BAR_STEPS) + 0.5, [str(i + 1) for i in range(steps // BAR_STEPS)]
    )
    ax.set_xlabel("bar (4/4, 16 sixteenth-steps each)")
    ax.set_ylabel("pitch")
    if title:
        ax.set_title(title, fontsize=9)
    if legend:
        handles = [Patch(color=VOICE_COLOURS[t], label=VOICES[t]) for t in range(len(roll))]
        ax.legend(handles=handles, fontsize=6, loc="upper right", ncol=len(roll))
    return ax


def roll_grid(
    rolls: np.ndarray, titles: Sequence[str] | None = None, cols: int = 4, suptitle: str = ""
):
    """A grid of :func:`plot_roll` panels; returns the figure."""
    import matplotlib.pyplot as plt

    n = len(rolls)
    rows = (n + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(3.4 * cols, 2.4 * rows), squeeze=False)
    for i, ax in enumerate(axes.flat):
        if i < n:
            plot_roll(rolls[i], ax, titles[i] if titles else "", legend=i == 0)
            if i % cols:
                ax.set_ylabel("")
            if i < n - cols:
                ax.set_xlabel("")
        else:
            ax.axis("off")
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    return fig
