"""Shared helpers of the mcuk test suite."""
import pathlib

import numpy as np
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


def shared_data(name: str) -> pathlib.Path:
    """A file of the shared golden data, found as host/tests finds it
    (`<repo>/../shared/data`, i.e. CARGO_MANIFEST_DIR/../../shared/data)."""
    return ROOT.parent / "shared" / "data" / name


@pytest.fixture
def rng():
    return np.random.default_rng(20261207)


def logit_rows(rng, count=200, max_len=256):
    """Seeded f32 rows of lengths 1..max_len in the shapes the Rust tests use."""
    rows = []
    for i in range(count):
        n = int(rng.integers(1, max_len + 1))
        kind = i % 4
        if kind == 0:
            x = rng.uniform(-8, 8, n)
        elif kind == 1:
            x = rng.uniform(-1, 1, n)
            x[rng.integers(n)] = 30.0
        elif kind == 2:
            x = rng.uniform(-80, 80, n)
        else:
            x = rng.integers(0, 4, n) * 0.5
        rows.append(x.astype(np.float32))
    return rows
