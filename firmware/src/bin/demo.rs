//! The demo application (the main job, `cargo xtask run`).
//!
//! 1. On-device learning: progressive validation of `StandardScaler | LogisticRegression`
//!    over the Phishing stream stored in flash (1,250 rows), with four River-compatible
//!    rules, printed beside River's own figures.
//! 2. Classification outputs through the kernels: softmax, log-softmax, sparsemax and
//!    entmax-1.5 of the learned model's scores, with self-checks.
//! 3. A sensor over `embedded-hal` 1.0: the `drivers::ads1115` driver reads four channels
//!    through an `I2c` bus, paced by `DelayNs`; softmax and sparsemax classify each frame;
//!    the report goes out through `embedded_io::Write` on the CMSDK UART (QEMU mps2
//!    machines). Under QEMU the I2C device is **synthetic** (`drivers::synthetic`): QEMU
//!    emulates no I2C bus, so the device is a register model in memory, and every reading
//!    is checked against its signal generator.
//!
//! 4. Control with a Lipschitz-constrained network: the policy trained on the host from an
//!    LQR expert (`host/tests/lipschitz_policy.rs`, exported as Rust source into
//!    `testvectors`) drives a double integrator with bounded sensor noise; the device computes
//!    the policy's certified Lipschitz bound and checks at every step that the noise moved the
//!    control by no more than the bound allows. Then the same policy closes the loop
//!    **through the sensor** ([`sensed_control`]): the plant's state is presented on two
//!    channels of the synthetic ADS1115, read through the driver (bounded retries) and the
//!    plausibility check, while the device injects a seeded mixed fault schedule (NACKs, bus
//!    errors, stuck conversions, saturated, spiked and frozen readings). While a reading is
//!    bad the loop holds its last safe output; it counts every fault by kind and checks the
//!    counts against what the device injected, and that the state settles.
//!
//! With the feature `fault-schedules` the demo runs only the sensor-in-the-loop control, once
//! per schedule (clean, each fault kind alone, mixed), each between the bench markers, and
//! prints one `FAULTS` line per schedule for `xtask` to check (counts, settling, and the
//! instructions of each run from QEMU's trace).
//!
//! 5. Learner state kept across a reset (issue #24): the Phishing learner
//!    (`StandardScaler | LogisticRegression<9, Adam>`, `testvectors::power_cut::Learner`) saves
//!    a checkpoint every [`checkpointing::EVERY`] rows into the RAM-backed flash model
//!    (`drivers::flash_model`, in the `.uninit` section, which a system reset leaves alone),
//!    learns a few rows more, and requests a real system reset (SYSRESETREQ; QEMU reboots the
//!    machine, `xtask` does not pass `-no-reboot`). The second boot finds the flash model,
//!    restores the newest checkpoint through the store, learns the remaining rows and checks
//!    that the result is bit-identical to an uninterrupted run. This section runs first.
//!
//! Exits 0 only if every self-check passed.
#![no_std]
#![no_main]
// The `fault-schedules` build runs only the sensor-in-the-loop control.
#![cfg_attr(feature = "fault-schedules", allow(dead_code))]

use defmt::{error, println};
use testvectors::phishing;

fn online_learning() -> bool {
    println!(
        "on-device learning: StandardScaler | LogisticRegression, progressive validation over {=usize} Phishing rows in flash",
        phishing::ROWS
    );
    let mut ok = true;
    for (i, (name, (river_ll, river_acc))) in
        phishing::RULES.iter().zip(phishing::RIVER).enumerate()
    {
        let Some(o) = phishing::progressive(i) else {
            return false;
        };
        let close =
            (o.log_loss - river_ll).abs() <= 0.01 && (o.accuracy - river_acc).abs() <= 0.005;
        ok &= close && o.n as usize == phishing::ROWS;
        println!(
            "  {=str} accuracy {=f32} %  log-loss {=f32}  (River: {=f32} %, {=f32})  {=str}",
            name,
            (o.accuracy * 100.0) as f32,
            o.log_loss as f32,
            (river_acc * 100.0) as f32,
            river_ll as f32,
            if close { "ok" } else { "MISMATCH" }
        );
    }
    ok
}

