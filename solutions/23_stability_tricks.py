"""Reference solutions for notebook 23's exercises, and the typical wrong answers.

``SOLUTIONS`` maps each checker name to its reference answer; ``WRONG`` maps it to
``(wrong answer, words the checker's hint must contain)`` pairs.
"""

import numpy as np
import torch


# Exercise 23.2: one-sided label smoothing -------------------------------------------------
def label_targets(batch, real=0.9):
    return np.full(batch, real, dtype=np.float32), np.zeros(batch, dtype=np.float32)


def label_targets_two_sided(batch, real=0.9):
    return np.full(batch, real), np.full(batch, 1 - real)


# Exercise 23.1: the n_critic schedule ------------------------------------------------------
def critic_schedule(n_critic, total):
    return ["G" if i % (n_critic + 1) == n_critic else "D" for i in range(total)]


def critic_schedule_off_by_one(n_critic, total):
    return ["G" if i % n_critic == n_critic - 1 else "D" for i in range(total)]


# Exercise 23.3: the per-sample gradient penalty -------------------------------------------
def gradient_penalty(critic, real, fake, weight):
    eps = torch.rand(real.size(0), 1, 1, 1, device=real.device)
    x_hat = (eps * real + (1 - eps) * fake).requires_grad_(True)
    scores = critic(x_hat)
    (grads,) = torch.autograd.grad(scores.sum(), x_hat, create_graph=True)
    norms = grads.flatten(1).norm(2, dim=1)
    return weight * ((norms - 1) ** 2).mean()


def gradient_penalty_per_pixel(critic, real, fake, weight):
    """Accepted with a note: one weight per pixel puts x_hat off the real-fake line."""
    eps = torch.rand_like(real)
    x_hat = (eps * real + (1 - eps) * fake).requires_grad_(True)
    (grads,) = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
    return weight * ((grads.flatten(1).norm(2, dim=1) - 1) ** 2).mean()


def gradient_penalty_randn_per_pixel(critic, real, fake, weight):
    """Wrong: Gaussian weights put x_hat outside the segment between real and fake."""
    eps = torch.randn_like(real)
    x_hat = (eps * real + (1 - eps) * fake).requires_grad_(True)
    (grads,) = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
    return weight * ((grads.flatten(1).norm(2, dim=1) - 1) ** 2).mean()


def gradient_penalty_source(critic, real, fake, weight):
    """The chapter's code: one norm over the whole batch."""
    alpha = torch.rand(real.size(0), 1, 1, 1, requires_grad=True)
    interpolated = alpha * real + (1 - alpha) * fake
    d_interpolated = critic(interpolated)
    gradients = torch.autograd.grad(
        outputs=d_interpolated,
        inputs=interpolated,
        grad_outputs=torch.ones(d_interpolated.size()),
        create_graph=True,
        retain_graph=True,
    )[0]
    return weight * ((gradients.norm(2) - 1) ** 2).mean()


def gradient_penalty_no_create_graph(critic, real, fake, weight):
    eps = torch.rand(real.size(0), 1, 1, 1)
    x_hat = (eps * real + (1 - eps) * fake).requires_grad_(True)
    (grads,) = torch.autograd.grad(critic(x_hat).sum(), x_hat)
    return weight * ((grads.flatten(1).norm(2, dim=1) - 1) ** 2).mean()


def gradient_penalty_shared_eps(critic, real, fake, weight):
    eps = torch.rand(1)
    x_hat = (eps * real + (1 - eps) * fake).requires_grad_(True)
    (grads,) = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
    return weight * ((grads.flatten(1).norm(2, dim=1) - 1) ** 2).mean()


# Exercise 23.4 (predict) and 23.5 (explore) ------------------------------------------------
SOURCE_PENALTY_AT_16 = 90.0
CRITIC_STEPS_REASON = "a"
EXPLORE_23_5 = """Sample answer: (a). The WGAN critic's loss estimates the Wasserstein distance
only when the critic is near its optimum for the current generator, and the generator's
gradient comes from that critic; several critic steps per generator step keep it close.
What you see depends on the seed and the budget: often n_critic = 1 covers fewer of the
ring's modes, or covers them more slowly, while n_critic = 5 takes several times as many
seconds for the same number of generator steps."""

SOLUTIONS = {
    "check_label_smoothing": label_targets,
    "check_critic_schedule": critic_schedule,
    "check_gradient_penalty": gradient_penalty,
    "check_source_penalty_prediction": SOURCE_PENALTY_AT_16,
    "check_critic_steps_reason": CRITIC_STEPS_REASON,
}
ALSO_CORRECT = {"check_gradient_penalty": [gradient_penalty_per_pixel]}
NOTES = {  # accepted variant -> words its note must contain
    "gradient_penalty_per_pixel": "ONE weight per sample",
}
WRONG = {
    "check_label_smoothing": [(label_targets_two_sided, "TWO-sided")],
    "check_critic_schedule": [(critic_schedule_off_by_one, "Off by one")],
    "check_gradient_penalty": [
        (
            gradient_penalty_source,
            "your penalty grows with the batch size: the norm must be taken per sample",
        ),
        (gradient_penalty_no_create_graph, "create_graph=True"),
        (gradient_penalty_shared_eps, "same interpolation weight"),
        (gradient_penalty_randn_per_pixel, "does not lie between real[i] and fake[i]"),
    ],
    "check_source_penalty_prediction": [(0.0, "per-sample")],
    "check_critic_steps_reason": [("c", "CRITIC updates")],
}
