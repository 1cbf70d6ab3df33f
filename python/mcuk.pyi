"""mcuk: the kernels of mcu-kernels (the host build of the code that runs on the chip: same
inputs, same bits) and the host solvers, numpy in and out.

Arrays: float32 (int8/int16 for the quantized softmax), 1-D (one row) or 2-D (row by row),
C-contiguous; read in place, never copied. Anything else raises InputError. Kernel errors
raise a KernelError subclass per mcu_kernels::Error kind, carrying the Rust message. The GIL
is released in every loop over rows and in the solvers.

Costs are QEMU instruction counts per element at N = 256 (`cargo xtask bench`,
bench/baseline.json): on the Cortex-M4F, then the M0 (soft float).
"""

from types import ModuleType
from typing import Dict, List, Literal, Optional, Sequence, Tuple, Union

import numpy as np
import numpy.typing as npt

__version__: str

F32 = npt.NDArray[np.float32]
F64 = npt.NDArray[np.float64]
I8 = npt.NDArray[np.int8]
I16 = npt.NDArray[np.int16]
Target = Union[int, Sequence[int], npt.NDArray[np.integer]]

class KernelError(ValueError):
    """Base of the kernel errors (mcu_kernels::Error); str(e) is the Rust message."""

class EmptyError(KernelError):
    """Error::Empty: empty input ("empty input")."""

class LengthMismatchError(KernelError):
    """Error::LengthMismatch: two lengths differ."""

class BadRowLengthError(KernelError):
    """Error::BadRowLength: row length zero or not dividing the buffer."""

class NanInputError(KernelError):
    """Error::NanInput: "input contains NaN"."""

class AllNegInfinityError(KernelError):
    """Error::AllNegInfinity: "every input is -inf"."""

class IndexOutOfRangeError(KernelError):
    """Error::IndexOutOfRange: a target index ≥ the row length."""

class BadParameterError(KernelError):
    """Error::BadParameter: a parameter outside its domain."""

class NonFiniteError(KernelError):
    """Error::NonFinite: "input contains NaN or infinity"."""

class TflmRefusesError(KernelError):
    """Error::TflmRefuses: TFLite-Micro would refuse these parameters."""

class InputError(ValueError):
    """The argument is not what the function takes: dtype, 1-D/2-D, C-contiguous, lengths."""

class OtError(ValueError):
    """A solver's problem or parameter is invalid (host::solvers error, Rust message)."""

# ---- f32 softmax family -----------------------------------------------------------------

def softmax(x: F32) -> F32:
    """y_i = exp(x_i − max x) / Σ_j exp(x_j − max x), per row (the default kernel: anchored).

    Error: relative ≤ 5e−7 against f64 for outputs ≥ 2^−126, absolute ≤ 2^−148 below, for any
    finite or ±inf input; −inf inputs give exactly 0. Raises NanInputError, AllNegInfinityError,
    EmptyError. Cost: 27.5 instructions/element on the M4F (M0 2,018.5).
    """

def anchored(x: F32) -> F32:
    """Softmax anchored on the maximum (one exp per element, single reduction).
    Error as softmax (≤ 5e−7 relative). Cost: 27.5 (M4F), 2,018.5 (M0)."""

def three_pass(x: F32) -> F32:
    """Softmax in three passes (max, exp and sum, scale). Error ≤ 5e−7 relative (worst-case
    bound 8·2^−24) for outputs ≥ 2^−126. Cost: 40.2 (M4F), 2,890.2 (M0)."""

def two_pass(x: F32) -> F32:
    """Online softmax (running max with rescale, then scale). Error as three_pass; measured
    2.4e−7 max relative over 20,000 vectors. Cost: 68.8 (M4F), 5,177.1 (M0)."""

def log_softmax(x: F32) -> F32:
    """y_i = x_i − max − ln Σ exp(x_j − max). Error: absolute ≤ 2e−6·max(1, |y_i|) for
    N ≤ 2^20. Cost: 42.3 (M4F), 3,108.0 (M0)."""