fn outputs() -> bool {
    let mut ok = true;
    let scores = [2.3f32, 2.2, 2.4, -1.0];
    let mut p = [0.0f32; 4];
    for name in ["softmax", "sparsemax", "entmax15"] {
        let r = match name {
            "softmax" => mcu_kernels::softmax::softmax(&scores, &mut p),
            "sparsemax" => mcu_kernels::sparsemax::sparsemax(&scores, &mut p).map(|_| ()),
            _ => mcu_kernels::sparsemax::entmax15(&scores, &mut p),
        };
        let sum: f32 = p.iter().sum();
        let good =
            r.is_ok() && (sum - 1.0).abs() <= 4.0 * f32::EPSILON && p.iter().all(|v| *v >= 0.0);
        ok &= good;
        println!(
            "{=str}({}) = {}  sum={=f32} {=str}",
            name,
            scores,
            p,
            sum,
            if good { "ok" } else { "FAIL" }
        );
    }
    let mut lp = [0.0f32; 4];
    let r = mcu_kernels::softmax::log_softmax(&scores, &mut lp);
    ok &= r.is_ok();
    println!("log_softmax({}) = {}", scores, lp);
    let sm = mcu_kernels::sparsemax::sparsemax(&[0.5, 0.2, -0.1, 1.0], &mut p);
    let want = [0.25f32, 0.0, 0.0, 0.75];
    let exact = sm == Ok(2) && p.iter().zip(want).all(|(a, b)| (a - b).abs() <= 1e-7);
    ok &= exact;
    println!(
        "sparsemax([0.5, 0.2, -0.1, 1.0]) = {} (REFERENCE: [0.25, 0, 0, 0.75]) {=str}",
        p,
        if exact { "ok" } else { "FAIL" }
    );
    ok
}

/// Frames read from the sensor.
const FRAMES: u32 = 16;

/// The sensor section's fault schedule: every kind once within its 64 conversions (4 per
/// frame), each a few frames after the previous one so that the channel it hits has a fresh
/// good reading to be checked against (a spike after held frames would meet a grown rate
/// allowance).
fn sensor_schedule() -> drivers::synthetic::FaultSchedule {
    use drivers::fault::FaultKind::*;
    use drivers::synthetic::{Event, FaultSchedule};
    let e = |at, kind, len| Event { at, kind, len };
    FaultSchedule::from_events(&[
        e(4, AddressNack, 2),
        e(10, DataNack, 2),
        e(16, Bus, 1),
        e(22, Stuck, 1),
        e(28, Saturated, 1),
        e(34, Spike, 1),
        e(40, Frozen, 6),
    ])
}

