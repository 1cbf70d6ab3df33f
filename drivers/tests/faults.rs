//! Sensor faults: the retry policy against exact bus traffic (`embedded-hal-mock`), the
//! plausibility rules, the seeded fault schedules of the synthetic device, and "counted ==
//! injected" for every schedule.

use drivers::ads1115::{
    Ads1115, Error, Fault, RetryPolicy, CONVERSION_ATTEMPTS, DEFAULT_ADDRESS, MAX_POLLS,
    MAX_TRANSACTIONS, TRANSACTION_ATTEMPTS,
};
use drivers::fault::{FaultCounts, FaultKind};
use drivers::plausibility::{Flag, Limits, Plausibility};
use drivers::synthetic::{
    Event, FaultSchedule, SyntheticAds1115, FROZEN_MAX, FROZEN_MIN, SATURATED, SEEDED_EVENTS,
    SEEDED_FIRST, SEEDED_JITTER, SEEDED_SPACING, SPIKE_LSB,
};
use embedded_hal::i2c::{ErrorKind, NoAcknowledgeSource};
use embedded_hal_mock::eh1::delay::NoopDelay;
use embedded_hal_mock::eh1::i2c::{Mock, Transaction};
use proptest::prelude::*;

const A: u8 = DEFAULT_ADDRESS;
const ADDR_NACK: ErrorKind = ErrorKind::NoAcknowledge(NoAcknowledgeSource::Address);
const DATA_NACK: ErrorKind = ErrorKind::NoAcknowledge(NoAcknowledgeSource::Data);

fn counts(pairs: &[(FaultKind, u32)]) -> FaultCounts {
    let mut c = FaultCounts::new();
    for &(k, n) in pairs {
        for _ in 0..n {
            c.add(k);
        }
    }
    c
}

fn cfg(ch: u8) -> [u8; 2] {
    Ads1115::<Mock>::config_for(ch).to_be_bytes()
}
fn start(ch: u8) -> Transaction {
    let c = cfg(ch);
    Transaction::write(A, vec![0x01, c[0], c[1]])
}
fn poll(ch: u8, done: bool) -> Transaction {
    let c = cfg(ch);
    let hi = if done { c[0] } else { c[0] & 0x7f };
    Transaction::write_read(A, vec![0x01], vec![hi, c[1]])
}
fn data(code: i16) -> Transaction {
    Transaction::write_read(A, vec![0x00], code.to_be_bytes().to_vec())
}

#[test]
fn retry_policy_numbers() {
    assert_eq!(TRANSACTION_ATTEMPTS, 3);
    assert_eq!(CONVERSION_ATTEMPTS, 2);
    assert_eq!(MAX_POLLS, 4);
    assert_eq!(MAX_TRANSACTIONS, 36);
}

#[test]
fn address_nack_is_retried_and_counted() {
    let exp = [
        start(1).with_error(ADDR_NACK),
        start(1).with_error(ADDR_NACK),
        start(1),
        poll(1, true),
        data(1234),
    ];
    let mut adc = Ads1115::new(Mock::new(&exp), A);
    assert_eq!(adc.read_raw(1, &mut NoopDelay::new()), Ok(1234));
    assert_eq!(adc.faults(), counts(&[(FaultKind::AddressNack, 2)]));
    adc.release().done();
}

#[test]
fn data_nack_on_a_poll_and_bus_error_on_the_read_are_retried() {
    let exp = [
        start(0),
        poll(0, true).with_error(DATA_NACK),
        poll(0, true),
        data(-5).with_error(ErrorKind::ArbitrationLoss),
        data(-5).with_error(ErrorKind::Bus),
        data(-5),
    ];
    let mut adc = Ads1115::new(Mock::new(&exp), A);
    assert_eq!(adc.read_raw(0, &mut NoopDelay::new()), Ok(-5));
    assert_eq!(
        adc.faults(),
        counts(&[(FaultKind::DataNack, 1), (FaultKind::Bus, 2)])
    );
    adc.release().done();
}

#[test]
fn a_transaction_that_keeps_failing_restarts_the_conversion() {
    // Three failed config writes end the first conversion attempt; the second succeeds.
    let mut exp = vec![start(2).with_error(ErrorKind::ArbitrationLoss); 3];
    exp.extend([start(2), poll(2, true), data(77)]);
    let mut adc = Ads1115::new(Mock::new(&exp), A);
    assert_eq!(adc.read_raw(2, &mut NoopDelay::new()), Ok(77));
    assert_eq!(adc.faults(), counts(&[(FaultKind::Bus, 3)]));
    adc.release().done();
}

