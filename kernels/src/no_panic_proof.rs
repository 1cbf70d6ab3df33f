//! The no-panic proof's registry (compiled only in test mode with `--cfg assert_no_panic`).
//!
//! `#[no_panic]` fails the link only if the checked function is in the final binary, and a
//! test that calls a kernel with constant arguments lets the optimiser inline it and prove
//! the bounds for those arguments alone. Each static below keeps the out-of-line body of one
//! public (non-generic, free) kernel in the test binary, so each is proven for all inputs.
//! `three_pass_with` is generic over its exp and is checked where tests instantiate it; the
//! methods of the non-generic types follow the free functions.

#[used]
static K0: &dyn Sync = &(crate::fixedpoint::srdhm as fn(_, _) -> _);
#[used]
static K1: &dyn Sync = &(crate::fixedpoint::rounding_divide_by_pot as fn(_, _) -> _);
#[used]
static K2: &dyn Sync = &(crate::fixedpoint::rounding_divide_by_pot_i64 as fn(_, _) -> _);
#[used]
static K3: &dyn Sync = &(crate::fixedpoint::saturating_shl as fn(_, _) -> _);
#[used]
static K4: &dyn Sync = &(crate::fixedpoint::saturate_i32 as fn(_) -> _);
#[used]
static K5: &dyn Sync = &(crate::fixedpoint::rounding_half_sum as fn(_, _) -> _);
#[used]
static K6: &dyn Sync = &(crate::fixedpoint::exp_on_interval_neg_quarter_to_0 as fn(_) -> _);
#[used]
static K7: &dyn Sync = &(crate::fixedpoint::exp_on_negative_values_q5_26 as fn(_) -> _);
#[used]
static K8: &dyn Sync = &(crate::fixedpoint::one_over_one_plus_x_for_x_in_0_1 as fn(_) -> _);
#[used]
static K9: &dyn Sync = &(crate::math::exp2 as fn(_) -> _);
#[used]
static K10: &dyn Sync = &(crate::math::exp_split as fn(_) -> _);
#[used]
static K11: &dyn Sync = &(crate::math::expm1 as fn(_) -> _);
#[used]
static K12: &dyn Sync = &(crate::math::ln as fn(_) -> _);
#[used]
static K13: &dyn Sync = &(crate::math::log1p as fn(_) -> _);
#[used]
static K14: &dyn Sync = &(crate::math::sigmoid as fn(_) -> _);
#[used]
static K15: &dyn Sync = &(crate::math::softplus as fn(_) -> _);
#[used]
static K16: &dyn Sync = &(crate::math::tanh as fn(_) -> _);
#[used]
static K17: &dyn Sync = &(crate::mish::mish as fn(_) -> _);
#[used]
static K18: &dyn Sync = &(crate::mish::mish_grad as fn(_) -> _);
#[used]
static K19: &dyn Sync = &(crate::mish::mish_slice as fn(_, _) -> _);
#[used]
static K20: &dyn Sync = &(crate::mish::mish_grad_slice as fn(_, _) -> _);
#[used]
static K21: &dyn Sync = &(crate::online::fixed::to_fixed as fn(_) -> _);
#[used]
static K22: &dyn Sync = &(crate::online::fixed::to_f32 as fn(_) -> _);
#[used]
static K23: &dyn Sync = &(crate::online::fixed::sigmoid as fn(_) -> _);
#[used]
static K24: &dyn Sync = &(crate::softmax::cross_entropy as fn(_, _, _) -> _);
#[used]
static K25: &dyn Sync = &(crate::softmax::log_softmax as fn(_, _) -> _);
#[used]
static K26: &dyn Sync = &(crate::softmax::log_softmax_in_place as fn(_) -> _);
#[used]
static K27: &dyn Sync = &(crate::softmax::logsumexp as fn(_) -> _);
#[used]
static K28: &dyn Sync = &(crate::softmax::softmax as fn(_, _) -> _);
#[used]
static K29: &dyn Sync = &(crate::softmax::softmax_in_place as fn(_) -> _);
#[used]
static K30: &dyn Sync = &(crate::softmax::quant::softmax_fixed_two_pass as fn(_, _, _) -> _);
#[used]
static K31: &dyn Sync = &(crate::softmax::quant::softmax_s16 as fn(_, _, _, _) -> _);
#[used]
static K32: &dyn Sync = &(crate::softmax::quant::softmax_s8 as fn(_, _, _, _) -> _);
#[used]
static K33: &dyn Sync = &(crate::softmax::quant::softmax_s8_s16 as fn(_, _, _, _) -> _);
#[used]
static K34: &dyn Sync = &(crate::softmax::quant::softmax_s16_tflm as fn(_, _, _, _) -> _);
#[used]
static K35: &dyn Sync = &(crate::softmax::quant::softmax_s8_tflm as fn(_, _, _, _) -> _);
#[used]
static K36: &dyn Sync = &(crate::softmax::quant::softmax_s8_s16_tflm as fn(_, _, _, _) -> _);
#[used]
static K37: &dyn Sync = &(crate::softmax::softmax_rows as fn(_, _, _) -> _);
#[used]
static K38: &dyn Sync = &(crate::softmax::softmax_rows_in_place as fn(_, _) -> _);
#[used]
static K39: &dyn Sync = &(crate::softmax::log_softmax_rows as fn(_, _, _) -> _);
#[used]
static K40: &dyn Sync = &(crate::softmax::log_softmax_rows_in_place as fn(_, _) -> _);
#[used]
static K41: &dyn Sync = &(crate::softmax::stablemax as fn(_, _) -> _);
#[used]
static K42: &dyn Sync = &(crate::softmax::stablemax_in_place as fn(_) -> _);
#[used]
static K43: &dyn Sync = &(crate::softmax::softmax_with_temperature as fn(_, _, _) -> _);
#[used]
static K44: &dyn Sync = &(crate::softmax::softmax_with_temperature_in_place as fn(_, _) -> _);
#[used]
static K46: &dyn Sync = &(crate::softmax::three_pass as fn(_, _) -> _);
#[used]
static K47: &dyn Sync = &(crate::softmax::three_pass_in_place as fn(_) -> _);
#[used]
static K48: &dyn Sync = &(crate::softmax::two_pass as fn(_, _) -> _);
#[used]
static K49: &dyn Sync = &(crate::softmax::two_pass_in_place as fn(_) -> _);
#[used]
static K50: &dyn Sync = &(crate::softmax::z_loss_aux as fn(_, _) -> _);
#[used]
static K51: &dyn Sync = &(crate::sparsemax::entmax15 as fn(_, _) -> _);
#[used]
static K52: &dyn Sync = &(crate::sparsemax::sparsemax as fn(_, _) -> _);
#[used]
static K53: &dyn Sync = &(crate::sparsemax::sparsemax_sort as fn(_, _) -> _);
#[used]
static K54: &dyn Sync = &(crate::sparsemax::sparsemax_jvp as fn(_, _, _) -> _);
#[used]
static K55: &dyn Sync = &(crate::sparsemax::sparsemax_loss as fn(_, _, _) -> _);
#[used]
static K56: &dyn Sync = &(crate::sparsemax::sparsemax_q15 as fn(_, _, _) -> _);
#[used]
static K57: &dyn Sync = &(crate::sparsemax::sparsemax_q15_s8 as fn(_, _, _) -> _);
#[used]
static K58: &dyn Sync = &(crate::sparsemax::project_topk_simplex as fn(_, _, _) -> _);
#[used]
static K59: &dyn Sync = &(crate::zloss::zloss as fn(_, _, _, _) -> _);
#[used]
static K60: &dyn Sync = &(crate::zloss::zloss_grad as fn(_, _, _, _, _) -> _);
#[used]
static K61: &dyn Sync = &(crate::zloss::zloss_s8 as fn(_, _, _, _) -> _);
#[used]
static K62: &dyn Sync = &(crate::zloss::zloss_s16 as fn(_, _, _, _) -> _);
#[used]
static K63: &dyn Sync = &(crate::softmax::anchored as fn(_, _) -> _);
#[used]
static K64: &dyn Sync = &(crate::softmax::quant::softmax_s8_tflm_domain as fn(_, _) -> _);
#[used]
static K65: &dyn Sync = &(crate::softmax::quant::softmax_s8_s16_tflm_domain as fn(_, _) -> _);
#[used]
static K66: &dyn Sync = &(crate::softmax::quant::softmax_s16_tflm_domain as fn(_, _) -> _);
#[used]
static LIP0: &dyn Sync = &(crate::lipschitz::spectral_norm_upper_bound as fn(_, _, _, _, _) -> _);
#[used]
static LIP1: &dyn Sync = &(crate::lipschitz::power_iteration as fn(_, _, _, _, _, _) -> _);
#[used]
static LIP2: &dyn Sync = &(crate::lipschitz::spectral_normalize as fn(_, _, _, _, _) -> _);
#[used]
static LIP3: &dyn Sync = &(crate::lipschitz::spectral_hammer as fn(_, _, _, _, _, _, _, _) -> _);
#[used]
static LIP4: &dyn Sync = &(crate::lipschitz::spectral_soft_cap as fn(_, _, _, _, _, _) -> _);
#[used]
static LIP5: &dyn Sync = &(crate::lipschitz::spectral_hard_cap as fn(_, _, _, _, _) -> _);
#[used]
static LIP6: &dyn Sync = &(crate::lipschitz::bjorck_orthonormalize as fn(_, _, _, _, _, _) -> _);
#[used]
static LIP7: &dyn Sync = &(crate::lipschitz::maxmin as fn(_) -> _);
#[used]
static LIP8: &dyn Sync = &(crate::lipschitz::groupsort as fn(_, _) -> _);
#[used]
static LIP9: &dyn Sync = &(crate::lipschitz::householder as fn(_, _) -> _);
#[used]
static LIP10: &dyn Sync = &(crate::lipschitz::relu as fn(_) -> _);