/// Section 3: the sensor, its classification and the UART report, through sensor faults.
///
/// The synthetic device injects [`sensor_schedule`]; the driver retries within its policy and
/// every reading passes the plausibility check of its channel. A frame with a reading the
/// driver gave up on or the check flagged keeps the last safe class (it is "held"); the others
/// are classified. Checked: every fault the device injected is counted, by kind, by the driver
/// or a check, and the whole schedule ran; every accepted reading is the channel's true signal
/// at its conversion, or — for the first frames of a frozen episode, before the check can tell
/// a stuck value from a live one — the channel's previous accepted reading; every frame is
/// classified or held.
fn sensor() -> bool {
    use drivers::ads1115::{code_to_volts, Ads1115, DEFAULT_ADDRESS};
    use drivers::plausibility::{Limits, Plausibility};
    use drivers::synthetic::SyntheticAds1115;

    let schedule = sensor_schedule();
    println!(
        "sensor: SYNTHETIC ADS1115-like device on an embedded-hal I2c bus (QEMU has no I2C), {=u32} frames x 4 channels, every fault kind injected once; counts per kind [addr-nack, data-nack, bus, stuck, saturated, spike, frozen]",
        FRAMES
    );
    let mut adc = Ads1115::new(
        SyntheticAds1115::new(DEFAULT_ADDRESS).with_schedule(schedule),
        DEFAULT_ADDRESS,
    );
    let mut checks: [Plausibility; 4] =
        core::array::from_fn(|_| Plausibility::new(Limits::DEFAULT));
    let mut delay = firmware::delay::SpinDelay::new(25_000_000);
    #[cfg(cmsdk_uart)]
    let mut report = firmware::uart::Uart0::new();
    #[cfg(cmsdk_uart)]
    let _ = writeln_uart(
        &mut report,
        format_args!("sensor report: synthetic ADS1115-like device, 4 channels, {FRAMES} frames, sensor faults injected"),
    );
    let mut ok = true;
    let mut classes = [0u32; 4];
    let (mut held, mut stale) = (0u32, 0u32);
    let mut last_accepted: [Option<i16>; 4] = [None; 4];
    let mut safe_class: Option<usize> = None;
    for frame in 0..FRAMES {
        let mut volts = [0.0f32; 4];
        let mut good = true;
        for ((ch, v), check) in (0u8..).zip(volts.iter_mut()).zip(checks.iter_mut()) {
            let i = usize::from(ch);
            match adc.read_raw(ch, &mut delay) {
                Ok(code) => {
                    // The conversion just read is the device's last one.
                    let at = adc.bus_mut().conversions().wrapping_sub(1);
                    if check.check(code).is_ok() {
                        if code != SyntheticAds1115::signal(ch, at) {
                            // Only a frozen repeat may differ from the truth.
                            ok &= last_accepted.get(i).copied().flatten() == Some(code);
                            stale += 1;
                        }
                        if let Some(l) = last_accepted.get_mut(i) {
                            *l = Some(code);
                        }
                        *v = code_to_volts(code);
                    } else {
                        good = false;
                    }
                }
                Err(_) => {
                    check.missed();
                    good = false;
                }
            }
        }
        let class = if good {
            // Logits: 4 per volt after removing each channel's 0.5·ch V offset, so the
            // channels' waves (different periods) compete.
            let mut logits = volts;
            for (ch, l) in (0u8..).zip(logits.iter_mut()) {
                *l = 4.0 * (*l - 0.5 * f32::from(ch));
            }
            let (mut p, mut q) = ([0.0f32; 4], [0.0f32; 4]);
            ok &= mcu_kernels::softmax::softmax(&logits, &mut p).is_ok();
            ok &= mcu_kernels::sparsemax::sparsemax(&logits, &mut q).is_ok();
            ok &= (p.iter().sum::<f32>() - 1.0).abs() <= 4.0 * f32::EPSILON;
            let class = (0..4).fold(0, |b, i| if p[i] > p[b] { i } else { b });
            safe_class = Some(class);
            #[cfg(cmsdk_uart)]
            let _ = writeln_uart(
                &mut report,
                format_args!(
                    "frame {frame:2}: {:+.3} {:+.3} {:+.3} {:+.3} V -> class {class} (softmax {:.3}, sparsemax {:.3})",
                    volts[0], volts[1], volts[2], volts[3], p[class], q[class]
                ),
            );
            Some(class)
        } else {
            held += 1;
            #[cfg(cmsdk_uart)]
            let _ = writeln_uart(
                &mut report,
                format_args!(
                    "frame {frame:2}: a reading failed or was flagged -> class {} held",
                    safe_class.map_or(-1, |c| c as i32)
                ),
            );
            safe_class
        };
        if let Some(c) = class.and_then(|c| classes.get_mut(c)) {
            *c += 1;
        }
        #[cfg(not(cmsdk_uart))]
        let _ = frame;
    }
    let counted = checks
        .iter()
        .fold(adc.faults(), |acc, c| acc.merged(&c.faults()));
    let dev = adc.release();
    let injected = dev.injected();
    ok &= dev.schedule_done()
        && injected == schedule.expected()
        && counted == injected
        && held > 0
        && classes.iter().sum::<u32>() == FRAMES;
    #[cfg(cmsdk_uart)]
    let _ = writeln_uart(
        &mut report,
        format_args!(
            "sensor report: end, classes {:?}, {held} frames held, readings {}",
            classes,
            if ok { "verified" } else { "MISMATCH" }
        ),
    );
    #[cfg(not(cmsdk_uart))]
    println!("  (no CMSDK UART on this board: the per-frame report is not written)");
    println!(
        "  injected {} counted {}; {=u32} frames held on the last safe class, {=u32} frozen repeats accepted before the check flagged them; classes over {=u32} frames: {}  readings and outputs {=str}",
        injected.0,
        counted.0,
        held,
        stale,
        FRAMES,
        classes,
        if ok { "ok" } else { "FAIL" }
    );
    ok
}

