#!/usr/bin/env python3
"""POT peer for `cargo xtask bench --peers`: runs POT on the same .npy problem as `host`.

usage: pot_peer.py sparse   DIR --k K --gamma G [--stop-thr T] [--max-iter N]
       pot_peer.py sinkhorn DIR --reg EPS [--stop-thr T] [--max-iter N]

DIR holds C.npy, a.npy, b.npy. Prints one JSON object: seconds (solver call only),
the objective (sparse: the semi-dual value at POT's alpha, computed with the same formula
as host's solver) or the marginal error ||T1 - a||_1 + ||T^T 1 - b||_1 (sinkhorn),
plus transport cost and POT's version. Threads follow OMP_NUM_THREADS etc. (set by xtask).
"""
import argparse
import contextlib
import io
import json
import os
import sys
import time

import numpy as np
import ot
from ot.smooth import SparsityConstrained, semi_dual_obj_grad


def load(d):
    c = np.load(os.path.join(d, "C.npy")).astype(np.float64)
    a = np.load(os.path.join(d, "a.npy")).astype(np.float64)
    b = np.load(os.path.join(d, "b.npy")).astype(np.float64)
    return c, a, b


def marginal_error(t, a, b):
    return float(np.abs(t.sum(1) - a).sum() + np.abs(t.sum(0) - b).sum())


def main():
    p = argparse.ArgumentParser()
    p.add_argument("problem", choices=["sparse", "sinkhorn", "check"])
    p.add_argument("--method", default="sinkhorn")
    p.add_argument("--plan", default="")
    p.add_argument("dir")
    p.add_argument("--k", type=int, default=2)
    p.add_argument("--gamma", type=float, default=1.0)
    p.add_argument("--reg", type=float, default=1.0)
    p.add_argument("--stop-thr", type=float, default=1e-9)
    p.add_argument("--max-iter", type=int, default=100000)
    args = p.parse_args()
    if args.problem == "check":
        # The one check of every written plan (ours and POT's): the same formula for both.
        a = np.load(os.path.join(args.dir, "a.npy"))
        b = np.load(os.path.join(args.dir, "b.npy"))
        t = np.load(args.plan)
        json.dump({"marginal_error": marginal_error(t, a, b)}, sys.stdout)
        print()
        return
    c, a, b = load(args.dir)
    out = {"pot_version": ot.__version__}
    if args.problem == "sparse":
        # POT 0.9.7 prints a stray line from its sparse projection: keep stdout for JSON.
        with contextlib.redirect_stdout(io.StringIO()):
            t0 = time.perf_counter()
            plan, log = ot.smooth.smooth_ot_semi_dual(
                a, b, c, args.gamma, reg_type="sparsity_constrained",
                max_nz=args.k, stopThr=args.stop_thr, numItermax=args.max_iter,
                log=True)
            secs = time.perf_counter() - t0
            regul = SparsityConstrained(max_nz=args.k, gamma=args.gamma)
            obj, _ = semi_dual_obj_grad(log["alpha"], a, b, c, regul)
        out.update(
            seconds=secs,
            dual_objective=float(obj),
            transport_cost=float((plan * c).sum()),
            marginal_error=marginal_error(plan, a, b),
            max_nonzeros_per_column=int((plan != 0).sum(0).max()),
            iterations=int(log["res"].nit),
        )
    else:
        import warnings
        with warnings.catch_warnings(record=True) as warns:
            warnings.simplefilter("always")
            t0 = time.perf_counter()
            plan, log = ot.sinkhorn(a, b, c, args.reg, method=args.method,
                                    stopThr=args.stop_thr, numItermax=args.max_iter,
                                    log=True)
            secs = time.perf_counter() - t0
        if args.plan:
            np.save(args.plan, plan)
        err = marginal_error(plan, a, b)
        out.update(
            method=args.method,
            iterations=int(log.get("niter", -1)),
            converged=bool(np.isfinite(err) and not any(
                "did not converge" in str(w.message) or "Numerical errors" in str(w.message)
                for w in warns)),
            seconds=secs,
            transport_cost=float((plan * c).sum()),
            marginal_error=err,
        )
    json.dump(out, sys.stdout)
    print()


if __name__ == "__main__":
    main()