// Methods of the non-generic kernel types (listed by name like the free functions; the
// registry test in host/tests/no_panic_registry.rs checks that none is missing). Methods of
// const-generic types are checked where tests instantiate them.
#[used]
static M0: &dyn Sync = &(crate::softmax::quant::SoftmaxS8Lut::new as fn(_, _) -> _);
#[used]
static M1: &dyn Sync = &(crate::softmax::quant::SoftmaxS8Lut::empty as fn() -> _);
#[used]
static M2: &dyn Sync = &(crate::softmax::quant::SoftmaxS8Lut::rebuild as fn(&mut _, _, _) -> _);
#[used]
static M3: &dyn Sync = &(crate::softmax::quant::SoftmaxS16Lut::new as fn(_, _) -> _);
#[used]
static M4: &dyn Sync = &(crate::softmax::quant::SoftmaxS16Params::from_scale as fn(_, _) -> _);
#[used]
static M5: &dyn Sync = &(crate::softmax::quant::SoftmaxS16Params::from_raw as fn(_, _) -> _);
#[used]
static M6: &dyn Sync = &(crate::softmax::quant::SoftmaxS8Params::from_scale as fn(_, _) -> _);
#[used]
static M7: &dyn Sync = &(crate::softmax::quant::SoftmaxS8Params::from_scale_f64 as fn(_, _) -> _);
#[used]
static M8: &dyn Sync = &(crate::softmax::quant::SoftmaxS8Params::from_raw as fn(_, _, _) -> _);
#[used]
static M9: &dyn Sync = &(crate::mish::MishS8Lut::new as fn(_, _, _, _) -> _);
#[used]
static M10: &dyn Sync = &(crate::mish::MishS8Lut::lookup as fn(&_, _) -> _);
#[used]
static M11: &dyn Sync = &(crate::mish::MishS8Lut::apply as fn(&_, _, _) -> _);
#[used]
static M12: &dyn Sync =
    &(crate::mish::MishS8Lut::table as fn(&crate::mish::MishS8Lut) -> &[i8; 256]);
