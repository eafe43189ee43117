"""A MuseGAN-style GAN for four-voice phrases (Dong et al., 2018), trained with WGAN-GP.

Shapes: a phrase is ``(B, tracks=4, steps=64, pitches=48)`` with values in [0, 1]
(4 bars of 16 sixteenth-steps; see :mod:`gan_tutorial.symbolic.rolls`).

* :class:`MuseGenerator` draws a phrase from a **phrase-level latent** (shared by all
  tracks and bars), turned into one code per bar by a small *temporal* network, and a
  **per-track latent** for each voice (also unrolled into per-bar codes). Each bar is
  made by transposed convolutions over time x pitch: a trunk shared by the tracks, then
  a private branch per track (grouped: each voice has its own weights).
* :class:`PhraseCritic` scores a whole phrase (all tracks, all bars) from its pitches,
  pitch classes and melodic intervals; no normalisation layers, as the gradient penalty
  needs. It judges the notes that argmax decoding writes (:func:`straight_through`).
* :func:`wgan_gp_step` does ``n_critic`` critic steps with chapter 23's per-sample
  :func:`~gan_tutorial.torch.losses.gradient_penalty`, then one generator step; :func:`train`
  runs it through :func:`gan_tutorial.torch.training.fit` (progress bar, checkpoints, exact
  resume, the time guard).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from .losses import gradient_penalty
from .training import GANState, fit, latent_dim, new_state
from .tricks import EMA

__all__ = [
    "MuseGenerator",
    "PatchConv",
    "PatchConvTranspose",
    "PhraseCritic",
    "generate",
    "make_state",
    "phrase_batches",
    "straight_through",
    "train",
    "wgan_gp_step",
]


class PatchConvTranspose(nn.Module):
    """``nn.ConvTranspose2d`` with kernel = stride = ``factor`` along one axis (``"time"`` =
    dim 2 or ``"pitch"`` = dim 3), computed as one matrix product per position (the same
    maths, several times faster on a CPU than the general kernel). ``groups`` as in
    ``nn.ConvTranspose2d``: each group (here: each voice) has its own weights.

    ``(N, c_in, H, W) -> (N, c_out, H*factor, W)`` for time, ``(N, c_out, H, W*factor)``
    for pitch.
    """

    def __init__(self, c_in: int, c_out: int, factor: int, axis: str, groups: int = 1) -> None:
        super().__init__()
        if axis not in ("time", "pitch"):
            raise ValueError(f"axis must be 'time' or 'pitch', got {axis!r}")
        if c_in % groups or c_out % groups:
            raise ValueError(f"channels {c_in}->{c_out} are not divisible by groups={groups}")
        self.c_in, self.c_out, self.groups = c_in, c_out, groups
        self.factor, self.axis = factor, axis
        ref = nn.ConvTranspose2d(  # same initialisation as the layer it stands for
            c_in, c_out, (factor, 1) if axis == "time" else (1, factor), groups=groups
        )
        # ref.weight: (c_in, c_out/groups, kh, kw) -> (groups, c_in/groups, c_out/groups * f)
        self.weight = nn.Parameter(ref.weight.detach().reshape(groups, c_in // groups, -1))
        assert ref.bias is not None  # ConvTranspose2d's bias=True
        self.bias = nn.Parameter(ref.bias.detach().clone())

    def forward(self, x: Tensor) -> Tensor:
        n, _, h, w = x.shape
        g, f = self.groups, self.factor
        xs = x.reshape(n, g, self.c_in // g, h, w)
        y = torch.einsum("ngihw,gio->nghwo", xs, self.weight)  # o = (c_out/g, f)
        y = y.reshape(n, g, h, w, self.c_out // g, f)
        if self.axis == "time":
            y = y.permute(0, 1, 4, 2, 5, 3).reshape(n, self.c_out, h * f, w)
        else:
            y = y.permute(0, 1, 4, 2, 3, 5).reshape(n, self.c_out, h, w * f)
        return y + self.bias[None, :, None, None]


class MuseGenerator(nn.Module):
    """Latent ``(B, latent_dim)`` -> note probabilities ``(B, tracks, bars*16, pitches)``.

    ``latent_dim = z_phrase + tracks * z_track``: the first ``z_phrase`` numbers are the
    phrase latent, then one ``z_track`` block per voice. ``pitches`` must be a multiple of 12.
    Per bar: a shared trunk makes ``(2w, 4 beats, octaves)`` features and doubles time to
    eighths; each voice's private branch adds its own latent, doubles time to sixteenths and
    turns every octave cell into 12 semitones (transposed convolutions over time x pitch).
    """

    def __init__(
        self,
        tracks: int = 4,
        bars: int = 4,
        pitches: int = 48,
        z_phrase: int = 32,
        z_track: int = 16,
        bar_code: int = 32,
        width: int = 64,
        head: str = "voice",
    ) -> None:
        super().__init__()
        if pitches % 12:
            raise ValueError(f"pitches must be a multiple of 12 (octaves), got {pitches}")
        if head not in ("voice", "sigmoid"):
            raise ValueError(f"head must be 'voice' or 'sigmoid', got {head!r}")
        self.head = head
        self.tracks, self.bars, self.pitches = tracks, bars, pitches
        self.z_phrase, self.z_track, self.bar_code = z_phrase, z_track, bar_code
        self.latent_dim = z_phrase + tracks * z_track
        octaves, w, t = pitches // 12, width, tracks
        self._trunk_shape = (2 * w, 4, octaves)  # 4 beats x octaves
        self._own = 16  # channels of each voice's own latent map
        self.temporal = nn.Sequential(  # phrase latent -> one code per bar
            nn.Linear(z_phrase, 4 * bar_code), nn.ReLU(), nn.Linear(4 * bar_code, bars * bar_code)
        )
        self.track_temporal = nn.Sequential(  # each track latent -> one code per bar
            nn.Linear(z_track, 2 * bar_code), nn.ReLU(), nn.Linear(2 * bar_code, bars * bar_code)
        )
        # where each bar stands in the phrase: without it, bars start out identical and the
        # generator easily keeps writing one bar four times
        self.bar_embed = nn.Parameter(torch.randn(bars, bar_code))
        self.trunk_in = nn.Linear(z_phrase + bar_code, math.prod(self._trunk_shape))
        self.trunk = nn.Sequential(  # shared: (2w, 4, oct) -> (w, 8, oct)
            nn.BatchNorm2d(2 * w),
            nn.ReLU(),
            PatchConvTranspose(2 * w, w, 2, "time"),
            nn.BatchNorm2d(w),
            nn.ReLU(),
        )
        self.track_in = nn.Linear(z_track + bar_code, self._own * 8 * octaves)
        self.track_embed = nn.Parameter(torch.zeros(t, self._own, 8, octaves))  # which voice
        self.private = nn.Sequential(  # per voice: (w+own, 8, oct) -> (w/2, 16, oct)
            PatchConvTranspose(t * (w + self._own), t * w // 2, 2, "time", groups=t),
            nn.BatchNorm2d(t * w // 2),
            nn.ReLU(),
        )
        self.to_pitch = PatchConvTranspose(t * w // 2, t, 12, "pitch", groups=t)
        self.to_rest = nn.Conv2d(t * w // 2, t, (1, octaves), groups=t)  # "voice" head only

    def logits(self, z: Tensor) -> tuple[Tensor, Tensor]:
        """Scores ``(B, tracks, bars*16, pitches)`` for each pitch and ``(B, tracks,
        bars*16)`` for a rest (used by the ``"voice"`` head only)."""
        b, nb, t, c = z.shape[0], self.bars, self.tracks, self.bar_code
        zp = z[:, : self.z_phrase]
        zt = z[:, self.z_phrase :].reshape(b, t, self.z_track)
        bar = self.temporal(zp).reshape(b, nb, c) + self.bar_embed
        shared_in = torch.cat([zp[:, None].expand(b, nb, -1), bar], dim=2).reshape(b * nb, -1)
        shared = self.trunk(self.trunk_in(shared_in).reshape(b * nb, *self._trunk_shape))
        tbar = self.track_temporal(zt).reshape(b, t, nb, c) + self.bar_embed
        track_in = torch.cat([zt[:, :, None].expand(b, t, nb, -1), tbar], dim=3)
        track_in = track_in.transpose(1, 2).reshape(b * nb, t, -1)  # (B*nb, t, z+c)
        own = self.track_in(track_in).reshape(b * nb, t, *self.track_embed.shape[1:])
        own = own + self.track_embed
        x = torch.cat([shared[:, None].expand(-1, t, -1, -1, -1), own], dim=2)
        h = self.private(x.flatten(1, 2))  # (B*nb, t*w/2, 16, oct)
        x = self.to_pitch(h).reshape(b, nb, t, 16, self.pitches).permute(0, 2, 1, 3, 4)
        rest = self.to_rest(h).reshape(b, nb, t, 16).permute(0, 2, 1, 3)
        return x.reshape(b, t, nb * 16, self.pitches), rest.reshape(b, t, nb * 16)

    def forward(self, z: Tensor) -> Tensor:
        """Note probabilities ``(B, tracks, bars*16, pitches)`` in [0, 1]. ``"sigmoid"``
        head: each cell on its own (MuseGAN). ``"voice"`` head: a softmax over the pitches
        and a rest, per voice and step, so each voice's probabilities sum to at most 1."""
        pitch, rest = self.logits(z)
        if self.head == "sigmoid":
            return torch.sigmoid(pitch)
        return torch.softmax(torch.cat([pitch, rest[..., None]], dim=-1), dim=-1)[..., :-1]


