//! The ADS1115 driver against `embedded-hal-mock` (exact bus traffic, errors) and against the
//! synthetic device.

use drivers::ads1115::{
    self, Ads1115, Error, Fault, RetryPolicy, CONVERSION_US, DEFAULT_ADDRESS, MAX_POLLS,
};
use drivers::synthetic::SyntheticAds1115;
use embedded_hal::i2c::{ErrorKind, NoAcknowledgeSource};
use embedded_hal_mock::eh1::delay::{CheckedDelay, NoopDelay, Transaction as DelayTx};
use embedded_hal_mock::eh1::i2c::{Mock, Transaction};

const A: u8 = DEFAULT_ADDRESS;

#[test]
#[allow(clippy::unusual_byte_groupings)] // grouped by the datasheet's register fields
fn config_word_matches_the_datasheet() {
    // OS=1, MUX=100 (AIN0/GND), PGA=001, MODE=1, DR=111, COMP_QUE=11.
    assert_eq!(Ads1115::<Mock>::config_for(0), 0b1_100_001_1_111_0_0_0_11);
    assert_eq!(Ads1115::<Mock>::config_for(3), 0b1_111_001_1_111_0_0_0_11);
}

#[test]
fn single_shot_read_is_the_documented_transaction_sequence() {
    let cfg = Ads1115::<Mock>::config_for(2).to_be_bytes();
    let expectations = [
        Transaction::write(A, vec![0x01, cfg[0], cfg[1]]),
        // First poll: still converting (OS = 0), second: done.
        Transaction::write_read(A, vec![0x01], vec![cfg[0] & 0x7f, cfg[1]]),
        Transaction::write_read(A, vec![0x01], vec![cfg[0], cfg[1]]),
        Transaction::write_read(A, vec![0x00], vec![0x80, 0x01]),
    ];
    let mut delay = CheckedDelay::new(&[
        DelayTx::delay_us(CONVERSION_US),
        DelayTx::delay_us(CONVERSION_US),
    ]);
    let mut adc = Ads1115::new(Mock::new(&expectations), A);
    assert_eq!(adc.read_raw(2, &mut delay), Ok(-32767));
    adc.release().done();
    delay.done();
}

#[test]
fn errors_are_reported_not_panicked() {
    // Bad channel: no bus traffic at all.
    let mut adc = Ads1115::new(Mock::new(&[]), A);
    assert_eq!(
        adc.read_raw(4, &mut NoopDelay::new()),
        Err(Error::BadChannel(4))
    );
    adc.release().done();

    // A bus error is passed through.
    let cfg = Ads1115::<Mock>::config_for(0).to_be_bytes();
    let expectations =
        [Transaction::write(A, vec![0x01, cfg[0], cfg[1]]).with_error(ErrorKind::Other)];
    let mut adc = Ads1115::new(Mock::new(&expectations), A).with_retry(RetryPolicy::NONE);
    assert_eq!(
        adc.read_raw(0, &mut NoopDelay::new()),
        Err(Error::Bus(ErrorKind::Other))
    );
    adc.release().done();

    // A conversion that never finishes times out after MAX_POLLS polls.
    let mut expectations = vec![Transaction::write(A, vec![0x01, cfg[0], cfg[1]])];
    for _ in 0..MAX_POLLS {
        expectations.push(Transaction::write_read(A, vec![0x01], vec![0x00, 0x00]));
    }
    let mut adc = Ads1115::new(Mock::new(&expectations), A).with_retry(RetryPolicy::NONE);
    assert_eq!(adc.read_raw(0, &mut NoopDelay::new()), Err(Error::Timeout));
    adc.release().done();
}

#[test]
fn synthetic_device_round_trip() {
    let mut adc = Ads1115::new(SyntheticAds1115::new(A), A);
    let mut delay = NoopDelay::new();
    for step in 0..400u32 {
        let ch = (step % 4) as u8;
        let got = adc.read_raw(ch, &mut delay).unwrap();
        assert_eq!(got, SyntheticAds1115::signal(ch, step), "step {step}");
        let v = ads1115::code_to_volts(got);
        assert!(v.abs() <= ads1115::FULL_SCALE_V, "{v} V");
    }
    assert_eq!(adc.release().conversions(), 400);
}

#[test]
fn synthetic_device_nacks_other_addresses() {
    let mut adc = Ads1115::new(SyntheticAds1115::new(A), 0x49).with_retry(RetryPolicy::NONE);
    assert_eq!(
        adc.read_raw(0, &mut NoopDelay::new()),
        Err(Error::AddressNack(ErrorKind::NoAcknowledge(
            NoAcknowledgeSource::Address
        )))
    );
    // With the default policy: every attempt fails the same way.
    let mut adc = Ads1115::new(SyntheticAds1115::new(A), 0x49);
    assert_eq!(
        adc.read_raw(0, &mut NoopDelay::new()),
        Err(Error::RetriesExhausted {
            last: Fault::AddressNack
        })
    );
}

#[test]
fn signal_stays_in_range_and_varies() {
    for ch in 0..4u8 {
        let v: Vec<i16> = (0..1024).map(|s| SyntheticAds1115::signal(ch, s)).collect();
        let (lo, hi) = (*v.iter().min().unwrap(), *v.iter().max().unwrap());
        let centre = i32::from(ch) * 4_000;
        assert!(
            i32::from(lo) >= centre - 8_064 && i32::from(hi) <= centre + 8_063,
            "{ch}: {lo}..{hi}"
        );
        assert!(hi - lo > 15_000, "channel {ch} must swing ~2 V");
    }
}
