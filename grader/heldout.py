"""Held-out data for judging trained models: made from the course's secret.

A dataset that ships in a package is readable inside the sandbox too, so the
held-out samples are *not* in it: each is a secret-seeded, label-preserving
perturbation of the public samples (the generators are in
`grader.heldout_sets`, one table). The secret lives in the instructor's
``.grader/secret`` file, and only the judge calls these functions.

Example:

>>> x, y = make_heldout("breast_cancer", secret=b"example")
>>> x.shape, y.shape
((569, 30), (569,))
"""

from __future__ import annotations

import hashlib
import secrets
from pathlib import Path

import numpy as np

SECRET_FILE = "secret"


def make_heldout(name: str, secret: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Build held-out set ``name`` from ``secret`` (the same secret gives the same data)."""
    from grader.heldout_sets import generator

    make = generator(name)
    seed = int.from_bytes(hashlib.sha256(secret + name.encode()).digest()[:8], "little")
    return make(np.random.default_rng(seed))


def load_secret(private_dir: Path) -> bytes:
    """Read the course secret, creating it (mode 600) on first use."""
    path = private_dir / SECRET_FILE
    if not path.exists():
        private_dir.mkdir(parents=True, exist_ok=True)
        path.write_bytes(secrets.token_bytes(32))
        path.chmod(0o600)
    return path.read_bytes()