class PatchConv(nn.Module):
    """``nn.Conv2d`` with kernel = stride = ``factor`` along one axis (``"time"`` = dim 2
    or ``"pitch"`` = dim 3) and 1 along the other, computed as one matrix product per
    position (the same maths, several times faster on a CPU, backward passes included).

    ``(N, c_in, H, W) -> (N, c_out, H/factor, W)`` for time, ``(N, c_out, H, W/factor)``
    for pitch; the axis must be a multiple of ``factor``.
    """

    def __init__(self, c_in: int, c_out: int, factor: int, axis: str) -> None:
        super().__init__()
        if axis not in ("time", "pitch"):
            raise ValueError(f"axis must be 'time' or 'pitch', got {axis!r}")
        self.factor, self.axis = factor, axis
        ref = nn.Conv2d(c_in, c_out, (factor, 1) if axis == "time" else (1, factor))
        self.weight = nn.Parameter(ref.weight.detach().reshape(c_out, c_in, factor))
        assert ref.bias is not None
        self.bias = nn.Parameter(ref.bias.detach().clone())

    def forward(self, x: Tensor) -> Tensor:
        n, c, h, w = x.shape
        f = self.factor
        if self.axis == "time":
            y = torch.einsum("nihfw,oif->nohw", x.reshape(n, c, h // f, f, w), self.weight)
        else:
            y = torch.einsum("nihwf,oif->nohw", x.reshape(n, c, h, w // f, f), self.weight)
        return y + self.bias[None, :, None, None]


class PhraseCritic(nn.Module):
    """Phrase ``(B, tracks, bars*16, pitches)`` -> score ``(B, 1)`` (WGAN critic, no norms).

    Four streams, each strided from sixteenths to beats: a **pitch** stream (each octave
    of all voices, then all octaves) and a **chroma** stream (the 12 pitch classes of all
    voices: which chord and key), as in MuseGAN's critic; an **interval** stream: each
    voice's melodic motion from one step to the next (:meth:`intervals`), which the pitch
    stream, seeing one step and one octave at a time, hardly can; and a **harmony** stream:
    the pitch-class interval between every two voices (:meth:`pair_intervals`), the same
    for a chord in any key. Beats then go to bars;
    the last layers see all four bars at once. A fourth input, the phrase's bar-to-bar
    similarities, lets the critic see at once whether a phrase repeats one bar (a
    generator's easy way out). Every layer is a patch convolution (:class:`PatchConv`).
    """

    max_interval = 7  # semitones up or down seen by the interval stream

    def __init__(self, tracks: int = 4, bars: int = 4, pitches: int = 48, width: int = 32) -> None:
        super().__init__()
        if pitches % 12:
            raise ValueError(f"pitches must be a multiple of 12 (octaves), got {pitches}")
        w, o, k = width, pitches // 12, 2 * self.max_interval + 1
        act = nn.LeakyReLU(0.2)
        self.pitch = nn.Sequential(
            PatchConv(tracks, w, 12, "pitch"),  # each octave of every voice, per step
            act,
            PatchConv(w, 2 * w, 4, "time"),  # sixteenths -> beats
            act,
            PatchConv(2 * w, 2 * w, o, "pitch"),  # all octaves
            act,
        )
        self.chroma = nn.Sequential(
            PatchConv(tracks, 2 * w, 12, "pitch"),  # pitch classes of every voice, per step
            act,
            PatchConv(2 * w, 2 * w, 4, "time"),  # sixteenths -> beats
            act,
        )
        self.motion = nn.Sequential(
            PatchConv(tracks, w, k, "pitch"),  # every voice's interval, per step
            act,
            PatchConv(w, 2 * w, 4, "time"),  # sixteenths -> beats
            act,
        )
        self.harmony = nn.Sequential(
            PatchConv(tracks * (tracks - 1) // 2, w, 12, "pitch"),  # every voice pair's interval
            act,
            PatchConv(w, 2 * w, 4, "time"),  # sixteenths -> beats
            act,
        )
        self.phrase = nn.Sequential(
            PatchConv(8 * w, 4 * w, 4, "time"),  # beats -> bars
            act,
            PatchConv(4 * w, 8 * w, bars, "time"),  # all bars: the whole phrase
            act,
            nn.Flatten(),
        )
        pairs = bars * (bars - 1) // 2
        self.repeats = nn.Sequential(nn.Linear(pairs, 2 * w), act)  # bar-to-bar similarity
        self.out = nn.Linear(8 * w + 2 * w, 1)
        self.bars = bars

    def intervals(self, x: Tensor) -> Tensor:
        """``(B, tracks, steps, 2m+1)``: for each voice and step t, the probability of
        moving by d = -m..m semitones (m = ``max_interval``) from step t to t+1,
        ``sum_k x[t, k] * x[t+1, k+d]``. A one-hot line gives one 1 per step (d = 0 for a
        held note); leaps beyond m and rests give a row of zeros. The last step (no
        successor) is all zeros."""
        m, p = self.max_interval, x.shape[-1]
        now, nxt = x[:, :, :-1], nn.functional.pad(x[:, :, 1:], (m, m))
        d = torch.stack([(now * nxt[..., m + i : m + i + p]).sum(-1) for i in range(-m, m + 1)], -1)
        return nn.functional.pad(d, (0, 0, 0, 1))

    @staticmethod
    def pair_intervals(chroma: Tensor) -> Tensor:
        """``(B, pairs, steps, 12)`` from pitch classes ``(B, tracks, steps, 12)``: for every
        two voices i < j (soprano-alto, soprano-tenor, ..., tenor-bass) and every step, the
        probability that j sounds d = 0..11 semitones above i, modulo the octave,
        ``sum_k c_i[k] * c_j[(k + d) % 12]``. A chord gives the same pattern in every key."""
        t = chroma.shape[1]
        i, j = torch.triu_indices(t, t, 1)
        shifted = torch.stack([torch.roll(chroma, -d, dims=-1) for d in range(12)], dim=-2)
        return torch.einsum("bpsk,bpsdk->bpsd", chroma[:, i], shifted[:, j])

    def bar_similarity(self, x: Tensor) -> Tensor:
        """``(B, bars*(bars-1)/2)`` cosine similarities between every two bars' pitch-class x
        step patterns (all voices together): high when a phrase repeats a bar."""
        b, t, s, p = x.shape
        v = x.reshape(b, t, self.bars, s // self.bars, p // 12, 12).sum(dim=(1, 4))
        v = v.reshape(b, self.bars, -1)
        v = v / (v.norm(dim=2, keepdim=True) + 1e-6)
        sim = v @ v.transpose(1, 2)
        i, j = torch.triu_indices(self.bars, self.bars, 1)
        return sim[:, i, j]

    def forward(self, x: Tensor) -> Tensor:
        b, t, s, p = x.shape
        chroma = x.reshape(b, t, s, p // 12, 12).sum(dim=3)
        streams = [self.pitch(x), self.chroma(chroma), self.motion(self.intervals(x))]
        streams.append(self.harmony(self.pair_intervals(chroma)))
        h = self.phrase(torch.cat(streams, dim=1))
        return self.out(torch.cat([h, self.repeats(self.bar_similarity(x))], dim=1))


def make_state(
    seed: int = 0,
    *,
    lr: float = 1e-3,
    betas: tuple[float, float] = (0.5, 0.9),
    ema_decay: float = 0.0,
    g_kwargs: dict | None = None,
    d_kwargs: dict | None = None,
    **extra: Any,
) -> GANState:
    """Seeded generator and critic with Adam (MuseGAN's ``lr=1e-3, betas=(0.5, 0.9)``).
    ``ema_decay > 0`` keeps an average of the generator (``state.ema``, with warm-up;
    sample from ``state.sampler``), which :func:`wgan_gp_step` updates."""
    torch.manual_seed(seed)
    G = MuseGenerator(**(g_kwargs or {}))
    D = PhraseCritic(**(d_kwargs or {}))
    state = new_state(
        G, D, lr, lr, betas, seed, g_kwargs=g_kwargs or {}, d_kwargs=d_kwargs or {}, **extra
    )
    if ema_decay > 0:
        state.ema = EMA(G, ema_decay, warmup=True)
    return state


def phrase_batches(
    rolls: np.ndarray | Tensor, batch_size: int, generator: torch.Generator, n: int = 1
) -> Iterator[Tensor]:
    """Endless float batches ``(n * batch_size, tracks, steps, pitches)`` of random phrases,
    drawn lazily with ``generator`` (so a restored generator resumes the same sequence)."""
    x = torch.as_tensor(np.asarray(rolls, dtype=np.float32))
    if x.dim() != 4:
        raise ValueError(f"expected (N, tracks, steps, pitches) rolls, got {tuple(x.shape)}")
    if not 0 < batch_size <= len(x):
        raise ValueError(f"batch_size must be in 1..{len(x)} (the number of phrases)")
    while True:
        yield torch.cat(
            [x[torch.randperm(len(x), generator=generator)[:batch_size]] for _ in range(n)]
        )


def straight_through(probs: Tensor, head: str = "voice") -> Tensor:
    """The notes that decoding would write, with the gradient of the probabilities.

    ``probs`` ``(B, tracks, steps, pitches)``. Forward: a 0/1 roll, as
    :func:`gan_tutorial.symbolic.decode` writes it: for the ``"voice"`` head (each
    voice's pitches sum to at most 1, the rest is what is left) the most likely pitch or
    rest per voice and step (``"argmax"``); for ``"sigmoid"``, every cell above 0.5
    (``"threshold"``). Backward: the gradient passes to ``probs`` unchanged (the
    straight-through estimator of BinaryMuseGAN's deterministic binary neurons, Dong and
    Yang, 2018), so the critic judges the notes we will play, not a blur of
    probabilities that a one-hot real phrase never is."""
    if head == "sigmoid":
        hard = (probs > 0.5).to(probs.dtype)
    else:
        full = torch.cat([probs, 1.0 - probs.sum(dim=-1, keepdim=True)], dim=-1)
        hard = nn.functional.one_hot(full.argmax(dim=-1), full.shape[-1]).to(probs.dtype)
        hard = hard[..., :-1]
    return hard + (probs - probs.detach())  # exactly hard: the bracket is 0


def wgan_gp_step(
    state: GANState,
    batch: Tensor,
    n_critic: int = 2,
    gp_weight: float = 10.0,
    gp_samples: int | None = None,
) -> dict[str, float]:
    """``n_critic`` critic steps (one per ``batch_size`` slice of ``batch``) with the
    per-sample gradient penalty, then one generator step (and the EMA's update, if the
    state keeps one); the critic scores the notes the generator would write
    (:func:`straight_through`). The penalty is the mean over the
    first ``gp_samples`` pairs of each batch (None: all of them; pairs are in random order,
    so fewer is an unbiased, noisier estimate of the same mean at a fraction of its cost).
    Returns the last critic loss ``d`` (Wasserstein estimate + penalty), ``gp``, ``w``
    (real minus fake score) and ``g``."""
    G, D = state.G, state.D
    head: str = getattr(G, "head", "voice")  # MuseGenerator's output head
    reals = batch.to(state.device).chunk(n_critic)
    for real in reals:
        b = len(real)
        with torch.no_grad():
            fake = straight_through(G(state.noise(b)), head)
        alpha = torch.rand(b, generator=state.noise_gen).to(state.device)
        k = b if gp_samples is None else min(gp_samples, b)
        w = D(real).mean() - D(fake).mean()
        gp = gradient_penalty(D, real[:k], fake[:k], weight=gp_weight, alpha=alpha[:k])
        ld = -w + gp
        state.opt_d.zero_grad(set_to_none=True)
        ld.backward()
        state.opt_d.step()
    state.opt_g.zero_grad(set_to_none=True)
    lg = -D(straight_through(G(state.noise(len(reals[0]))), head)).mean()
    lg.backward()
    state.opt_g.step()
    if state.ema is not None:
        state.ema.update(state.generator)
    return {"d": ld.item(), "g": lg.item(), "gp": gp.item(), "w": w.item()}


def train(
    state: GANState,
    rolls: np.ndarray,
    steps: int,
    *,
    batch_size: int = 32,
    n_critic: int = 2,
    gp_weight: float = 10.0,
    gp_samples: int | None = None,
    max_seconds: float | None = None,
    checkpoint_path: str | os.PathLike | None = None,
    **fit_kwargs: Any,
) -> GANState:
    """Train for ``steps`` generator steps in total (resuming from ``checkpoint_path`` if it
    exists) with :func:`wgan_gp_step`, or until ``max_seconds`` of training in this call
    (:func:`~gan_tutorial.torch.training.fit`'s time guard; ``state.extra["stopped_early"]``
    says which happened, and the checkpoint is saved either way)."""
    data = phrase_batches(rolls, batch_size, state.data_gen, n_critic)
    step = partial(wgan_gp_step, n_critic=n_critic, gp_weight=gp_weight, gp_samples=gp_samples)
    fit_kwargs.update(max_seconds=max_seconds, checkpoint_path=checkpoint_path)
    return fit(state, data, steps, step_fn=step, desc="MuseGAN", **fit_kwargs)


@torch.no_grad()
def generate(
    G: nn.Module, n: int, seed: int = 1234, batch_size: int = 64, transform: Callable | None = None
) -> np.ndarray:
    """``(n, tracks, steps, pitches)`` float32 note probabilities from ``n`` seeded latents
    (eval mode; the training state's random streams are not touched)."""
    g = torch.Generator().manual_seed(seed)
    z = torch.randn(n, latent_dim(G), generator=g)
    was = G.training
    G.eval()
    device = next(G.parameters()).device
    out = [G(zb.to(device)).cpu() for zb in z.split(batch_size)]
    G.train(was)
    x = torch.cat(out).numpy()
    return transform(x) if transform is not None else x