def stablemax(x: F32) -> F32:
    """StableMax: s(x) = x + 1 for x ≥ 0, 1/(1 − x) below; y = s(x)/Σ s. Error ≤ 5 ulp.
    Cost: 26.1 (M4F), 1,190.5 (M0)."""

def softmax_with_temperature(x: F32, t: float) -> F32:
    """softmax(x / t), t > 0 finite (BadParameterError otherwise). Error as softmax."""

def logsumexp(x: F32) -> Union[float, F32]:
    """ln Σ exp(x_i): a float for a 1-D x, one per row for a 2-D x. Error: absolute
    ≤ 2e−6·max(1, |ln Z|) for N ≤ 2^20."""

def z_loss_aux(x: F32, lam: float = 1e-4) -> Union[float, F32]:
    """The PaLM auxiliary z-loss λ·(ln Σ exp x_i)², per row."""

def cross_entropy(logits: F32, target: Target) -> Tuple[Union[float, F32], F32]:
    """(L, ∂L/∂x) with L = logsumexp(x) − x_target and gradient softmax(x) − onehot(target).
    target: an int for a 1-D x, one int per row for a 2-D x. Cost: 40.4 (M4F), 2,891.7 (M0)."""

# ---- Mish, Z-loss -----------------------------------------------------------------------

def mish(x: F32) -> F32:
    """Mish(x) = x·tanh(softplus(x)) elementwise. Error: absolute ≤ 2^−22 (measured 2.4e−7)
    and ≤ 8 ulp relative (measured 4.65) over a 5.6·10^6-point sweep. Cost: 27.9 (M4F),
    2,120.1 (M0)."""

def mish_grad(x: F32) -> F32:
    """d Mish/dx elementwise. Cost: 52.2 (M4F)."""

def zloss(o: F32, target: Target, a: float = 1.0, b: float = 0.0) -> Union[float, F32]:
    """The spherical Z-loss (de Brébisson & Vincent 2016): μ, σ the population moments of o,
    z_c = (o_c − μ)/σ, L = (1/a)·ln(1 + e^(a(b − z_c))), a > 0. Error: 1e−6 relative for
    a·(1 + |z_c|) ≲ 10^6. Shift- and scale-invariant; σ = 0 gives z_c = 0."""

def zloss_grad(o: F32, target: Target, a: float = 1.0, b: float = 0.0) -> Tuple[Union[float, F32], F32]:
    """(L, ∂L/∂o) with ∂L/∂o_k = −sigmoid(a(b − z_c))·[(δ_kc − 1/D) − z_c·z_k/D]/σ.
    Error: every component within 1e−6·‖∇L‖ (measured 1.7e−7·‖∇L‖; vanishing gradients,
    D − 1 − z_c² ≈ 0, excluded). Cost: 108.0 (M4F), 7,993.6 (M0)."""

# ---- sparsemax family -------------------------------------------------------------------

def sparsemax(z: F32) -> F32:
    """Euclidean projection of z onto the simplex: p = max(z − τ, 0), Σp = 1. Error: measured
    |p_i − p_i^f64| ≤ 5.96e−8; what holds (fuzzed): ≤ 2^−21 + 2^−24·Σ_S|z_i − max|.
    Cost: 24.0 (M4F), 482.6 (M0)."""

def sparsemax_sort(z: F32) -> F32:
    """sparsemax by a full sort (the reference variant). Cost: 212 (M4F)."""

def entmax15(z: F32) -> F32:
    """1.5-entmax: p = max(z/2 − τ, 0)², Σp = 1. Error: measured ≤ 1.8e−7 (fuzzed worst 2e−6).
    Cost: 55.0 (M4F), 978.2 (M0)."""

def sparsemax_jvp(p: F32, v: F32) -> F32:
    """Jacobian-vector product of sparsemax at output p: v_i − mean_S(v) on the support S,
    0 elsewhere. Cost: 6.6 (M4F), 16.8 (M0)."""

def sparsemax_loss(z: F32, target: Target) -> Tuple[Union[float, F32], F32]:
    """(L, ∇L) of the sparsemax loss ½(1 − Σp²) + ⟨p, z⟩ − z_t, gradient p − onehot(t).
    Error: |L − L^f64| / max(1, L^f64) ≤ (N + 4)·2^−24."""

