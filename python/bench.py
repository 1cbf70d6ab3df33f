"""The README's Python figures: per-call overhead of a 256-element softmax against
scipy.special.softmax, rows/s of a batched 10,000 × 256 softmax, and a Sinkhorn solve from
Python against the `mcuk sinkhorn` CLI on the same problem.

    python python/bench.py [path/to/mcuk]   # the CLI, default target/release/mcuk
"""
import json
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
    reg = 0.2
    with tempfile.TemporaryDirectory(prefix="mcuk-bench-") as d:
        np.save(os.path.join(d, "M.npy"), M)
        np.save(os.path.join(d, "a.npy"), a)
        np.save(os.path.join(d, "b.npy"), b)
        args = [cli, "sinkhorn", "--cost", f"{d}/M.npy", "--a", f"{d}/a.npy", "--b", f"{d}/b.npy",
                "--epsilon", str(reg), "--quiet", "--format", "json"]
        # Interleaved, so that a change of the machine's load hits both alike.
        t_cli, t_cli_solve, t_py = [], [], []
        for _ in range(15):
            t0 = time.perf_counter()
            out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
            t_cli.append(time.perf_counter() - t0)
            cli = json.loads(out.strip().splitlines()[-1])
            t_cli_solve.append(cli["seconds"])
            t0 = time.perf_counter()
            r = mcuk.sinkhorn(a, b, M, reg=reg)
            t_py.append(time.perf_counter() - t0)
        # The same solve: the same objective, bit for bit.
        assert r.objective == cli["dual_objective"] and r.iterations == cli["iterations"]
        py_ms, solve_ms, cli_ms = (np.median(t) * 1e3 for t in (t_py, t_cli_solve, t_cli))
        print(f"sinkhorn {m}×{n}, reg {reg} (median of 15, interleaved): Python call {py_ms:.1f} ms (converged "
              f"{r.converged}, {r.iterations} sweeps), CLI solve {solve_ms:.1f} ms as it reports "
              f"(whole process with the .npy reads {cli_ms:.1f} ms); Python/CLI solve = {py_ms / solve_ms:.3f}")


if __name__ == "__main__":
    main()
