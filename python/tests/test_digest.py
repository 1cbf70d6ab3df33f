"""Bit-identity with the chip: a suite's kernel run through Python over the suite's seeded
inputs gives, vector by vector, the digest the firmware printed under QEMU.

`cargo xtask test` runs this after its on-target steps and names the files where those runs
left the firmware's digests (one per core, `target/ontarget/<board>-digests.tsv`) in
MCUK_FIRMWARE_DIGESTS (joined as a PATH): the comparison is then direct, Python against
each core's firmware, for every suite both have. Without it (pytest run by hand) the test
compares with the host's Rust digests — those the on-target runs check the firmware against
— and says so with a warning."""
import os
import pathlib
import warnings

import numpy as np
import pytest

import mcuk
import mcuk.testvectors as tv

CODES = dict(tv.error_codes())

SUITES = {
    "softmax::three_pass": mcuk.three_pass,
    "softmax::anchored": mcuk.anchored,
    "softmax::two_pass": mcuk.two_pass,
    "softmax::log_softmax": mcuk.log_softmax,
    "softmax::stablemax": mcuk.stablemax,
    "mish::mish_slice": mcuk.mish,
    "mish::mish_grad_slice": mcuk.mish_grad,
    "sparsemax::sparsemax": mcuk.sparsemax,
    "sparsemax::sparsemax_sort": mcuk.sparsemax_sort,
    "sparsemax::entmax15": mcuk.entmax15,
}


def python_digest(name, f, index):
    """testvectors' slice-kernel digest: the result code, then the output bit patterns (NaN
    canonical), of the kernel called from Python."""
    x = tv.logits(name, index)
    try:
        y = f(x)
        code = 0
    except mcuk.KernelError as e:
        y = np.zeros_like(x)  # the suite's output buffer, untouched
        code = CODES[type(e).__name__]
    bits = np.where(np.isnan(y), np.float32(np.nan), y).view(np.uint32)
    bits = np.where(np.isnan(y), np.uint32(0x7FC00000), bits)
    return tv.digest_words([code] + bits.tolist())


def firmware_digests():
    """{file: {suite: {vector: digest}}} of the files MCUK_FIRMWARE_DIGESTS names ({} when unset)."""
    var = os.environ.get("MCUK_FIRMWARE_DIGESTS", "")
    out = {}
    for path in filter(None, var.split(os.pathsep)):
        p = pathlib.Path(path)
        assert p.is_file(), f"MCUK_FIRMWARE_DIGESTS names {p}, which does not exist"
        suites = {}
        for line in p.read_text().splitlines():
            if not line or line.startswith("#"):
                continue
            suite, vector, digest = line.split("\t")
            suites.setdefault(suite, {})[int(vector)] = int(digest, 16)
        out[p.name] = suites
    return out


FIRMWARE = firmware_digests()


@pytest.mark.parametrize("name", sorted(SUITES))
def test_python_digest_equals_firmware_digest(name):
    assert name in tv.names()
    f = SUITES[name]
    if not FIRMWARE:
        warnings.warn(
            "MCUK_FIRMWARE_DIGESTS unset (no on-target run before this pytest): comparing with "
            "the host's Rust digests, which `cargo xtask ontarget` checks the firmware against"
        )
        host = tv.host_digests(name)
        py = [python_digest(name, f, i) for i in range(len(host))]
        bad = [i for i, (a, b) in enumerate(zip(py, host)) if a != b]
        assert not bad, f"host: {len(bad)} vectors differ, first {bad[:5]}"
        return
    have = {file: suites[name] for file, suites in FIRMWARE.items() if name in suites}
    if not have:
        pytest.skip(f"{name}: in none of the firmware's digest files")
    n = tv.vectors(name)
    py = [python_digest(name, f, i) for i in range(n)]
    for file, dev in have.items():
        # The firmware printed every vector of the suite.
        assert sorted(dev) == list(range(n)), f"{file}: {name} has {len(dev)} of {n} vectors"
        bad = [i for i in range(n) if py[i] != dev[i]]
        assert not bad, f"{file}: {len(bad)} vectors differ from the firmware, first {bad[:5]}"


def test_firmware_files_name_suites_python_has():
    # Each suite of the firmware's files that Python can run is checked above; at least the
    # softmax ones must be there whenever a file is.
    for file, suites in FIRMWARE.items():
        assert "softmax::three_pass" in suites, file
        assert set(SUITES) & set(suites), file


@pytest.mark.parametrize("name", sorted(SUITES))
def test_python_digest_equals_host_digest(name):
    assert name in tv.names()
    host = tv.host_digests(name)
    assert len(host) == tv.vectors(name)
    f = SUITES[name]
    py = [python_digest(name, f, i) for i in range(len(host))]
    bad = [i for i, (a, b) in enumerate(zip(py, host)) if a != b]
    assert not bad, f"{len(bad)} vectors differ, first {bad[:5]}"


def test_digest_words_is_fnv1a():
    # FNV-1a of the bytes 00 00 00 00 from the offset basis.
    h = 0x811C9DC5
    for _ in range(4):
        h = ((h ^ 0) * 0x01000193) & 0xFFFFFFFF
    assert tv.digest_words([0]) == h