#[used]
static M13: &dyn Sync = &(crate::online::BinaryEval::update_logit as fn(&mut _, _, _));
#[used]
static M14: &dyn Sync = &(crate::online::BinaryEval::update_proba as fn(&mut _, _, _));
#[used]
static M15: &dyn Sync = &(crate::online::BinaryEval::skip as fn(&mut _));
#[used]
static M16: &dyn Sync = &(crate::online::BinaryEval::accuracy as fn(&_) -> _);
#[used]
static M17: &dyn Sync = &(crate::online::BinaryEval::log_loss as fn(&_) -> _);
#[used]
static M18: &dyn Sync = &(crate::online::MulticlassEval::update as fn(&mut _, _, _));
#[used]
static M19: &dyn Sync = &(crate::online::MulticlassEval::skip as fn(&mut _));
#[used]
static M20: &dyn Sync = &(crate::online::MulticlassEval::accuracy as fn(&_) -> _);
#[used]
static M21: &dyn Sync = &(crate::online::MulticlassEval::log_loss as fn(&_) -> _);
#[used]
static M22: &dyn Sync = &(crate::online::RegressionEval::update as fn(&mut _, _, _));
#[used]
static M23: &dyn Sync = &(crate::online::RegressionEval::skip as fn(&mut _));
#[used]
static M24: &dyn Sync = &(crate::online::RegressionEval::mae as fn(&_) -> _);
#[used]
static M25: &dyn Sync = &(crate::online::RegressionEval::mse as fn(&_) -> _);