/// Steps of the closed loop.
const STEPS: usize = 200;

/// Section 4: the Lipschitz policy in closed loop, with its certificate checked on the device.
fn control() -> bool {
    use testvectors::lipschitz_closed_loop as cl;
    let Ok(policy) = cl::policy() else {
        return false;
    };
    let mut ws = mcu_kernels::lipschitz::Workspace::<16>::new();
    let Ok(bound) = policy.certified_lipschitz_bound(&mut ws) else {
        return false;
    };
    println!(
        "control: double integrator, Lipschitz policy 2 -> 16 (MaxMin) -> 1 trained on the host from an LQR expert; certified Lipschitz bound {=f32} (computed here)",
        bound
    );
    let (eps, x0) = (0.01f32, [1.5f32, -0.5]);
    let mut clean = [[0.0f32; 2]; STEPS];
    let mut noisy = [[0.0f32; 2]; STEPS];
    let mut noise = [[0.0f32; 2]; STEPS];
    if cl::run(x0, eps, 7, &mut clean, &mut noisy, &mut noise).is_err() {
        return false;
    }
    // The certificate on the device: |π(x + e) − π(x)| ≤ L·‖e‖ at every visited state (plus
    // f32 rounding of the two forward passes, 1e-6 absolute).
    let mut worst_ratio = 0.0f32;
    let mut ok = true;
    for (x, e) in noisy.iter().zip(&noise) {
        let (mut u0, mut u1) = ([0.0f32], [0.0f32]);
        ok &= policy.forward(x, &mut u0).is_ok();
        ok &= policy.forward(&[x[0] + e[0], x[1] + e[1]], &mut u1).is_ok();
        let norm_e = libm::sqrtf(e[0] * e[0] + e[1] * e[1]);
        let du = (u1[0] - u0[0]).abs();
        ok &= du <= bound * norm_e + 1e-6;
        if norm_e > 0.0 {
            worst_ratio = worst_ratio.max(du / (bound * norm_e));
        }
    }
    let norm = |x: [f32; 2]| libm::sqrtf(x[0] * x[0] + x[1] * x[1]);
    let dev = clean
        .iter()
        .zip(&noisy)
        .map(|(c, n)| norm([n[0] - c[0], n[1] - c[1]]))
        .fold(0.0f32, f32::max);
    let (fc, fn_) = (norm(clean[STEPS - 1]), norm(noisy[STEPS - 1]));
    // Stable: both trajectories end within 5 % of where they started.
    let stable = fc <= 0.05 * norm(x0) && fn_ <= 0.05 * norm(x0);
    ok &= stable;
    println!(
        "  {=usize} steps from [{=f32}, {=f32}], sensor noise in [-{=f32}, {=f32}]^2: |x| at the end {=f32} (noiseless {=f32}), max deviation from the noiseless run {=f32}; |du| <= L*|e| at every step (worst ratio {=f32}) {=str}",
        STEPS,
        x0[0],
        x0[1],
        eps,
        eps,
        fn_,
        fc,
        dev,
        worst_ratio,
        if ok { "ok" } else { "FAIL" }
    );
    ok
}

/// Seed of the fault schedules.
const FAULT_SEED: u32 = 2026;
/// Frames of the sensor-in-the-loop control: 2 readings each (position on AIN0, velocity on
/// AIN1, 1 V per unit). The schedules' events start at conversions 8..=205 (frames 4..≈103),
/// so the loop has ≥ 90 fault-free frames to settle.
const SENSED_STEPS: usize = 200;
/// Where the sensed loop starts.
const SENSED_X0: [f32; 2] = [1.5, -0.5];

/// A state component as the analog front end presents it: 1 V per unit, 125 µV per LSB.
fn to_code(x: f32) -> i16 {
    libm::roundf(x / (drivers::ads1115::FULL_SCALE_V / 32_768.0)) as i16
}

