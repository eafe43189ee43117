"""Reference solutions for notebook 22b's exercises (PyTorch), and the typical wrong answers."""

import math

import torch
import torch.nn.functional as F
from torch import nn

from gan_tutorial.torch.models import SourceGenerator


# Exercises 22b.3 and 22b.4: the BCE losses from logits ------------------------------------
def d_loss(real_logits, fake_logits):
    real_loss = F.binary_cross_entropy_with_logits(real_logits, torch.ones_like(real_logits))
    fake_loss = F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))
    return real_loss + fake_loss


def d_loss_from_probabilities(real_logits, fake_logits):
    """Sigmoid, then BCELoss: PyTorch clamps log at -100, so confident mistakes are wrong."""
    bce = nn.BCELoss()
    real, fake = torch.sigmoid(real_logits), torch.sigmoid(fake_logits)
    return bce(real, torch.ones_like(real)) + bce(fake, torch.zeros_like(fake))


def d_loss_averaged(real_logits, fake_logits):
    return 0.5 * d_loss(real_logits, fake_logits)


def g_loss(fake_logits):
    return F.softplus(-fake_logits).mean()


def g_loss_target_zero(fake_logits):
    return F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))


# Exercise 22b.1: the source's generator, fixed, in PyTorch --------------------------------
class Generator(nn.Module):
    def __init__(self, latent_dim):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(latent_dim, 64 * 4 * 4),
            nn.LeakyReLU(0.2),
            nn.Unflatten(1, (64, 4, 4)),
            nn.ConvTranspose2d(64, 64, 4, stride=2, padding=1),  # 8x8
            nn.LeakyReLU(0.2),
            nn.ConvTranspose2d(64, 32, 4, stride=2, padding=1),  # 16x16
            nn.LeakyReLU(0.2),
            nn.ConvTranspose2d(32, 16, 4, stride=2, padding=1),  # 32x32
            nn.LeakyReLU(0.2),
            nn.ConvTranspose2d(16, 1, 4, stride=2, padding=1),  # 64x64
            nn.Tanh(),
        )

    def forward(self, z):
        return self.net(z)


def build_generator(latent_dim):
    return Generator(latent_dim)


def build_generator_source(latent_dim):
    return SourceGenerator(latent_dim)


# Exercise 22b.2 (predict) and 22b.5 (explore) ---------------------------------------------
NEUTRAL_D_LOSS = 2 * math.log(2)
MODE_COLLAPSE = "b"
EXPLORE_22B_5 = """Sample answer: moving one latent slider from -3 to 3 often leaves the pitch
unchanged over long stretches and then jumps: several regions of z map to the same note
(partial mode collapse); timbre and loudness change more smoothly. The generator is
deterministic: the same z always gives the same spectrogram."""

SOLUTIONS = {
    "check_d_loss": d_loss,
    "check_g_loss": g_loss,
    "check_neutral_d_loss": NEUTRAL_D_LOSS,
    "check_generator_64": build_generator,
    "check_mode_collapse": MODE_COLLAPSE,
}
FRAMEWORK = "torch"
WRONG = {
    "check_d_loss": [(d_loss_from_probabilities, "confident"), (d_loss_averaged, "averaged")],
    "check_g_loss": [(g_loss_target_zero, "target is 1")],
    "check_neutral_d_loss": [(math.log(2), "two terms")],
    "check_generator_64": [(build_generator_source, "strides=2")],
    "check_mode_collapse": [("c", "deterministic")],
}
