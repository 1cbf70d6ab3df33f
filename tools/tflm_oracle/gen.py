#!/usr/bin/env python3
"""TFLite-Micro oracle rows for the crate's TFLite-Micro-exact quantized softmax (issue #28).

Builds one-operator SOFTMAX models (input `[1, N]`, per-tensor scale and zero point, `beta`)
with the flatbuffer schema classes shipped inside the `tflite-micro` wheel, runs seeded rows
through TFLite-Micro's own Python interpreter (its reference kernels) and writes one JSON
object per row:

    {"v": "s8s8" | "s8s16" | "s16s16", "tag": kind of row, "scale": f32 bits, "beta": f32 bits,
     "zp": input zero point, "n": N, "x": [...], "status": "ok" | "abort_prepare" | "abort_eval"
     | "refused", "y": [...] (TFLM's output, only for "ok"), "signal": the aborted child's
     signal (6 = SIGABRT),
     "mult", "shift", "diff_min": parameters derived here from TFLM's Prepare formulas
     (informative: the Rust test checks the outputs against TFLM, these only help to diagnose)}

A TFLM check failure (`TFLITE_CHECK`) aborts the process, so rows run in forked children that
stream one result line per row; when a child dies the row it was on is recorded as aborted
(in Prepare, i.e. while the interpreter was being built, or in Eval) and a new child resumes
at the next row. Two children run at a time.

The first line is a header `{"meta": {...}}` (TFLM version, seed, generator hash, counts).
Output: `<out-dir>/rows-<key>.jsonl`, `key` = hash of this file, the seed and the TFLM
version; an existing file with that key is reused. The path is the last line on stdout.

Usage: gen.py [--out-dir DIR] [--seed N] [--force]
"""

import argparse
import hashlib
import json
import os
import select
import struct
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import flatbuffers  # noqa: E402
from tflite_micro.python.tflite_micro import runtime  # noqa: E402
from tflite_micro.python.tflite_micro import _version as tflm_version  # noqa: E402
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as fb  # noqa: E402

LANES = 2


def f32(x):
    """Round a Python float to the nearest f32 (TFLite stores scales and beta as f32)."""
    return struct.unpack("<f", struct.pack("<f", x))[0]


def f32_bits(x):
    return struct.unpack("<I", struct.pack("<f", x))[0]


def f32_next_up(x):
    return struct.unpack("<f", struct.pack("<I", f32_bits(x) + 1))[0]


def f32_next_down(x):
    return struct.unpack("<f", struct.pack("<I", f32_bits(x) - 1))[0]


# ----------------------------------------------------------------------------------------
# The model


TYPES = {
    "s8s8": ("INT8", "INT8", 1.0 / 256, -128),
    "s8s16": ("INT8", "INT16", 1.0 / 65536, -32768),
    "s16s16": ("INT16", "INT16", 1.0 / 32768, 0),
}


def build_model(v, n, scale, zp, beta):
    in_t, out_t, out_scale, out_zp = TYPES[v]

    def tensor(name, t, buf, s, z):
        tt = fb.TensorT()
        tt.shape = [1, n]
        tt.type = getattr(fb.TensorType, t)
        tt.buffer = buf
        tt.name = name
        q = fb.QuantizationParametersT()
        q.scale = [s]
        q.zeroPoint = [z]
        tt.quantization = q
        return tt

    sg = fb.SubGraphT()
    sg.tensors = [tensor(b"input", in_t, 1, scale, zp), tensor(b"output", out_t, 2, out_scale, out_zp)]
    sg.inputs = [0]
    sg.outputs = [1]
    op = fb.OperatorT()
    op.opcodeIndex = 0
    op.inputs = [0]
    op.outputs = [1]
    op.builtinOptionsType = fb.BuiltinOptions.SoftmaxOptions
    opts = fb.SoftmaxOptionsT()
    opts.beta = beta
    op.builtinOptions = opts
    sg.operators = [op]
    oc = fb.OperatorCodeT()
    oc.builtinCode = fb.BuiltinOperator.SOFTMAX
    oc.deprecatedBuiltinCode = fb.BuiltinOperator.SOFTMAX
    oc.version = 1
    m = fb.ModelT()
    m.version = 3
    m.operatorCodes = [oc]
    m.subgraphs = [sg]
    m.buffers = [fb.BufferT(), fb.BufferT(), fb.BufferT()]
    m.description = b"softmax oracle"
    b = flatbuffers.Builder(1024)
    b.Finish(m.Pack(b), file_identifier=b"TFL3")
    return bytes(b.Output())


# ----------------------------------------------------------------------------------------
# Parameters as TFLM's Prepare derives them (informative; see the module docstring)