#[test]
fn stuck_os_bit_times_out_and_the_conversion_is_restarted() {
    let mut exp = vec![start(3)];
    exp.extend((0..MAX_POLLS).map(|_| poll(3, false)));
    exp.extend([start(3), poll(3, false), poll(3, true), data(-300)]);
    let mut adc = Ads1115::new(Mock::new(&exp), A);
    assert_eq!(adc.read_raw(3, &mut NoopDelay::new()), Ok(-300));
    assert_eq!(adc.faults(), counts(&[(FaultKind::Stuck, 1)]));
    adc.release().done();
}

#[test]
fn retries_exhausted_is_typed_and_bounded() {
    // Every config write NACKs: 2 conversions × 3 attempts, then the typed error.
    let n = usize::from(CONVERSION_ATTEMPTS) * usize::from(TRANSACTION_ATTEMPTS);
    let exp = vec![start(0).with_error(ADDR_NACK); n];
    let mut adc = Ads1115::new(Mock::new(&exp), A);
    assert_eq!(
        adc.read_raw(0, &mut NoopDelay::new()),
        Err(Error::RetriesExhausted {
            last: Fault::AddressNack
        })
    );
    assert_eq!(adc.faults(), counts(&[(FaultKind::AddressNack, n as u32)]));
    adc.release().done();

    // Stuck on both conversions: 2 × (1 write + MAX_POLLS polls).
    let mut exp = Vec::new();
    for _ in 0..CONVERSION_ATTEMPTS {
        exp.push(start(0));
        exp.extend((0..MAX_POLLS).map(|_| poll(0, false)));
    }
    let mut adc = Ads1115::new(Mock::new(&exp), A);
    assert_eq!(
        adc.read_raw(0, &mut NoopDelay::new()),
        Err(Error::RetriesExhausted {
            last: Fault::Timeout
        })
    );
    assert_eq!(adc.faults(), counts(&[(FaultKind::Stuck, 2)]));
    adc.release().done();

    // The worst case reaches MAX_TRANSACTIONS exactly: in each conversion attempt the config
    // write and every poll succeed only at their third try, the OS bit comes back on the
    // last poll, and the data read fails all three times.
    let mut exp = Vec::new();
    for _ in 0..CONVERSION_ATTEMPTS {
        exp.extend([
            start(1).with_error(DATA_NACK),
            start(1).with_error(DATA_NACK),
            start(1),
        ]);
        for _ in 0..MAX_POLLS - 1 {
            exp.extend([
                poll(1, true).with_error(DATA_NACK),
                poll(1, true).with_error(DATA_NACK),
                poll(1, false),
            ]);
        }
        exp.extend([
            poll(1, true).with_error(DATA_NACK),
            poll(1, true).with_error(DATA_NACK),
            poll(1, true),
        ]);
        exp.extend(vec![data(1).with_error(ErrorKind::Bus); 3]);
    }
    assert_eq!(exp.len() as u32, MAX_TRANSACTIONS);
    let mut adc = Ads1115::new(Mock::new(&exp), A);
    assert_eq!(
        adc.read_raw(1, &mut NoopDelay::new()),
        Err(Error::RetriesExhausted { last: Fault::Bus })
    );
    adc.release().done();
}

#[test]
fn no_retry_policy_returns_the_first_fault() {
    let exp = [start(0).with_error(DATA_NACK)];
    let mut adc = Ads1115::new(Mock::new(&exp), A).with_retry(RetryPolicy::NONE);
    assert_eq!(
        adc.read_raw(0, &mut NoopDelay::new()),
        Err(Error::DataNack(DATA_NACK))
    );
    assert_eq!(
        Error::<ErrorKind>::DataNack(DATA_NACK).fault(),
        Some(Fault::DataNack)
    );
    adc.release().done();
}

