"""PyTorch implementations for the course (models, losses, training tricks)."""
