"""Held-out data for judging trained models: made from the course's secret.

A dataset that ships in a package is readable inside the sandbox too, so the
held-out samples are *not* in it: each is a secret-seeded, label-preserving
perturbation of the public samples. The secret lives in the instructor's
``.grader/secret`` file, and only the judge calls these functions.

Example:

>>> x, y = make_heldout("breast_cancer", secret=b"example")
>>> x.shape, y.shape
((569, 30), (569,))
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from pathlib import Path

import numpy as np

SECRET_FILE = "secret"
_GENERATORS: dict[str, Callable[[np.random.Generator], tuple[np.ndarray, np.ndarray]]] = {}


def heldout_set(name: str) -> Callable:
    """Register a generator ``rng -> (x, y)`` under ``name``."""

    def register(function: Callable) -> Callable:
        known = _GENERATORS.get(name)
        if known is not None and known.__qualname__ != function.__qualname__:
            raise ValueError(f"Held-out set {name!r} is already defined by {known.__module__}; choose another name.")
        _GENERATORS[name] = function
        return function

    return register


def make_heldout(name: str, secret: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Build held-out set ``name`` from ``secret`` (the same secret gives the same data)."""
    if name not in _GENERATORS:
        raise KeyError(f"Unknown held-out set {name!r}. Known: {', '.join(sorted(_GENERATORS))}")
    seed = int.from_bytes(hashlib.sha256(secret + name.encode()).digest()[:8], "little")
    return _GENERATORS[name](np.random.default_rng(seed))


def perturb_digits(x: np.ndarray, rng: np.random.Generator, noise: float = 1.0) -> np.ndarray:
    """Digits images (any shape, first axis the images) a little lighter or darker, plus pixel noise.

    Each image is scaled by a factor in [0.85, 1.15], then Gaussian noise of
    standard deviation ``noise`` grey levels is added; the result is rounded and
    clipped to 0..16 like scikit-learn's originals, so labels stay right.
    """
    brightness = rng.uniform(0.85, 1.15, size=(len(x),) + (1,) * (np.ndim(x) - 1))
    noisy = np.asarray(x, dtype=np.float64) * brightness + rng.normal(0.0, noise, size=np.shape(x))
    return np.clip(np.rint(noisy), 0.0, 16.0).astype(np.float32)


def load_secret(private_dir: Path) -> bytes:
    """Read the course secret, creating it (mode 600) on first use."""
    path = private_dir / SECRET_FILE
    if not path.exists():
        private_dir.mkdir(parents=True, exist_ok=True)
        path.write_bytes(secrets.token_bytes(32))
        path.chmod(0o600)
    return path.read_bytes()


@heldout_set("breast_cancer")
def _breast_cancer(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_breast_cancer

    data = load_breast_cancer()
    x = data.data.astype(np.float64)
    noisy = x + rng.normal(0.0, 0.05, size=x.shape) * x.std(axis=0)
    return np.clip(noisy, 0.0, None).astype(np.float32), data.target.astype(np.int64)