#[test]
fn plausibility_rules() {
    let mut p = Plausibility::new(Limits::DEFAULT);
    assert_eq!(p.check(1000), Ok(1000));
    // Range: saturation either way.
    assert_eq!(p.check(32_767), Err(Flag::OutOfRange));
    assert_eq!(p.check(-32_767), Err(Flag::OutOfRange));
    assert_eq!(p.check(30_000 - 29_000), Ok(1000)); // back, within 3 frames of allowance
                                                    // A spike: +4,001 from the last accepted reading after one frame.
    assert_eq!(p.check(5_001), Err(Flag::RateOfChange));
    assert_eq!(p.check(1_100), Ok(1_100)); // the reading after the spike is fine
                                           // The allowance grows with frames without an accepted reading.
    p.missed();
    p.missed();
    assert_eq!(p.check(1_100 + 12_000), Ok(13_100)); // 3 frames × 4,000
    assert_eq!(p.check(13_100 + 4_001), Err(Flag::RateOfChange));
    // Frozen: the 4th identical code is flagged, counted once per episode.
    assert_eq!(p.check(13_000), Ok(13_000));
    assert_eq!(p.check(13_000), Ok(13_000));
    assert_eq!(p.check(13_000), Ok(13_000));
    assert_eq!(p.check(13_000), Err(Flag::Frozen));
    assert_eq!(p.check(13_000), Err(Flag::Frozen));
    assert_eq!(p.check(13_001), Ok(13_001));
    assert_eq!(
        p.faults(),
        counts(&[
            (FaultKind::Saturated, 2),
            (FaultKind::Spike, 2),
            (FaultKind::Frozen, 1)
        ])
    );
    assert_eq!(p.last_good(), Some(13_001));
}

#[test]
fn schedules_place_each_kind_at_the_stated_conversions() {
    for kind in FaultKind::ALL {
        let s = FaultSchedule::single(kind, 11);
        assert_eq!(s.events().len(), SEEDED_EVENTS);
        for (i, e) in s.events().iter().enumerate() {
            assert_eq!(e.kind, kind);
            let lo = SEEDED_FIRST + i as u32 * SEEDED_SPACING;
            assert!((lo..lo + SEEDED_JITTER).contains(&e.at), "{e:?}");
            let ok = match kind {
                FaultKind::AddressNack | FaultKind::DataNack | FaultKind::Bus => {
                    (1..=7).contains(&e.len)
                }
                FaultKind::Stuck | FaultKind::Saturated => (1..=3).contains(&e.len),
                FaultKind::Spike => e.len == 1,
                FaultKind::Frozen => (FROZEN_MIN..=FROZEN_MAX).contains(&e.len),
            };
            assert!(ok, "{e:?}");
        }
    }
    // The mixed schedule has every kind exactly once.
    let m = FaultSchedule::mixed(3);
    let mut kinds: Vec<FaultKind> = m.events().iter().map(|e| e.kind).collect();
    kinds.sort();
    assert_eq!(kinds, FaultKind::ALL.to_vec());
    assert!(FaultSchedule::clean().events().is_empty());
    assert_eq!(FaultSchedule::default(), FaultSchedule::clean());
}

#[test]
fn schedules_are_reproducible_from_their_seed() {
    assert_eq!(FaultSchedule::mixed(42), FaultSchedule::mixed(42));
    assert_ne!(FaultSchedule::mixed(42), FaultSchedule::mixed(43));
    assert_eq!(
        FaultSchedule::single(FaultKind::Bus, 9),
        FaultSchedule::single(FaultKind::Bus, 9)
    );
}

/// The clean schedule changes nothing: the generator's readings as before.
#[test]
fn clean_schedule_readings_are_the_generator() {
    let mut adc = Ads1115::new(
        SyntheticAds1115::new(A).with_schedule(FaultSchedule::clean()),
        A,
    );
    for step in 0..100u32 {
        let ch = (step % 4) as u8;
        assert_eq!(
            adc.read_raw(ch, &mut NoopDelay::new()),
            Ok(SyntheticAds1115::signal(ch, step))
        );
    }
    assert_eq!(adc.faults(), FaultCounts::new());
    assert_eq!(adc.release().injected(), FaultCounts::new());
}

/// Each value-level fault at its event, exactly as stated (the device's own readings).
#[test]
fn value_faults_are_injected_at_their_conversion() {
    let ev = |at, kind, len| Event { at, kind, len };
    let s = FaultSchedule::from_events(&[
        ev(3, FaultKind::Saturated, 2),
        ev(10, FaultKind::Spike, 1),
        ev(20, FaultKind::Frozen, 3),
        ev(40, FaultKind::Stuck, 1),
    ]);
    let mut adc =
        Ads1115::new(SyntheticAds1115::new(A).with_schedule(s), A).with_retry(RetryPolicy::NONE);
    let mut d = NoopDelay::new();
    let mut got = Vec::new();
    for i in 0..50u32 {
        // Channel 0 only: the conversion index is the read index while nothing is stuck.
        got.push(adc.read_raw(0, &mut d));
        let _ = i;
    }
    let sig = |n: u32| SyntheticAds1115::signal(0, n);
    assert_eq!(got[3], Ok(if sig(3) < 0 { -SATURATED } else { SATURATED }));
    assert_eq!(got[4], Ok(if sig(4) < 0 { -SATURATED } else { SATURATED }));
    assert_eq!(got[5], Ok(sig(5)));
    let spike = if sig(10) < 0 {
        sig(10) + SPIKE_LSB
    } else {
        sig(10) - SPIKE_LSB
    };
    assert_eq!(got[10], Ok(spike));
    assert_eq!(got[20], Ok(sig(20)));
    assert_eq!(got[21], Ok(sig(20)));
    assert_eq!(got[22], Ok(sig(20)));
    assert_eq!(got[23], Ok(sig(23)));
    assert_eq!(got[40], Err(Error::Timeout));
    assert_eq!(got[41], Ok(sig(41)));
    let dev = adc.release();
    assert!(dev.schedule_done());
    assert_eq!(
        dev.injected(),
        counts(&[
            (FaultKind::Saturated, 2),
            (FaultKind::Spike, 1),
            (FaultKind::Frozen, 1),
            (FaultKind::Stuck, 1)
        ])
    );
}

