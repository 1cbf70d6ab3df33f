"""The README's Python figures: per-call overhead of a 256-element softmax against
scipy.special.softmax, rows/s of a batched 10,000 × 256 softmax, and a Sinkhorn solve from
Python against the `mcuk sinkhorn` CLI on the same problem.

    python python/bench.py [path/to/mcuk]   # the CLI, default target/release/mcuk
"""
import os
import pathlib
import subprocess
import sys
import tempfile
import time
import timeit

import numpy as np
import scipy.special

import mcuk

ROOT = pathlib.Path(__file__).resolve().parents[1]


def best(stmt, number, repeat=7):
    return min(timeit.repeat(stmt, number=number, repeat=repeat)) / number


def main():
    rng = np.random.default_rng(1)
    x = rng.uniform(-8, 8, 256).astype(np.float32)
    t_mcuk = best(lambda: mcuk.softmax(x), 20000)
    t_scipy = best(lambda: scipy.special.softmax(x), 20000)
    print(f"softmax, 256 elements, one call: mcuk {t_mcuk * 1e6:.2f} µs, scipy {t_scipy * 1e6:.2f} µs")

    xb = rng.uniform(-8, 8, (10_000, 256)).astype(np.float32)
    tb_mcuk = best(lambda: mcuk.softmax(xb), 5)
    tb_scipy = best(lambda: scipy.special.softmax(xb, axis=1), 5)
    print(f"softmax, 10,000 × 256: mcuk {1e4 / tb_mcuk:,.0f} rows/s ({tb_mcuk * 1e3:.1f} ms), "
          f"scipy {1e4 / tb_scipy:,.0f} rows/s ({tb_scipy * 1e3:.1f} ms)")

    cli = sys.argv[1] if len(sys.argv) > 1 else str(ROOT / "target" / "release" / "mcuk")
    m = n = 1000
    xs, xt = rng.normal(size=(m, 2)), rng.normal(size=(n, 2)) + 1
    M = ((xs[:, None, :] - xt[None, :, :]) ** 2).sum(-1)
    a = np.full(m, 1 / m)
    b = np.full(n, 1 / n)
    reg = 0.01
    with tempfile.TemporaryDirectory(prefix="mcuk-bench-") as d:
        np.save(os.path.join(d, "M.npy"), M)
        np.save(os.path.join(d, "a.npy"), a)
        np.save(os.path.join(d, "b.npy"), b)
        args = [cli, "sinkhorn", "--cost", f"{d}/M.npy", "--a", f"{d}/a.npy", "--b", f"{d}/b.npy",
                "--epsilon", str(reg), "--quiet", "--format", "json"]
        t_cli = []
        for _ in range(5):
            t0 = time.perf_counter()
            subprocess.run(args, check=True, capture_output=True)
            t_cli.append(time.perf_counter() - t0)
        t_py = []
        for _ in range(5):
            t0 = time.perf_counter()
            r = mcuk.sinkhorn(a, b, M, reg=reg)
            t_py.append(time.perf_counter() - t0)
        print(f"sinkhorn {m}×{n}, reg {reg}: Python {min(t_py) * 1e3:.1f} ms (converged {r.converged}, "
              f"{r.iterations} sweeps), CLI {min(t_cli) * 1e3:.1f} ms (process, .npy reads and solve); "
              f"Python/CLI = {min(t_py) / min(t_cli):.3f}")


if __name__ == "__main__":
    main()