/// The outcome of one sensor-in-the-loop run.
struct Sensed {
    injected: drivers::fault::FaultCounts,
    counted: drivers::fault::FaultCounts,
    expected: drivers::fault::FaultCounts,
    /// Frames in which the last safe output was held.
    held: u32,
    /// Readings the driver gave up on (retries exhausted).
    gave_up: u32,
    /// The largest change of the applied control between two frames (after the first).
    kick: f32,
    /// |x| at the end, and the band it must be in.
    end: f32,
    band: f32,
    ok: bool,
}

/// Section 4b: the Lipschitz policy in closed loop through the sensor, under `schedule`.
///
/// Each frame: the plant's state goes to AIN0/AIN1 of the synthetic device; the driver reads
/// both (bounded retries); each reading passes the plausibility check; if both are good the
/// policy computes u from the measured state and u becomes the last safe output, otherwise
/// the last safe output is applied again (0 before the first good frame). Faults are counted
/// by kind (driver + plausibility) and must equal those the device injected, which must be
/// the whole schedule; |x| must end within 5 % of |x0|, like the noiseless loop.
///
/// With `hold = false` (the counterfactual) a reading the check flags is used anyway (only a
/// reading the driver gave up on is held): the bad values then reach the policy, and the
/// largest control step between frames (`kick`) shows what the hold prevented.
fn sensed_control(schedule: drivers::synthetic::FaultSchedule, hz: u32, hold: bool) -> Sensed {
    use drivers::ads1115::{code_to_volts, Ads1115, DEFAULT_ADDRESS};
    use drivers::plausibility::{Limits, Plausibility};
    use drivers::synthetic::SyntheticAds1115;
    use testvectors::lipschitz_closed_loop as cl;

    let expected = schedule.expected();
    let mut out = Sensed {
        injected: expected,
        counted: drivers::fault::FaultCounts::new(),
        expected,
        held: 0,
        gave_up: 0,
        kick: 0.0,
        end: f32::INFINITY,
        band: 0.0,
        ok: false,
    };
    let Ok(policy) = cl::policy() else {
        return out;
    };
    let mut adc = Ads1115::new(
        SyntheticAds1115::new(DEFAULT_ADDRESS).with_schedule(schedule),
        DEFAULT_ADDRESS,
    );
    let mut delay = firmware::delay::SpinDelay::new(hz);
    let mut checks = [
        Plausibility::new(Limits::DEFAULT),
        Plausibility::new(Limits::DEFAULT),
    ];
    let mut x = SENSED_X0;
    let mut u_safe = 0.0f32;
    let mut ok = true;
    for frame in 0..SENSED_STEPS {
        let dev = adc.bus_mut();
        dev.set_input(0, Some(to_code(x[0])));
        dev.set_input(1, Some(to_code(x[1])));
        let mut measured = [0.0f32; 2];
        let mut good = true;
        for ((ch, check), m) in (0u8..).zip(checks.iter_mut()).zip(measured.iter_mut()) {
            match adc.read_raw(ch, &mut delay) {
                Ok(code) => {
                    let plausible = check.check(code).is_ok();
                    *m = code_to_volts(code);
                    good &= plausible || !hold;
                }
                Err(_) => {
                    check.missed();
                    out.gave_up += 1;
                    good = false;
                }
            }
        }
        if good {
            let mut u = [0.0f32];
            if policy.forward(&measured, &mut u).is_ok() && u[0].is_finite() {
                if frame > 0 {
                    out.kick = out.kick.max((u[0] - u_safe).abs());
                }
                u_safe = u[0];
            } else {
                ok = false;
            }
        } else {
            out.held += 1;
        }
        x = cl::plant(x, u_safe);
    }
    let norm = |x: [f32; 2]| libm::sqrtf(x[0] * x[0] + x[1] * x[1]);
    out.counted = adc
        .faults()
        .merged(&checks[0].faults())
        .merged(&checks[1].faults());
    let dev = adc.release();
    out.injected = dev.injected();
    out.end = norm(x);
    out.band = 0.05 * norm(SENSED_X0);
    ok &= dev.schedule_done()
        && out.injected == expected
        && out.counted == out.injected
        && out.end <= out.band
        // A faulty schedule must have made the loop hold; the clean one must not.
        && (!hold || (out.held > 0) == (expected.total() > 0));
    out.ok = ok;
    out
}