/// A miniature of the demo's loop: two channels per frame whose inputs follow a smooth
/// signal; readings go through the retry policy and the plausibility check. Returns
/// (injected, counted, frames held).
fn ride_through(schedule: FaultSchedule, frames: u32) -> (FaultCounts, FaultCounts, u32, bool) {
    let mut adc = Ads1115::new(SyntheticAds1115::new(A).with_schedule(schedule), A);
    let mut checks = [
        Plausibility::new(Limits::DEFAULT),
        Plausibility::new(Limits::DEFAULT),
    ];
    let mut d = NoopDelay::new();
    let mut held = 0;
    for f in 0..frames {
        let t = f as f32 / 10.0;
        adc.bus_mut()
            .set_input(0, Some((12_000.0 * t.cos()) as i16));
        adc.bus_mut()
            .set_input(1, Some((-1_200.0 * t.sin()) as i16));
        let mut good = true;
        for (ch, check) in (0u8..).zip(checks.iter_mut()) {
            match adc.read_raw(ch, &mut d) {
                Ok(code) => good &= check.check(code).is_ok(),
                Err(_) => {
                    check.missed();
                    good = false;
                }
            }
        }
        held += u32::from(!good);
    }
    let counted = adc
        .faults()
        .merged(&checks[0].faults())
        .merged(&checks[1].faults());
    let dev = adc.release();
    (dev.injected(), counted, held, dev.schedule_done())
}

#[test]
fn counted_equals_injected_for_every_schedule() {
    let mut schedules: Vec<(&str, FaultSchedule)> = FaultKind::ALL
        .iter()
        .map(|k| (k.name(), FaultSchedule::single(*k, 2026)))
        .collect();
    schedules.push(("mixed", FaultSchedule::mixed(2026)));
    for (name, s) in schedules {
        let (injected, counted, held, done) = ride_through(s, 200);
        assert!(done, "{name}: schedule not finished");
        assert_eq!(injected, s.expected(), "{name}");
        assert_eq!(counted, injected, "{name}");
        assert!(held > 0, "{name}: no frame held");
    }
    let (injected, counted, held, _) = ride_through(FaultSchedule::clean(), 200);
    assert_eq!((injected.total(), counted.total(), held), (0, 0, 0));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    /// Any seed, any set of kinds: no panic, the whole schedule injected, counted == injected.
    #[test]
    fn any_schedule_is_counted_exactly(seed in any::<u32>(), mask in 1u8..128) {
        let kinds: Vec<FaultKind> = FaultKind::ALL
            .iter()
            .enumerate()
            .filter(|(i, _)| mask & (1 << i) != 0)
            .map(|(_, k)| *k)
            .collect();
        let s = FaultSchedule::seeded(seed, &kinds);
        let (injected, counted, _, done) = ride_through(s, 200);
        prop_assert!(done);
        prop_assert_eq!(injected, s.expected());
        prop_assert_eq!(counted, injected);
    }

    /// Arbitrary event lists (overlapping, zero-length, out of order): the device and the
    /// driver never panic, every read returns (a reading or an error), and nothing is injected
    /// beyond the schedule. (The retry bound itself, `MAX_TRANSACTIONS` per reading, is checked
    /// transaction by transaction by the worst-case mock test above.)
    #[test]
    fn arbitrary_events_never_panic(
        raw in proptest::collection::vec((0u32..120, 0usize..7, 0u16..12), 0..16)
    ) {
        let events: Vec<Event> = raw
            .iter()
            .map(|&(at, k, len)| Event { at, kind: FaultKind::ALL[k], len })
            .collect();
        let (injected, _, _, _) = ride_through(FaultSchedule::from_events(&events), 120);
        prop_assert!(injected.total() <= FaultSchedule::from_events(&events).expected().total());
    }
}
