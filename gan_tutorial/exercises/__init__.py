"""Exercises with instant checks: one module of checkers per notebook, on a shared core.

Every ``check_*`` function takes the learner's answer, prints ✓ (with what was verified),
✗ (with a hint naming the likely mistake) or "not attempted yet", returns a
:class:`~gan_tutorial.exercises.core.Result` and never raises. See
:mod:`gan_tutorial.exercises.core` for how to write a checker. Reference solutions and
typical wrong answers live in ``solutions/<notebook>.py``; ``make solutions`` checks them.

Modules: :mod:`.ex00` (spectrogram shapes), :mod:`.ex22` (notebooks 22 and 22b: the 64x64
generator, BCE losses from logits), :mod:`.ex23` (gradient penalty, label smoothing,
n_critic), :mod:`.ex24` (Fréchet distance, Inception Score, JS divergence), :mod:`.ex22c`
(the alto's latent, n_critic, sampling a held note, the share in a given key, a step-wise
walk), :mod:`.ex25` (projection discriminator logits, label swap, EMA time constant,
mode-seeking term, a velocity head), :mod:`.ex26` (the instantaneous frequency of a phase
array, a pure tone's IF, the FFT size that separates two close partials). PyTorch and Keras
are imported only inside the checkers that need them.
"""

from gan_tutorial.exercises.core import (
    Check,
    Result,
    check_choice,
    check_number,
    exercise,
    is_unattempted,
)
from gan_tutorial.exercises.ex00 import check_chorale_frames, check_nfft_tradeoff, check_spec_shape
from gan_tutorial.exercises.ex22 import (
    check_d_loss,
    check_g_loss,
    check_generator_64,
    check_mode_collapse,
    check_neutral_d_loss,
    check_upsampling_layers,
)
from gan_tutorial.exercises.ex22c import (
    check_alto_latent,
    check_held_note_sampling,
    check_real_phrases_per_step,
    check_share_in_key,
    check_step_walks,
)
from gan_tutorial.exercises.ex23 import (
    check_critic_schedule,
    check_critic_steps_reason,
    check_gradient_penalty,
    check_label_smoothing,
    check_source_penalty_prediction,
)
from gan_tutorial.exercises.ex24 import (
    check_fid_sample_size,
    check_frechet_distance,
    check_inception_score,
    check_is_one_note,
    check_js_distance,
    check_js_divergence,
)
from gan_tutorial.exercises.ex25 import (
    check_ema_horizon,
    check_label_swap,
    check_mode_seeking,
    check_projection_logits,
    check_velocity_head,
)
from gan_tutorial.exercises.ex26 import (
    check_close_partials_nfft,
    check_instantaneous_frequency,
    check_tone_if,
)

__all__ = [
    "Check",
    "Result",
    "check_alto_latent",
    "check_choice",
    "check_chorale_frames",
    "check_close_partials_nfft",
    "check_critic_schedule",
    "check_critic_steps_reason",
    "check_d_loss",
    "check_ema_horizon",
    "check_fid_sample_size",
    "check_frechet_distance",
    "check_g_loss",
    "check_generator_64",
    "check_gradient_penalty",
    "check_held_note_sampling",
    "check_inception_score",
    "check_instantaneous_frequency",
    "check_is_one_note",
    "check_js_distance",
    "check_js_divergence",
    "check_label_smoothing",
    "check_label_swap",
    "check_mode_collapse",
    "check_mode_seeking",
    "check_neutral_d_loss",
    "check_nfft_tradeoff",
    "check_number",
    "check_projection_logits",
    "check_real_phrases_per_step",
    "check_share_in_key",
    "check_source_penalty_prediction",
    "check_spec_shape",
    "check_step_walks",
    "check_tone_if",
    "check_upsampling_layers",
    "check_velocity_head",
    "exercise",
    "is_unattempted",
]
