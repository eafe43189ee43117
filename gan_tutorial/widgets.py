"""Interactive notebook widgets (ipywidgets + numpy), all drivable headlessly from code.

* :class:`ListeningTest`: a blinded listening test that appends one CSV row per rating;
  analyse the files with ``metrics.load_ratings`` / ``metrics.summarise_ratings``.
* :class:`LatentExplorer`: sliders along random latent directions plus seed interpolation
  (:func:`slerp`), redrawing the generated spectrogram and its audio.
* :class:`TrickToggler`: tick GAN training tricks on or off and retrain.

Every class exposes ``.widget`` (the top-level box) and displays itself in Jupyter.
No deep-learning framework is imported here: generators are passed in as callables.
"""

from __future__ import annotations

import csv
import os
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import ipywidgets as W
import numpy as np

from gan_tutorial.io import wav_bytes
from gan_tutorial.metrics.ratings import CRITERIA, RATING_COLUMNS, SOURCES

__all__ = ["LatentExplorer", "ListeningTest", "TrickToggler", "slerp", "wav_bytes"]


class _Displayable:
    """Mixin: display ``self.widget`` when the object is the last value of a cell."""

    widget: W.Widget

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)

    def display(self) -> None:
        """Show the widget in the current notebook cell."""
        from IPython.display import display

        display(self.widget)


# --------------------------------------------------------------------------- listening test