// The FPU-free scalar functions, and the explicit FPU path (`math::exp` itself selects one
// of the two at compile time).
#[used]
static N0: &dyn Sync = &(crate::math::nofpu::exp as fn(_) -> _);
#[used]
static N1: &dyn Sync = &(crate::math::nofpu::exp2 as fn(_) -> _);
#[used]
static N2: &dyn Sync = &(crate::math::nofpu::ln as fn(_) -> _);
#[used]
static N3: &dyn Sync = &(crate::math::nofpu::log1p as fn(_) -> _);
#[used]
static N4: &dyn Sync = &(crate::math::nofpu::expm1 as fn(_) -> _);
#[used]
static N5: &dyn Sync = &(crate::math::nofpu::tanh as fn(_) -> _);
#[used]
static N6: &dyn Sync = &(crate::math::nofpu::sigmoid as fn(_) -> _);
#[used]
static N7: &dyn Sync = &(crate::math::nofpu::softplus as fn(_) -> _);
#[used]
static N8: &dyn Sync = &(crate::math::exp as fn(_) -> _);
#[used]
static N9: &dyn Sync = &(crate::math::fpu::exp as fn(_) -> _);
#[used]
static N10: &dyn Sync = &(crate::math::fpu::ln as fn(_) -> _);
#[used]
static N11: &dyn Sync = &(crate::math::fpu::tanh as fn(_) -> _);
#[used]
static N12: &dyn Sync = &(crate::softmax::nofpu::softmax as fn(_, _) -> _);
#[used]
static N13: &dyn Sync = &(crate::softmax::nofpu::log_softmax as fn(_, _) -> _);
#[used]
static N14: &dyn Sync = &(crate::softmax::nofpu::cross_entropy as fn(_, _, _) -> _);
#[used]
static N15: &dyn Sync = &(crate::softmax::fpu::softmax as fn(_, _) -> _);
#[used]
static N16: &dyn Sync = &(crate::mish::nofpu::mish as fn(_) -> _);
#[used]
static N17: &dyn Sync = &(crate::mish::nofpu::mish_slice as fn(_, _) -> _);
#[used]
static N18: &dyn Sync = &(crate::mish::fpu::mish as fn(_) -> _);
#[used]
static N19: &dyn Sync = &(crate::mish::fpu::mish_slice as fn(_, _) -> _);

