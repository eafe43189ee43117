"""PyTorch implementations for the course (models, losses, training tricks)."""

__all__: list[str] = []