def project_topk_simplex(z: F32, k: int) -> F32:
    """Projection onto the simplex with at most k nonzeros (top-k then sparsemax)."""

# ---- int8 / int16 softmax ---------------------------------------------------------------

def softmax_s8_params(input_scale: float, beta: float = 1.0, *, double: bool = False) -> Tuple[int, int, int]:
    """(mult, shift, diff_min) as TFLite-Micro derives them from the input scale and β (as
    f32, as a .tflite model stores them; double=True for scales given as f64 literals)."""

def softmax_s8_tflm(x: I8, input_scale: Optional[float] = None, beta: float = 1.0, *, double: bool = False,
                    mult: Optional[int] = None, shift: Optional[int] = None, diff_min: Optional[int] = None) -> I8:
    """int8 → int8 softmax, bit-exact with TFLite-Micro (CMSIS-NN arm_softmax_s8): output
    scale 1/256, zero point −128. Parameters from input_scale and beta, or raw (mult, shift,
    diff_min). Checked against TFLite-Micro's interpreter and the golden rows. Cost: 157.4
    (M4F), 475.6 (M0)."""

def softmax_s8_s16_tflm(x: I8, input_scale: Optional[float] = None, beta: float = 1.0, *, double: bool = False,
                        mult: Optional[int] = None, shift: Optional[int] = None, diff_min: Optional[int] = None) -> I16:
    """int8 → int16 softmax, bit-exact with TFLite-Micro (output scale 1/65536, zero point −32768)."""

def softmax_s16_tflm(x: I16, input_scale: Optional[float] = None, beta: float = 1.0, *,
                     input_multiplier: Optional[int] = None, input_left_shift: Optional[int] = None) -> I16:
    """int16 → int16 softmax, bit-exact with TFLite-Micro (output scale 1/32768, zero point 0).
    Cost: 30.3 (M4F)."""

def softmax_s8_accurate(x: I8, input_scale: float, beta: float = 1.0) -> I8:
    """Accurate int8 softmax: y = min(round(256·p), 255) − 128, within 0.5 LSB + < 1e−4 LSB of
    the exact softmax of x·input_scale·β. Cost: 19.0 (M4F), 68.5 (M0)."""

def softmax_s8_s16_accurate(x: I8, input_scale: float, beta: float = 1.0) -> I16:
    """Accurate int8 → int16: y = min(round(65536·p), 65535) − 32768, within 0.5 LSB + 1e−4 LSB.
    Cost: 18.0 (M4F), 68.5 (M0)."""

def softmax_s16_accurate(x: I16, input_scale: float, beta: float = 1.0) -> I16:
    """Accurate int16 softmax (output scale 1/32768). Cost: 42.8 (M4F), 181.4 (M0)."""

# ---- Lipschitz layers -------------------------------------------------------------------

def spectral_norm_upper_bound(w: F32, iters: int = 8) -> float:
    """A certified upper bound on σ_max(w) (repeated Gram-matrix squaring, GRAM_ITERS = 8):
    ≥ the true σ_max, and ≤ σ_max·rank^(1/1024)·(1 + 1e−6) with the default iterations."""

def spectral_normalize(w: F32, c: float) -> Tuple[F32, float]:
    """(w·c/σ̂, certified bound): the matrix scaled to spectral norm ≤ c (a copy; w untouched)."""

def spectral_hard_cap(w: F32, c: float) -> Tuple[F32, float]:
    """(w scaled down only if its certified bound exceeds c, bound)."""

def spectral_soft_cap(w: F32, c: float, alpha: float) -> Tuple[F32, float]:
    """(w softly capped towards spectral norm c with strength alpha, bound)."""

def bjorck_orthonormalize(w: F32, c: float = 1.0, iters: int = 16) -> Tuple[F32, float]:
    """(Björck-orthonormalised w scaled by c, certified bound)."""

# ---- online learners (River's names) ----------------------------------------------------

RULES: List[str]
Sample = Union[Dict[str, float], Sequence[float], F32]

