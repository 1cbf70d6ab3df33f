//! The learner-state checkpoint decoder (`online::checkpoint::restore`) on arbitrary bytes:
//! every input is refused with an error or decodes to a state whose `save` gives the same
//! bytes back (the encoding is canonical: flags are 0/1, floats keep their bits). Half of the
//! inputs get a valid header and CRC around the fuzzed payload, so that the payload
//! validation is reached, not only the magic and checksum checks.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mcu_kernels::crc::crc32;
use mcu_kernels::online::checkpoint::{
    restore, save, Checkpoint, CRC_LEN, HEADER_LEN, MAGIC, VERSION,
};
use mcu_kernels::online::fixed::{FxAdaGrad, FxLogisticRegression, FxSgd};
use mcu_kernels::online::*;

fn check<T: Checkpoint + PartialEq + core::fmt::Debug>(data: &[u8], frame: bool) {
    let owned;
    let buf: &[u8] = if frame {
        let mut b = vec![0u8; T::SIZE];
        b[..4].copy_from_slice(&MAGIC.to_le_bytes());
        b[4..6].copy_from_slice(&VERSION.to_le_bytes());
        b[6..8].copy_from_slice(&T::KIND.to_le_bytes());
        b[8..12].copy_from_slice(&T::DIMS[0].to_le_bytes());
        b[12..16].copy_from_slice(&T::DIMS[1].to_le_bytes());
        let body_end = T::SIZE - CRC_LEN;
        for (dst, src) in b[HEADER_LEN..body_end].iter_mut().zip(data.iter().cycle()) {
            *dst = *src;
        }
        let crc = crc32(&b[..body_end]);
        b[body_end..].copy_from_slice(&crc.to_le_bytes());
        owned = b;
        &owned
    } else {
        data
    };
    match restore::<T>(buf) {
        Err(_) => {
            // Refused: must not be a framed buffer whose payload only holds valid fields ...
            // (not decidable here in general), but a refused buffer never panics and a
            // wrong length is always refused.
        }
        Ok(state) => {
            assert_eq!(
                buf.len(),
                T::SIZE,
                "restore accepted {} bytes, SIZE {}",
                buf.len(),
                T::SIZE
            );
            let mut out = vec![0u8; T::SIZE + 3];
            let n = save(&state, &mut out)
                .unwrap_or_else(|e| panic!("save of a restored state: {e:?}"));
            assert_eq!(n, T::SIZE);
            assert_eq!(&out[..n], buf, "re-encoding differs from the decoded bytes");
            assert_eq!(
                restore::<T>(&out[..n]).as_ref(),
                Ok(&state),
                "restore ∘ save"
            );
            // One flipped bit anywhere is refused (CRC-32 detects every 1-bit error).
            let i = usize::from(data.first().copied().unwrap_or(0)) * 8 % (8 * n);
            out[i / 8] ^= 1 << (i % 8);
            assert!(
                restore::<T>(&out[..n]).is_err(),
                "a flipped bit {i} was accepted"
            );
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let frame = sel & 0x80 != 0;
    match sel & 0x7f {
        0 => check::<Sgd>(rest, frame),
        1 => check::<AdaGrad<3>>(rest, frame),
        2 => check::<Adam<3>>(rest, frame),
        3 => check::<AdaMax<3>>(rest, frame),
        4 => check::<Ftrl<3>>(rest, frame),
        5 => check::<OptimisticOgd<3>>(rest, frame),
        6 => check::<EntropicOmd<3>>(rest, frame),
        7 => check::<Implicit>(rest, frame),
        8 => check::<AProx>(rest, frame),
        9 => check::<PassiveAggressive>(rest, frame),
        10 => check::<LinearRegression<3, Sgd>>(rest, frame),
        11 => check::<LogisticRegression<3, Adam<3>>>(rest, frame),
        12 => check::<LogisticRegression<2, Ftrl<2>>>(rest, frame),
        13 => check::<SoftmaxRegression<2, 3, AdaGrad<2>>>(rest, frame),
        14 => check::<FxSgd>(rest, frame),
        15 => check::<FxAdaGrad<3>>(rest, frame),
        16 => check::<FxLogisticRegression<3, FxAdaGrad<3>>>(rest, frame),
        17 => check::<StandardScaler<3>>(rest, frame),
        18 => check::<BinaryEval>(rest, frame),
        19 => check::<MulticlassEval>(rest, frame),
        20 => check::<RegressionEval>(rest, frame),
        21 => check::<Hedge<4>>(rest, frame),
        22 => check::<LinearRegression<2, OptimisticOgd<2>>>(rest, frame),
        23 => check::<LogisticRegression<2, EntropicOmd<2>>>(rest, frame),
        24 => check::<LinearRegression<2, PassiveAggressive>>(rest, frame),
        _ => {}
    }
});
