#!/usr/bin/env python3
"""Generates the segment table of `kernels/src/mish/nofpu.rs` (MISH_SEG).

g(x) = tanh(softplus(x)) = n/(n + 2), n = e^x(e^x + 2), on [-20, 9.5) in 118 segments of
width 1/4. On segment s (x = -20 + (s + t)/4, t in [0, 1)) the table holds the degree-4
Chebyshev interpolant of g(x)*2^E_s in t (monomial form), with E_s the largest integer such
that g*2^E_s < 1 on the segment; c0..c4 in Q31, rounded to nearest; the last word holds
c4*2^8 + E_s.
Pure Python (f64 is ample: the interpolation error is 2^-25, the coefficients are rounded to
2^-31). Usage: python3 tools/mish_nofpu/gen_table.py, below the module header of
kernels/src/mish/nofpu/table.rs, then `cargo fmt`.
"""
import math

LO, W, NSEG, DEG = -20.0, 0.25, 118, 4


def g(x):
    u = math.exp(x)
    n = u * (u + 2.0)
    return n / (n + 2.0)


def cheb_fit(f, d):
    n = d + 1
    nodes = [0.5 - 0.5 * math.cos(math.pi * (k + 0.5) / n) for k in range(n)]
    a = [[t**j for j in range(n)] for t in nodes]
    b = [f(t) for t in nodes]
    for i in range(n):
        p = max(range(i, n), key=lambda r: abs(a[r][i]))
        a[i], a[p] = a[p], a[i]
        b[i], b[p] = b[p], b[i]
        for r in range(i + 1, n):
            fct = a[r][i] / a[i][i]
            for c in range(i, n):
                a[r][c] -= fct * a[i][c]
            b[r] -= fct * b[i]
    c = [0.0] * n
    for i in reversed(range(n)):
        c[i] = (b[i] - sum(a[i][j] * c[j] for j in range(i + 1, n))) / a[i][i]
    return c


def main():
    rows, exps = [], []
    for s in range(NSEG):
        x0 = LO + s * W
        gmax = g(x0 + W)
        e = 0
        while gmax * 2.0 ** (e + 1) < 1.0:
            e += 1
        c = cheb_fit(lambda t: g(x0 + W * t) * 2.0**e, DEG)
        q = [int(round(v * 2.0**31)) for v in c]
        # The truncated products of the Horner scheme lose about 1.5 units of 2^-31 on
        # average: centre the error.
        q[0] += 1
        # c4 (|c4| < 2^19) shares its word with E: c4·2^8 + E.
        assert abs(q[4]) < 2**19 and 0 <= e < 256
        q[4] = q[4] * 256 + e
        for v in q:
            assert -(2**31) <= v < 2**31
        rows.append(q)
        exps.append(e)
    print(f"pub(super) const MISH_SEG: [[i32; 5]; {NSEG}] = [")
    for s, q in enumerate(rows):
        print("    [" + ", ".join(str(v) for v in q) + f"], // x = {LO + s * W}")
    print("];")


main()