def quantize_multiplier(d):
    if d == 0.0:
        return 0, 0
    import math

    q, shift = math.frexp(d)
    # TfLiteRound = std::round: half away from zero.
    q_fixed = int(math.floor(q * (1 << 31) + 0.5))
    if q_fixed == 1 << 31:
        q_fixed //= 2
        shift += 1
    if shift < -31:
        return 0, 0
    return q_fixed, shift


def derived_params(v, scale, beta):
    import math

    if v == "s16s16":
        m, s = quantize_multiplier(float(scale) * float(beta) / (10.0 / 65535.0))
        return {"mult": m, "shift": s}
    real = min(float(beta) * float(scale) * float(1 << 26), float((1 << 31) - 1))
    if not real > 1.0:
        return {"mult": None, "shift": None, "diff_min": None}
    m, s = quantize_multiplier(real)
    radius = math.floor(31.0 * float(1 << 26) / float(1 << s))
    return {"mult": m, "shift": s, "diff_min": -int(radius)}


# ----------------------------------------------------------------------------------------
# The rows


class Gen:
    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)
        self.rows = []

    def add(self, v, tag, scale, zp, beta, x):
        scale = f32(scale)
        beta = f32(beta)
        # numpy arrays keep the parent small, so that forking a child stays cheap.
        x = np.asarray(x, dtype=np.int64)
        lo, hi = (-32768, 32767) if v == "s16s16" else (-128, 127)
        assert x.size > 0 and x.min() >= lo and x.max() <= hi, (v, tag)
        x = x.astype(np.int16 if v == "s16s16" else np.int8)
        self.rows.append({"v": v, "tag": tag, "scale": scale, "zp": int(zp), "beta": beta, "x": x})

    def scale_s8(self):
        # log-uniform S_in·β over [2^-26, 2^6]: from TFLM's refusal up past its cap (32).
        return float(2.0 ** self.rng.uniform(-25.9, 6.0))

    def n_random(self, big_share=0.06, mid=1001):
        r = self.rng.random()
        if r < 0.55:
            return int(self.rng.integers(1, 65))
        if r < 0.85:
            return int(self.rng.integers(65, mid))
        if r < 1.0 - big_share:
            return int(self.rng.integers(1001, 4001))
        return int(self.rng.integers(4001, 12001))

    def values(self, n, lo, hi):
        """A row of n values in [lo, hi] drawn from one of several shapes."""
        rng = self.rng
        kind = rng.integers(0, 7)
        if kind == 0:  # uniform over the whole range
            return rng.integers(lo, hi + 1, size=n), "uniform"
        if kind == 1:  # a narrow band below a random maximum
            top = int(rng.integers(lo, hi + 1))
            width = int(rng.integers(0, 1 + min(64, top - lo)))
            return rng.integers(top - width, top + 1, size=n), "band"
        if kind == 2:  # few distinct values: ties
            k = int(rng.integers(1, 4))
            vals = rng.integers(lo, hi + 1, size=k)
            return vals[rng.integers(0, k, size=n)], "ties"
        if kind == 3:  # extremes only
            return rng.choice([lo, hi], size=n), "extremes"
        if kind == 4:  # one hot over a constant background
            x = np.full(n, int(rng.integers(lo, hi + 1)))
            x[int(rng.integers(0, n))] = hi
            return x, "onehot"
        if kind == 5:  # gaussian logits
            c = rng.uniform(lo, hi)
            sd = rng.uniform(1, (hi - lo) / 8)
            return np.clip(np.rint(rng.normal(c, sd, size=n)), lo, hi), "gauss"
        # equal logits at a random value
        return np.full(n, int(rng.integers(lo, hi + 1))), "equal"

    def s8_family(self, v, n_random_rows, zp_offset):
        rng = self.rng
        betas = [1.0, 1.0, 1.0, 1.0, 0.5, 1.7, 2.0, 0.25, 10.0, 0.1]
        for i in range(n_random_rows):
            zp = (i + zp_offset) % 256 - 128  # every int8 zero point
            beta = betas[int(rng.integers(0, len(betas)))]
            scale = self.scale_s8() / beta
            # int8 output: TFLM aborts once the Q12.19 sum reaches 512, so most rows stay
            # below 512 elements (each abort costs a new child process).
            n = self.n_random(big_share=0.03, mid=512) if v == "s8s8" else self.n_random()
            x, kind = self.values(n, -128, 127)
            self.add(v, "random/" + kind, scale, zp, beta, x)
        # equal logits: the Q12.19 sum is N·2^19 (mod 2^32 in TFLM's int32).
        ns = [1, 2, 3, 255, 256, 510, 511, 512, 513, 1000, 4095, 4096, 4097, 8191, 8192, 8193,
              8200, 8703, 8704, 9000, 12000]
        for n in ns:
            for scale in [1.0 / 255, 0.1]:
                self.add(v, "equal", scale, 0, 1.0, [int(rng.integers(-128, 128))] * n)
        # near the int8 sum limit (512 in Q12.19): k maxima, the rest one step below.
        for n in range(505, 521):
            for k in [1, 2, 5]:
                self.add(v, "near512", 1.0 / 255, -3, 1.0, [10] * k + [9] * (n - k))
        # 8191 maxima and one more element: sum at or just past 2^32.
        for d in [0, 1, 2, 40, 255]:
            self.add(v, "near2^32", 1.0 / 16, 0, 1.0, [127] * 8191 + [127 - d])
        # tiny S_in·β: TFLM's Prepare refuses S_in·β·2^26 ≤ 1.
        t = 2.0 ** -26
        for scale, beta in [(t, 1.0), (f32_next_up(f32(t)), 1.0), (f32_next_down(f32(t)), 1.0),
                            (2.0 ** -27, 1.0), (1.5 * 2.0 ** -27, 1.0), (2.0 ** -25, 0.5),
                            (f32_next_up(f32(2.0 ** -25)), 0.5), (2.0 ** -30, 1.0), (1e-12, 1.0),
                            (3 * t, 1.0), (t, 2.0), (2.0 ** -27, 1.999)]:
            for x in [[5, -7, 127, -128], list(range(-128, 128))]:
                self.add(v, "tiny", scale, 1, beta, x)
        # large S_in·β: TFLM caps the multiplier at 2^31 − 1 (S_in·β ≈ 32).
        for scale in [31.9, 32.0, 32.5, 100.0, 1e6]:
            for x in [[5, 4, 127, 127, -128], [0, 1], list(range(-128, 128))]:
                self.add(v, "large", scale, 0, 1.0, x)

    def s16_family(self, n_random_rows):
        rng = self.rng
        betas = [1.0, 1.0, 1.0, 1.0, 0.5, 1.7, 2.0, 0.25, 10.0]
        for i in range(n_random_rows):
            beta = betas[int(rng.integers(0, len(betas)))]
            r = rng.random()
            if r < 0.85:  # typical int16 scales: |range| from ~0.001 to ~20 times 65536 steps
                s = 2.0 ** rng.uniform(-26, -1)
            elif r < 0.95:
                s = 2.0 ** rng.uniform(-1, 4)  # includes the wrap region S_in·β ≥ 5
            else:
                s = 2.0 ** rng.uniform(-40, -26)
            n = self.n_random(big_share=0.04)
            x, kind = self.values(n, -32768, 32767)
            self.add("s16s16", "random/" + kind, s / beta, 0, beta, x)
        # issue #28's reproducer: S_in = 10/65535, β = 1.7, N = 1000 (f32 vs double product).
        for _ in range(12):
            self.add("s16s16", "repro1.7", 10.0 / 65535, 0, 1.7, rng.integers(-32768, 32768, size=1000))
        # the wrap region: diff·2^shift in int32 for S_in·β ≥ 5.0002.
        for scale in [4.9, 5.0, 5.0001, 5.0003, 5.001, 6.0, 8.0, 16.0, 100.0, 1000.0, 50000.0, 200000.0]:
            self.add("s16s16", "wrap", scale, 0, 1.0, [-32768, 32767])
            self.add("s16s16", "wrap", scale, 0, 1.0, [-32768, 0, 32767, 1, -1, 16384, -16385])
            self.add("s16s16", "wrap", scale, 0, 1.0, rng.integers(-32768, 32768, size=64))
            self.add("s16s16", "wrap", scale, 0, 1.0, rng.integers(-100, 100, size=64))
        # equal logits and ties
        for n in [1, 2, 3, 100, 1000, 4096, 8192, 12000]:
            self.add("s16s16", "equal", 1.0 / 4096, 0, 1.0, [int(rng.integers(-32768, 32768))] * n)
        # extremes at tiny scales (QuantizeMultiplier flushes below 2^-31)
        for scale in [2.0 ** -26, 2.0 ** -40, 1e-12, 1e-20]:
            self.add("s16s16", "tiny", scale, 0, 1.0, [-32768, 32767, 0])

    def all_rows(self):
        self.s8_family("s8s8", 4800, 0)
        self.s8_family("s8s16", 1300, 128)
        self.s16_family(1400)
        return self.rows