/// The `FAULTS` line of one schedule (parsed by `xtask`).
#[cfg(feature = "fault-schedules")]
fn report_sensed(name: &str, r: &Sensed, raw_kick: f32) {
    println!(
        "FAULTS {=str} injected {} counted {} expected {} held {=u32} gaveup {=u32} end {=f32} band {=f32} kick {=f32} rawkick {=f32} {=str}",
        name,
        r.injected.0,
        r.counted.0,
        r.expected.0,
        r.held,
        r.gave_up,
        r.end,
        r.band,
        r.kick,
        raw_kick,
        if r.ok { "ok" } else { "FAIL" }
    );
}

/// One line of the report through `embedded_io::Write`.
#[cfg(cmsdk_uart)]
fn writeln_uart(w: &mut impl embedded_io::Write, args: core::fmt::Arguments<'_>) -> Result<(), ()> {
    w.write_fmt(args).map_err(|_| ())?;
    w.write_all(b"\n").map_err(|_| ())
}

/// Section 4b in the default demo: the mixed schedule, at the demo's 25 MHz pacing.
#[cfg(not(feature = "fault-schedules"))]
fn control_through_faults() -> bool {
    println!(
        "control through the sensor: the policy reads the plant on AIN0/AIN1 of the synthetic ADS1115, {=usize} frames, mixed fault schedule (seed {=u32}); counts per kind [addr-nack, data-nack, bus, stuck, saturated, spike, frozen]",
        SENSED_STEPS,
        FAULT_SEED
    );
    let schedule = drivers::synthetic::FaultSchedule::mixed(FAULT_SEED);
    let r = sensed_control(schedule, 25_000_000, true);
    // The counterfactual: the flagged readings used as they are.
    let raw = sensed_control(schedule, 25_000_000, false);
    let ok = r.ok && r.kick < raw.kick;
    println!(
        "  scheduled {} injected {} counted {}; last safe output held in {=u32} frames ({=u32} readings given up after retries); |x| at the end {=f32} (band {=f32}); largest control step between frames {=f32} (using the flagged readings instead: {=f32}) {=str}",
        r.expected.0,
        r.injected.0,
        r.counted.0,
        r.held,
        r.gave_up,
        r.end,
        r.band,
        r.kick,
        raw.kick,
        if ok { "ok" } else { "FAIL" }
    );
    ok
}

/// The `fault-schedules` build: every schedule, each between the bench markers.
#[cfg(feature = "fault-schedules")]
fn fault_schedules() -> bool {
    use drivers::fault::FaultKind;
    use drivers::synthetic::FaultSchedule;
    // A nominal 1 MHz pacing clock: the busy-waits stay short in QEMU's trace.
    const HZ: u32 = 1_000_000;
    let mut ok = true;
    let mut run = |name: &str, s: FaultSchedule| {
        firmware::bench::bench_start();
        let r = sensed_control(s, HZ, true);
        firmware::bench::bench_end();
        // Outside the markers: the counterfactual (flagged readings used) for the schedules
        // with bad values; the hold must keep the control steps smaller.
        let value_faults =
            s.expected().get(FaultKind::Saturated) + s.expected().get(FaultKind::Spike) > 0;
        let raw_kick = if value_faults {
            let raw = sensed_control(s, HZ, false);
            ok &= r.kick < raw.kick;
            raw.kick
        } else {
            r.kick
        };
        report_sensed(name, &r, raw_kick);
        ok &= r.ok;
    };
    run("clean", FaultSchedule::clean());
    for kind in FaultKind::ALL {
        run(kind.name(), FaultSchedule::single(kind, FAULT_SEED));
    }
    run("mixed", FaultSchedule::mixed(FAULT_SEED));
    ok
}

#[cfg(feature = "fault-schedules")]
#[cortex_m_rt::entry]
fn main() -> ! {
    println!(
        "kernels demo on {=str}: sensor-in-the-loop control under every fault schedule",
        firmware::TARGET
    );
    let ok = fault_schedules();
    if ok {
        println!("self-checks: all passed");
    } else {
        error!("self-checks: FAILED (fault schedules)");
    }
    firmware::exit(ok)
}

#[cfg(not(feature = "fault-schedules"))]
/// Issue #24: checkpoints in the flash model, a real reset, and the resume.
mod checkpointing {
    use core::mem::MaybeUninit;
    use core::ptr::{addr_of, addr_of_mut};

