"""Figures written next to the trained model (matplotlib, part of the ``train`` extra)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def save_confusion_matrix(matrix: np.ndarray, path: Path, title: str) -> None:
    """Counts with a log colour scale, so the few errors show beside the large diagonal."""
    matrix = np.asarray(matrix)
    fig, ax = plt.subplots(figsize=(6.4, 5.6), dpi=110)
    image = ax.imshow(np.log1p(matrix), cmap="Blues")
    classes = matrix.shape[0]
    names = [str(c) if c < 10 else "not" for c in range(classes)]  # class 10: not a digit
    ax.set_xticks(range(classes), names)
    ax.set_yticks(range(classes), names)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.set_title(title, fontsize=10)
    limit = np.log1p(matrix.max()) / 2
    for (row, col), count in np.ndenumerate(matrix):
        if count:
            colour = "white" if np.log1p(count) > limit else "black"
            ax.text(col, row, str(count), ha="center", va="center", fontsize=7, color=colour)
    fig.colorbar(image, ax=ax, label="log(1 + count)")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def save_training_curves(history: dict[str, list[float]], path: Path) -> None:
    """Loss and accuracy per epoch, training (augmented) against validation."""
    epochs = np.arange(1, len(history["loss"]) + 1)
    fig, (loss_ax, acc_ax) = plt.subplots(1, 2, figsize=(9, 3.6), dpi=110)
    for key, label in (("loss", "train (augmented)"), ("val_loss", "validation")):
        loss_ax.plot(epochs, history[key], marker=".", label=label)
    for key, label in (("accuracy", "train (augmented)"), ("val_accuracy", "validation")):
        acc_ax.plot(epochs, history[key], marker=".", label=label)
    loss_ax.set_yscale("log")
    loss_ax.set_title("loss", fontsize=10)
    acc_ax.set_title("accuracy", fontsize=10)
    for ax in (loss_ax, acc_ax):
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