// Issue #20: the table form of the TFLM-exact int8 softmax.
#[used]
static T0: &dyn Sync = &(crate::softmax::quant::softmax_s8_tflm_table as fn(_, _, _, _) -> _);
#[used]
static T1: &dyn Sync = &(crate::softmax::quant::softmax_s8_s16_tflm_table as fn(_, _, _, _) -> _);
#[used]
static T2: &dyn Sync = &(crate::softmax::quant::SoftmaxS8TflmTable::new as fn(_) -> _);
#[used]
static T3: &dyn Sync = &(crate::softmax::quant::SoftmaxS8TflmTable::rebuild as fn(&mut _, _));
#[used]
static N20: &dyn Sync = &(crate::zloss::nofpu::zloss as fn(_, _, _, _) -> _);
#[used]
static N21: &dyn Sync = &(crate::zloss::nofpu::zloss_grad as fn(_, _, _, _, _) -> _);
#[used]
static N22: &dyn Sync = &(crate::zloss::fpu::zloss_grad as fn(_, _, _, _, _) -> _);
#[used]
static N23: &dyn Sync = &(crate::sparsemax::nofpu::entmax15 as fn(_, _) -> _);
#[used]
static N24: &dyn Sync = &(crate::sparsemax::fpu::entmax15 as fn(_, _) -> _);

// Issue #24: the CRC and the checkpoints (save/restore are generic: registered at the types
// the firmware keeps, so each is proven for every input buffer).
#[used]
static C0: &dyn Sync = &(crate::crc::crc32 as fn(_) -> _);
#[used]
static C1: &dyn Sync = &(crate::crc::crc32_update as fn(_, _) -> _);
mod checkpoint_types {
    use crate::online::fixed::{FxAdaGrad, FxLogisticRegression};
    use crate::online::{
        Adam, BinaryEval, Ftrl, Hedge, LinearRegression, LogisticRegression, SoftmaxRegression,
        StandardScaler,
    };
    pub(super) type Lr = LogisticRegression<9, Adam<9>>;
    pub(super) type Lin = LinearRegression<9, Ftrl<9>>;
    pub(super) type Smx = SoftmaxRegression<9, 3, Adam<9>>;
    pub(super) type Fx = FxLogisticRegression<9, FxAdaGrad<9>>;
    pub(super) type Sc = StandardScaler<9>;
    pub(super) type Be = BinaryEval;
    pub(super) type He = Hedge<9>;
}
use checkpoint_types as ct;
#[used]
static C3: &dyn Sync = &(crate::online::checkpoint::save::<ct::Lr> as fn(_, _) -> _);
#[used]
static C4: &dyn Sync = &(crate::online::checkpoint::restore::<ct::Lr> as fn(_) -> _);
#[used]
static C5: &dyn Sync = &(crate::online::checkpoint::save::<ct::Lin> as fn(_, _) -> _);
#[used]
static C6: &dyn Sync = &(crate::online::checkpoint::restore::<ct::Lin> as fn(_) -> _);
#[used]
static C7: &dyn Sync = &(crate::online::checkpoint::save::<ct::Smx> as fn(_, _) -> _);
#[used]
static C8: &dyn Sync = &(crate::online::checkpoint::restore::<ct::Smx> as fn(_) -> _);
#[used]
static C9: &dyn Sync = &(crate::online::checkpoint::save::<ct::Fx> as fn(_, _) -> _);
#[used]
static C10: &dyn Sync = &(crate::online::checkpoint::restore::<ct::Fx> as fn(_) -> _);
#[used]
static C11: &dyn Sync = &(crate::online::checkpoint::save::<ct::Sc> as fn(_, _) -> _);
#[used]
static C12: &dyn Sync = &(crate::online::checkpoint::restore::<ct::Sc> as fn(_) -> _);
#[used]
static C13: &dyn Sync = &(crate::online::checkpoint::save::<ct::Be> as fn(_, _) -> _);
#[used]
static C14: &dyn Sync = &(crate::online::checkpoint::restore::<ct::Be> as fn(_) -> _);
#[used]
static C15: &dyn Sync = &(crate::online::checkpoint::save::<ct::He> as fn(_, _) -> _);
#[used]
static C16: &dyn Sync = &(crate::online::checkpoint::restore::<ct::He> as fn(_) -> _);