    use defmt::{error, println};
    use drivers::checkpoint_store::CheckpointStore;
    #[cfg(not(feature = "board-nrf52840"))]
    use drivers::flash_model::RamFlash;
    use drivers::flash_model::PAGE;
    use embedded_storage_async::nor_flash::MultiwriteNorFlash;
    use testvectors::phishing::ROWS;
    use testvectors::power_cut::{Learner, PAGES, RECORD, SCRATCH};

    /// Rows between checkpoints.
    pub const EVERY: u32 = 50;
    /// The first boot stops checkpointing here, learns [`LOST`] rows more and resets.
    const RESET_AT: u32 = 600;
    /// Rows learned after the last checkpoint and lost in the reset (learned again).
    const LOST: u32 = 17;
    /// Marks the flash model as initialised (a cold boot finds anything else).
    const MAGIC: u32 = 0xC4EC_4B0F;

    /// What survives a system reset: RAM that `cortex-m-rt` neither zeroes nor loads.
    struct Persist {
        magic: u32,
        boots: u32,
        /// The flash model (QEMU); on the nRF52840 the store is in the NVMC instead.
        #[cfg(not(feature = "board-nrf52840"))]
        flash: RamFlash<PAGES>,
    }

    #[link_section = ".uninit.checkpointing"]
    static mut PERSIST: MaybeUninit<Persist> = MaybeUninit::uninit();

    /// The persistent block and whether this is a cold boot (then it is initialised: boot
    /// count 0, erased flash model). A boot after the resume (a third boot that kept the RAM:
    /// a debugger's reset, a re-flash) is cold too, so the demo runs whole again.
    fn persist() -> (&'static mut Persist, bool) {
        // SAFETY: single-threaded, called once per boot (no other reference exists); the magic
        // is read as a plain u32 (any bit pattern is a valid u32), the boot count only when the
        // magic says the block was initialised, and the block is written in full before it is
        // used when it was not.
        unsafe {
            let p = addr_of_mut!(PERSIST).cast::<Persist>();
            let warm = core::ptr::read_volatile(addr_of!((*p).magic)) == MAGIC
                && core::ptr::read_volatile(addr_of!((*p).boots)) < 2;
            let cold = !warm;
            if cold {
                addr_of_mut!((*p).boots).write(0);
                #[cfg(not(feature = "board-nrf52840"))]
                addr_of_mut!((*p).flash).write(RamFlash::new());
                core::ptr::write_volatile(addr_of_mut!((*p).magic), MAGIC);
            }
            (&mut *p, cold)
        }
    }

    /// Returns only on the second boot: `true` if the resumed run matched.
    pub fn run() -> bool {
        let (persist, cold) = persist();
        let boot = persist.boots;
        persist.boots = boot.wrapping_add(1);
        #[cfg(not(feature = "board-nrf52840"))]
        let store = CheckpointStore::new(&mut persist.flash, 0..(PAGES * PAGE) as u32).ok();
        #[cfg(feature = "board-nrf52840")]
        let store = nvmc::store();
        let Some(mut store) = store else {
            error!("checkpointing: no store (flash range or peripheral)");
            return false;
        };
        // A cold boot starts from empty flash (on the NVMC, the records of an earlier run).
        if cold && store.erase_all().is_err() {
            error!("checkpointing: erase failed");
            return false;
        }
        run_with(&mut store, boot)
    }

    /// Saves `l` as the newest checkpoint; logs and returns `false` if that failed.
    fn checkpoint<F: MultiwriteNorFlash>(
        store: &mut CheckpointStore<F>,
        l: &Learner,
        scratch: &mut [u8],
    ) -> bool {
        let saved = match l.encode() {
            Ok(rec) => store.save(&rec, scratch).is_ok(),
            Err(_) => false,
        };
        if !saved {
            error!("checkpointing: save at row {=u32} failed", l.row);
        }
        saved
    }