class LogisticRegression:
    """Online logistic regression as on the chip (mcu_kernels::online::LogisticRegression),
    River's linear_model.LogisticRegression; scale=True puts a StandardScaler in front
    (River's pipeline). optimizer: one of RULES with River's defaults (sgd 0.01, adagrad 0.1,
    adam 0.1, adamax 0.1, ftrl α 0.05, oogd 20, implicit 0.1, aprox 0.1, pa C 1); lr replaces
    the step. At most 64 features. Same progressive accuracy as River on Phishing."""
    def __init__(self, n_features: int, optimizer: str = "adagrad", lr: Optional[float] = None, scale: bool = False) -> None: ...
    def learn_one(self, x: Sample, y: bool) -> None: ...
    def predict_one(self, x: Sample) -> bool: ...
    def predict_proba_one(self, x: Sample) -> Dict[bool, float]: ...
    def learn_many(self, X: F32, y: Sequence[bool]) -> None: ...
    def predict_proba_many(self, X: F32) -> F32: ...
    def progressive(self, X: F32, y: Sequence[bool]) -> Tuple[float, float]:
        """Progressive validation (predict, then learn, each row): (accuracy, log_loss)."""
    @property
    def weights(self) -> F32: ...
    @property
    def intercept(self) -> float: ...

class LinearRegression:
    """Online linear regression (squared loss) as on the chip, River's linear_model.LinearRegression."""
    def __init__(self, n_features: int, optimizer: str = "sgd", lr: Optional[float] = None, scale: bool = False) -> None: ...
    def learn_one(self, x: Sample, y: float) -> None: ...
    def predict_one(self, x: Sample) -> float: ...
    def learn_many(self, X: F32, y: Sequence[float]) -> None: ...
    def predict_many(self, X: F32) -> F32: ...
    @property
    def weights(self) -> F32: ...
    @property
    def intercept(self) -> float: ...

# ---- solvers ----------------------------------------------------------------------------

class OTResult:
    plan: F64
    """The plan T, m×n (dense)."""
    objective: float
    """The maximised dual objective (Sinkhorn: entropic dual)."""
    cost: float
    """⟨M, T⟩."""
    residual: float
    """‖T1 − a‖₁ + ‖Tᵀ1 − b‖₁ of the returned plan."""
    converged: bool
    iterations: int

def sinkhorn(a: F64, b: F64, M: F64, reg: float = 0.01, numItermax: int = 100000, stopThr: float = 1e-9, *,
             eps_scaling: bool = True, overrelaxation: float = 1.8) -> OTResult:
    """Entropic OT (log-domain Sinkhorn, ε-scaling, over-relaxation ω), as `mcuk sinkhorn`;
    reg = ε, stopThr on ‖T1 − a‖₁. Same plan as POT's ot.sinkhorn(method="sinkhorn_log")."""

def sparse_ot(a: F64, b: F64, M: F64, reg: float = 1.0, k: int = 2, numItermax: int = 2000, stopThr: float = 1e-7, *,
              dual: Literal["semi", "full"] = "semi") -> OTResult:
    """OT with squared-ℓ₂ regularisation γ = reg and at most k nonzeros per column (L-BFGS on
    the semi-dual or dual), as `mcuk ot`. With k ≥ m: POT's ot.smooth.smooth_ot_dual(reg_type="l2")."""

class GameResult:
    x: F64
    y: F64
    value: float
    gap: float
    residual: float
    iterations: int
    converged: bool

def halpern_game(A: F64, stopThr: float = 1e-6, max_passes: float = 1e6) -> GameResult:
    """min_x max_y xᵀAy over the simplices (restarted anchored extragradient), `mcuk halpern`."""

def lipsdp(weights: Sequence[F64], activation: Literal["relu", "maxmin", "groupsort"] = "relu", group: int = 2) -> float:
    """LipSDP-Neuron upper bound on the Lipschitz constant of x ↦ W_L σ(… σ(W_1 x)) (Clarabel)."""

testvectors: ModuleType
"""The differential suites: names(), vectors(name), logits(name, index) (the seeded inputs the
firmware generates), host_digests(name), digest_words(words, state=None) (FNV-1a),
error_codes()."""
