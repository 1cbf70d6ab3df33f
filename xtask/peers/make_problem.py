#!/usr/bin/env python3
"""Writes a seeded OT benchmark problem for `cargo xtask bench --peers`.

usage: make_problem.py {uniform,gaussian} N SEED DIR [--no-cost]

uniform:  X, Y i.i.d. uniform in [0, 1]^2;
gaussian: X ~ N(0, I_2), Y ~ N((4, 4), I_2).
Writes X.npy, Y.npy (N x 2), a.npy, b.npy (uniform 1/N) and, unless --no-cost,
C.npy = squared Euclidean distances (N x N, float64).
"""
import os
import sys

import numpy as np


def main():
    kind, n, seed, d = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    rng = np.random.default_rng(seed)
    if kind == "uniform":
        x = rng.random((n, 2))
        y = rng.random((n, 2))
    elif kind == "gaussian":
        x = rng.standard_normal((n, 2))
        y = 4.0 + rng.standard_normal((n, 2))
    else:
        raise SystemExit(f"unknown point set {kind}")
    os.makedirs(d, exist_ok=True)
    np.save(os.path.join(d, "X.npy"), x)
    np.save(os.path.join(d, "Y.npy"), y)
    np.save(os.path.join(d, "a.npy"), np.full(n, 1.0 / n))
    np.save(os.path.join(d, "b.npy"), np.full(n, 1.0 / n))
    if "--no-cost" not in sys.argv:
        c = ((x[:, None, :] - y[None, :, :]) ** 2).sum(-1)
        np.save(os.path.join(d, "C.npy"), c)
        print(float(c.max()))


if __name__ == "__main__":
    main()