# ----------------------------------------------------------------------------------------
# Running TFLM in forked children


def child(rows, start, end, wfd):
    out = os.fdopen(wfd, "w", buffering=1)
    for i in range(start, end):
        r = rows[i]
        n = len(r["x"])
        try:
            model = build_model(r["v"], n, r["scale"], r["zp"], r["beta"])
            it = runtime.Interpreter.from_bytes(model, arena_size=16 * 1024 + 8 * n)
        except Exception as e:  # TF_LITE_ENSURE failure: Prepare returned an error
            out.write(json.dumps({"i": i, "status": "refused", "why": str(e)[:200]}) + "\n")
            continue
        out.write(json.dumps({"i": i, "stage": "prepared"}) + "\n")
        try:
            it.set_input(r["x"].reshape(1, n), 0)
            it.invoke()
            y = it.get_output(0)
        except Exception as e:
            out.write(json.dumps({"i": i, "status": "refused", "why": str(e)[:200]}) + "\n")
            continue
        out.write(json.dumps({"i": i, "status": "ok", "y": [int(t) for t in y.reshape(-1)]}) + "\n")
    out.close()
    os._exit(0)


def run_all(rows):
    results = [None] * len(rows)
    # Lanes interleave rows so that both carry a similar mix.
    chunks = [list(range(k, len(rows), LANES)) for k in range(LANES)]
    lane_rows = [[rows[i] for i in c] for c in chunks]
    pos = [0] * LANES
    procs = {}  # fd -> (lane, pid, buffer, prepared index)
    forks = 0

    def spawn(lane):
        nonlocal forks
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            child(lane_rows[lane], pos[lane], len(lane_rows[lane]), w)
        forks += 1
        os.close(w)
        procs[r] = [lane, pid, b"", None]

    for lane in range(LANES):
        if lane_rows[lane]:
            spawn(lane)
    while procs:
        ready, _, _ = select.select(list(procs), [], [])
        for fd in ready:
            lane, pid, buf, prepared = procs[fd]
            data = os.read(fd, 1 << 20)
            if data:
                buf += data
                *lines, buf = buf.split(b"\n")
                for line in lines:
                    msg = json.loads(line)
                    i = msg["i"]
                    if msg.get("stage") == "prepared":
                        prepared = i
                        continue
                    results[chunks[lane][i]] = msg
                    pos[lane] = i + 1
                procs[fd][2:] = [buf, prepared]
                continue
            os.close(fd)
            del procs[fd]
            _, status = os.waitpid(pid, 0)
            if pos[lane] < len(lane_rows[lane]):
                # The child died on row pos[lane]: a TFLM check failure.
                i = pos[lane]
                stage = "abort_eval" if prepared == i else "abort_prepare"
                results[chunks[lane][i]] = {"status": stage, "exit": status}
                pos[lane] = i + 1
                if pos[lane] < len(lane_rows[lane]):
                    spawn(lane)
    return results, forks


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out-dir", default="target/tflm_oracle")
    ap.add_argument("--seed", type=int, default=28)
    ap.add_argument("--force", action="store_true")
    args = ap.parse_args()
    with open(__file__, "rb") as f:
        src = f.read()
    version = tflm_version.__version__
    key = hashlib.sha256(src + b"\0" + str(args.seed).encode() + b"\0" + version.encode()).hexdigest()[:16]
    os.makedirs(args.out_dir, exist_ok=True)
    path = os.path.join(args.out_dir, f"rows-{key}.jsonl")
    if os.path.exists(path) and not args.force:
        print(f"tflm oracle: cached {path}", file=sys.stderr)
        print(path)
        return
    t0 = time.time()
    rows = Gen(args.seed).all_rows()
    results, forks = run_all(rows)
    counts = {}
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        for r, res in zip(rows, results):
            st = res["status"]
            counts.setdefault(r["v"], {}).setdefault(st, 0)
            counts[r["v"]][st] += 1
        meta = {"tflite_micro": version, "seed": args.seed, "generator": key, "rows": len(rows),
                "counts": counts, "forks": forks, "seconds": round(time.time() - t0, 1)}
        f.write(json.dumps({"meta": meta}) + "\n")
        for r, res in zip(rows, results):
            o = {"v": r["v"], "tag": r["tag"], "scale": f32_bits(r["scale"]), "beta": f32_bits(r["beta"]),
                 "zp": r["zp"], "n": len(r["x"]), "status": res["status"]}
            o.update(derived_params(r["v"], r["scale"], r["beta"]))
            o["x"] = r["x"].tolist()
            if res["status"] == "ok":
                o["y"] = res["y"]
            if "why" in res:
                o["why"] = res["why"]
            if "exit" in res:  # the child's wait status: SIGABRT (6) for a TFLM check failure
                o["signal"] = os.WTERMSIG(res["exit"]) if os.WIFSIGNALED(res["exit"]) else None
            f.write(json.dumps(o, separators=(",", ":")) + "\n")
    os.replace(tmp, path)
    print(f"tflm oracle: {len(rows)} rows, {forks} child processes, {time.time() - t0:.1f} s, "
          f"TFLM {version}: {json.dumps(counts)}", file=sys.stderr)
    print(path)


if __name__ == "__main__":
    main()