    fn run_with<F: MultiwriteNorFlash>(store: &mut CheckpointStore<F>, boot: u32) -> bool {
        let mut scratch = [0u8; SCRATCH];
        if boot == 0 {
            println!(
                "checkpointing: boot 1: progressive validation over the Phishing rows, a {=usize}-byte checkpoint every {=u32} rows into flash (QEMU: the flash model, {=usize} x {=usize} B pages; nRF52840: the NVMC)",
                RECORD, EVERY, PAGES, PAGE
            );
            let mut l = Learner::new();
            while l.row < RESET_AT {
                l.learn_rows(EVERY as usize);
                if !checkpoint(store, &l, &mut scratch) {
                    return false;
                }
            }
            l.learn_rows(LOST as usize);
            println!(
                "  {=u32} rows learned, the last checkpoint at row {=u32}: system reset (SYSRESETREQ)",
                l.row, RESET_AT
            );
            cortex_m::peripheral::SCB::sys_reset();
        }
        let resumed = match store.load(&mut scratch) {
            Ok(Some(rec)) => Learner::decode(rec).ok(),
            _ => None,
        };
        let Some(mut l) = resumed else {
            error!(
                "checkpointing: boot {=u32}: no checkpoint restored",
                boot + 1
            );
            return false;
        };
        let from = l.row;
        while (l.row as usize) < ROWS {
            let n = (ROWS - l.row as usize).min(EVERY as usize);
            l.learn_rows(n);
            if !checkpoint(store, &l, &mut scratch) {
                return false;
            }
        }
        // The uninterrupted run, in RAM.
        let mut whole = Learner::new();
        whole.learn_rows(ROWS);
        let same = matches!((l.encode(), whole.encode()), (Ok(a), Ok(b)) if a == b);
        println!(
            "checkpointing: boot {=u32} after the reset: restored the checkpoint at row {=u32} from flash, learned rows {=u32}..{=usize}: accuracy {=f32} %, log-loss {=f32}; bit-identical to the uninterrupted run: {=bool}",
            boot + 1,
            from,
            from,
            ROWS,
            (l.eval.accuracy() * 100.0) as f32,
            l.eval.log_loss() as f32,
            same
        );
        same && from == RESET_AT
    }

    /// The nRF52840: the store in the NVMC (`nrf52840-hal`'s `Nvmc`, 4 KiB pages, 4-byte
    /// words, two writes per word), over the last 16 KiB of flash that
    /// `memory/nrf52840.x` keeps out of `FLASH` (`__checkpoint_start`..`__checkpoint_end`).
    #[cfg(feature = "board-nrf52840")]
    mod nvmc {
        use core::ptr::{addr_of, addr_of_mut};
        use drivers::checkpoint_store::{BlockingAsync, CheckpointStore};
        use nrf52840_hal::nvmc::Nvmc;
        use nrf52840_hal::pac;

        extern "C" {
            static mut __checkpoint_start: u8;
            static __checkpoint_end: u8;
        }

        pub(super) fn store() -> Option<CheckpointStore<BlockingAsync<Nvmc<pac::NVMC>>>> {
            let p = pac::Peripherals::take()?;
            // SAFETY: the linker script reserves this page-aligned range for the store alone;
            // nothing else in the program refers to it, and this runs once per boot (the
            // peripherals can be taken once).
            let storage: &'static mut [u8] = unsafe {
                let start = addr_of_mut!(__checkpoint_start);
                let len = (addr_of!(__checkpoint_end) as usize).wrapping_sub(start as usize);
                core::slice::from_raw_parts_mut(start, len)
            };
            let len = storage.len() as u32;
            CheckpointStore::new(BlockingAsync(Nvmc::new(p.NVMC, storage)), 0..len).ok()
        }
    }
}

#[cfg(not(feature = "fault-schedules"))]
#[cortex_m_rt::entry]
fn main() -> ! {
    println!("kernels demo on {=str}", firmware::TARGET);
    let checkpointed = checkpointing::run();
    let learned = online_learning();
    let out = outputs();
    let sensed = sensor();
    let controlled = control() & control_through_faults();
    let all_ok = checkpointed && learned && out && sensed && controlled;
    if all_ok {
        println!("self-checks: all passed");
    } else {
        error!(
            "self-checks: FAILED (checkpointing {=bool}, learning {=bool}, outputs {=bool}, sensor {=bool}, control {=bool})",
            checkpointed, learned, out, sensed, controlled
        );
    }
    firmware::exit(all_ok)
}