class ListeningTest(_Displayable):
    """Blinded listening test: rate clips 1-5 on realism, diversity and clarity, and guess
    whether each is real or generated.

    ``clips``: list of ``(T,)`` float arrays at ``sr`` Hz; ``sources``: "real" or
    "generated" per clip (never shown). Clips are presented in a shuffled order
    (``seed``). Each submit APPENDS one row to ``csv_path`` with the columns
    ``metrics.RATING_COLUMNS`` (header written if the file is new or empty).
    ``clip_ids`` default to the clip's index in ``clips`` as a string.
    Drive it from code with :meth:`rate`, or set the controls and call :meth:`submit`.
    """

    def __init__(
        self,
        clips: Sequence[np.ndarray],
        sources: Sequence[str],
        sr: int,
        csv_path: str | os.PathLike,
        rater_id: str,
        seed: int = 0,
        clip_ids: Sequence[str] | None = None,
        normalize: bool = True,
    ) -> None:
        if len(clips) == 0:
            raise ValueError("clips is empty; pass at least one clip to rate.")
        if len(clips) != len(sources):
            raise ValueError(
                f"got {len(clips)} clips but {len(sources)} sources; give one source per clip."
            )
        bad = [s for s in sources if s not in SOURCES]
        if bad:
            raise ValueError(f"sources must be 'real' or 'generated', got {bad[0]!r}.")
        if not str(rater_id).strip():
            raise ValueError("rater_id is empty; use e.g. your initials so ratings can be merged.")
        ids = (
            [str(i) for i in range(len(clips))] if clip_ids is None else [str(c) for c in clip_ids]
        )
        if len(ids) != len(clips) or len(set(ids)) != len(ids):
            raise ValueError("clip_ids must give one unique id per clip.")
        self.sources = list(sources)
        self.clip_ids = ids
        self.sr = int(sr)
        self.csv_path = os.fspath(csv_path)
        self.rater_id = str(rater_id).strip()
        self._wavs = [wav_bytes(c, self.sr, normalize=normalize) for c in clips]
        self.order: list[int] = [
            int(i) for i in np.random.default_rng(seed).permutation(len(clips))
        ]
        self.index = 0
        self._check_existing_header()

        self.progress = W.HTML()
        self.player = W.Audio(format="wav", autoplay=False, loop=False)
        self.sliders = {
            c: W.IntSlider(value=3, min=1, max=5, description=c, continuous_update=False)
            for c in CRITERIA
        }
        self.guess = W.ToggleButtons(
            options=list(SOURCES), value=None, description="real or generated?"
        )
        self.submit_button = W.Button(description="Submit & next", button_style="primary")
        self.submit_button.on_click(self._on_click)
        self.message = W.HTML()
        self.controls = W.VBox(
            [self.player, *self.sliders.values(), self.guess, self.submit_button]
        )
        self.widget = W.VBox([self.progress, self.controls, self.message])
        self._show_current()

    @property
    def done(self) -> bool:
        """True once every clip has been rated."""
        return self.index >= len(self.order)

    def current_clip_id(self) -> str:
        """Id of the clip now playing (for debugging; the source stays hidden)."""
        if self.done:
            raise ValueError("all clips have been rated; there is no current clip.")
        return self.clip_ids[self.order[self.index]]

    def rate(self, realism: int, diversity: int, clarity: int, guess: str) -> None:
        """Set the controls to these values (1..5 and "real"/"generated") and submit."""
        values = {"realism": realism, "diversity": diversity, "clarity": clarity}
        for name, value in values.items():
            if not isinstance(value, int | np.integer) or not 1 <= value <= 5:
                raise ValueError(f"{name} must be an integer from 1 to 5, got {value!r}.")
        if guess not in SOURCES:
            raise ValueError(f"guess must be 'real' or 'generated', got {guess!r}.")
        for name, value in values.items():
            self.sliders[name].value = int(value)
        self.guess.value = guess
        self.submit()

    def submit(self) -> None:
        """Append the current ratings to the CSV and move to the next clip."""
        if self.done:
            raise ValueError("all clips have already been rated; start a new ListeningTest.")
        if self.guess.value is None:
            raise ValueError("choose 'real' or 'generated' before submitting.")
        clip = self.order[self.index]
        row = {
            "rater_id": self.rater_id,
            "clip_id": self.clip_ids[clip],
            "source": self.sources[clip],
            **{c: int(self.sliders[c].value) for c in CRITERIA},
            "guess": self.guess.value,
            "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        self._append(row)
        self.index += 1
        for slider in self.sliders.values():
            slider.value = 3
        self.guess.value = None
        self._show_current()

    # internals -------------------------------------------------------------

    def _check_existing_header(self) -> None:
        if os.path.isfile(self.csv_path) and os.path.getsize(self.csv_path) > 0:
            with open(self.csv_path, newline="", encoding="utf-8") as fh:
                header = next(csv.reader(fh), [])
            if tuple(header) != RATING_COLUMNS:
                raise ValueError(
                    f"{self.csv_path}: existing file has header {header}, not "
                    f"{list(RATING_COLUMNS)}. Use another csv_path so its rows are not mixed."
                )

    def _append(self, row: dict[str, Any]) -> None:
        new = not os.path.isfile(self.csv_path) or os.path.getsize(self.csv_path) == 0
        parent = os.path.dirname(self.csv_path)
        if parent:
            os.makedirs(parent, exist_ok=True)
        with open(self.csv_path, "a", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(RATING_COLUMNS))
            if new:
                writer.writeheader()
            writer.writerow(row)
            fh.flush()
            os.fsync(fh.fileno())

    def _show_current(self) -> None:
        n = len(self.order)
        if self.done:
            self.progress.value = f"<b>All {n} clips rated.</b>"
            self.message.value = (
                f"Done, thank you! Your ratings are in <code>{self.csv_path}</code>."
            )
            self.controls.layout.display = "none"
            self.submit_button.disabled = True
            return
        self.progress.value = f"<b>Clip {self.index + 1} of {n}</b>"
        self.player.value = self._wavs[self.order[self.index]]

    def _on_click(self, _button: W.Button) -> None:
        try:
            self.submit()
            if not self.done:
                self.message.value = ""
        except ValueError as exc:
            self.message.value = f"<span style='color:#b00'>{exc}</span>"


# --------------------------------------------------------------------------- latent explorer


def slerp(z0: Any, z1: Any, t: float) -> np.ndarray:
    """Spherical interpolation from ``z0`` (t=0) to ``z1`` (t=1), both ``(latent_dim,)``.

    Follows the great circle between the two directions, interpolating the norm too, so
    two vectors of equal norm stay at that norm (a linear mix would shrink towards 0, off
    the shell where Gaussian latents live). Falls back to linear interpolation when the
    vectors are (anti)parallel or zero.
    """
    a = np.asarray(z0, dtype=np.float64)
    b = np.asarray(z1, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"z0 and z1 must have the same shape, got {a.shape} and {b.shape}.")
    na, nb = np.linalg.norm(a), np.linalg.norm(b)
    if na == 0 or nb == 0:
        return (1.0 - t) * a + t * b
    cos = float(np.clip(np.dot(a.ravel(), b.ravel()) / (na * nb), -1.0, 1.0))
    omega = np.arccos(cos)
    if np.sin(omega) < 1e-6:
        return (1.0 - t) * a + t * b
    # slerp of the unit directions, times a linearly interpolated norm
    direction = (np.sin((1.0 - t) * omega) * a / na + np.sin(t * omega) * b / nb) / np.sin(omega)
    return direction * ((1.0 - t) * na + t * nb)


def _as_image(spec: Any) -> np.ndarray:
    """Squeeze a generator output of shape (H, W), (1, H, W) or (1, 1, H, W) to (H, W)."""
    arr = np.asarray(spec, dtype=np.float64)
    while arr.ndim > 2 and arr.shape[0] == 1:
        arr = arr[0]
    if arr.ndim != 2:
        raise ValueError(
            f"generate(z[None]) must return a spectrogram of shape (H, W), (1, H, W) or "
            f"(1, 1, H, W), got {np.shape(spec)}. Convert torch tensors with .detach().numpy()."
        )
    return arr


class LatentExplorer(_Displayable):
    """Explore a generator's latent space with sliders.

    ``generate`` maps ``(1, latent_dim)`` float32 latents to a spectrogram ``(H, W)`` (or
    ``(1, H, W)``); ``to_audio`` (optional) maps that spectrogram to ``(T,)`` audio at
    ``sr`` Hz. The latent is ``slerp(z_a, z_b, t) + sum_i alpha_i u_i`` where ``z_a``,
    ``z_b`` are standard normal draws from two integer seeds, ``t`` in [0, 1] and the
    ``u_i`` are ``n_directions`` random orthonormal directions with sliders ``alpha_i`` in
    [-3, 3]. Any change redraws the spectrogram (time axis uses ``hop_length`` samples per
    frame) and the audio. ``plot_fn(spec, ax)`` replaces the default ``imshow``.
    """

    def __init__(
        self,
        generate: Callable[[np.ndarray], Any],
        latent_dim: int,
        to_audio: Callable[[np.ndarray], Any] | None = None,
        sr: int = 16000,
        n_directions: int = 4,
        seed: int = 0,
        plot_fn: Callable[[np.ndarray, Any], None] | None = None,
        hop_length: int = 256,
    ) -> None:
        if not isinstance(latent_dim, int | np.integer) or latent_dim < 1:
            raise ValueError(f"latent_dim must be a positive integer, got {latent_dim!r}.")
        if not 0 <= n_directions <= latent_dim:
            raise ValueError(
                f"n_directions must be between 0 and latent_dim={latent_dim}, got {n_directions}."
            )
        self.generate = generate
        self.to_audio = to_audio
        self.latent_dim = int(latent_dim)
        self.sr = int(sr)
        self.hop_length = int(hop_length)
        self.plot_fn = plot_fn
        rng = np.random.default_rng(seed)
        q, _ = np.linalg.qr(rng.standard_normal((self.latent_dim, max(n_directions, 1))))
        self.directions: np.ndarray = q[:, :n_directions].T.copy()  # (n_directions, latent_dim)
        self.last_spectrogram: np.ndarray | None = None
        self.last_audio: np.ndarray | None = None
        self.last_figure: Any = None

        self.direction_sliders = [
            W.FloatSlider(
                value=0.0,
                min=-3.0,
                max=3.0,
                step=0.1,
                description=f"dir {i}",
                continuous_update=False,
            )
            for i in range(n_directions)
        ]
        self.seed_a = W.IntText(value=seed, description="seed A")
        self.seed_b = W.IntText(value=seed + 1, description="seed B")
        self.t_slider = W.FloatSlider(
            value=0.0, min=0.0, max=1.0, step=0.01, description="A → B", continuous_update=False
        )
        self.plot_out = W.Output()
        self.player = W.Audio(format="wav", autoplay=False, loop=False)
        self.player.layout.display = "none" if to_audio is None else None
        for control in [*self.direction_sliders, self.seed_a, self.seed_b, self.t_slider]:
            control.observe(self._on_change, names="value")
        controls = W.VBox(
            [W.HBox([self.seed_a, self.seed_b]), self.t_slider, *self.direction_sliders]
        )
        self.widget = W.VBox([controls, self.plot_out, self.player])
        self.update()

    def seed_latent(self, seed: int) -> np.ndarray:
        """The standard normal ``(latent_dim,)`` latent drawn from integer ``seed``."""
        return np.random.default_rng(int(seed)).standard_normal(self.latent_dim)

    def current_z(self) -> np.ndarray:
        """The latent the controls describe now, ``(latent_dim,)`` float32."""
        z = slerp(
            self.seed_latent(self.seed_a.value),
            self.seed_latent(self.seed_b.value),
            float(self.t_slider.value),
        )
        for slider, u in zip(self.direction_sliders, self.directions, strict=True):
            z = z + float(slider.value) * u
        return z.astype(np.float32)

    def update(self) -> None:
        """Regenerate from :meth:`current_z`, redraw the spectrogram and refresh the audio."""
        z = self.current_z()
        spec = _as_image(self.generate(z[None]))
        self.last_spectrogram = spec
        self._draw(spec)
        if self.to_audio is not None:
            audio = np.asarray(self.to_audio(spec), dtype=np.float64).squeeze()
            self.last_audio = audio
            self.player.value = wav_bytes(audio, self.sr, normalize=True)

    def _draw(self, spec: np.ndarray) -> None:
        import matplotlib.pyplot as plt
        from IPython.display import display

        fig, ax = plt.subplots(figsize=(5, 3))
        if self.plot_fn is not None:
            self.plot_fn(spec, ax)
        else:
            seconds = spec.shape[1] * self.hop_length / self.sr
            ax.imshow(spec, origin="lower", aspect="auto", extent=(0, seconds, 0, spec.shape[0]))
            ax.set_xlabel("time (s)")
            ax.set_ylabel("mel bin")
        fig.tight_layout()
        self.plot_out.clear_output(wait=True)
        with self.plot_out:
            display(fig)
        plt.close(fig)
        self.last_figure = fig

    def _on_change(self, _change: dict) -> None:
        self.update()


# --------------------------------------------------------------------------- trick toggler


class TrickToggler(_Displayable):
    """Switch training tricks on and off, then train and show the result.

    ``options`` maps a trick name to ``True``/``False`` (a Checkbox, starting at that value)
    or to a list of choices (a Dropdown, starting at the first). Clicking "Train" (or
    :meth:`run`) calls ``train_fn(self.options())`` and shows the return value in the
    output area with ``show_fn`` (default: print it). The result is kept in
    ``.last_result``.
    """

    def __init__(
        self,
        train_fn: Callable[[dict[str, Any]], Any],
        options: dict[str, list | tuple | bool],
        show_fn: Callable[[Any], None] | None = None,
    ) -> None:
        if not options:
            raise ValueError("options is empty; pass e.g. {'spectral_norm': True}.")
        self.train_fn = train_fn
        self.show_fn = show_fn
        self.controls: dict[str, W.ValueWidget] = {}
        for name, spec in options.items():
            if isinstance(spec, bool):
                self.controls[name] = W.Checkbox(value=spec, description=name, indent=False)
            elif isinstance(spec, list | tuple) and len(spec) > 0:
                self.controls[name] = W.Dropdown(
                    options=list(spec), value=spec[0], description=name
                )
            else:
                raise ValueError(
                    f"option {name!r} must be True/False (checkbox) or a non-empty list of "
                    f"choices (dropdown), got {spec!r}."
                )
        self.last_result: Any = None
        self.button = W.Button(description="Train", button_style="primary", icon="play")
        self.button.on_click(self._on_click)
        self.status = W.HTML()
        self.output = W.Output()
        self.widget = W.VBox(
            [*self.controls.values(), W.HBox([self.button, self.status]), self.output]
        )

    def options(self) -> dict[str, Any]:
        """The chosen value of every option, ``{name: value}``."""
        return {name: control.value for name, control in self.controls.items()}

    def run(self) -> Any:
        """Call ``train_fn`` with the chosen options, show and return its result."""
        chosen = self.options()
        self.button.disabled = True
        self.status.value = "training…"
        start = time.perf_counter()
        try:
            result = self.train_fn(chosen)
        finally:
            self.button.disabled = False
        self.last_result = result
        self.status.value = f"done in {time.perf_counter() - start:.1f} s"
        self.output.clear_output(wait=True)
        with self.output:
            if self.show_fn is not None:
                self.show_fn(result)
            else:
                print(result)
        return result

    def _on_click(self, _button: W.Button) -> None:
        try:
            self.run()
        except Exception as exc:  # shown in the notebook instead of vanishing in the log
            self.status.value = (
                f"<span style='color:#b00'>failed: {type(exc).__name__}: {exc}</span>"
            )
