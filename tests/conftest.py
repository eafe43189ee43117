"""Shared fixtures. Plots render off-screen; built data goes to a per-session temp folder."""

import os

import matplotlib

matplotlib.use("Agg")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
