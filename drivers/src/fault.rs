//! Sensor fault kinds and per-kind counters, shared by the fault injector
//! ([`crate::synthetic`]), the driver's retry policy ([`crate::ads1115`]) and the
//! plausibility check ([`crate::plausibility`]), so that "faults injected" and "faults
//! counted by the application" are the same type and compare with `==`.

/// One kind of sensor fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FaultKind {
    /// The device did not acknowledge its address (one failed transaction).
    AddressNack,
    /// The device did not acknowledge a data byte (one failed transaction).
    DataNack,
    /// Arbitration lost or a bus error (one failed transaction).
    Bus,
    /// A conversion that never completes: the OS bit stays 0 (one conversion).
    Stuck,
    /// A saturated code, ±32767 (one reading).
    Saturated,
    /// A single-sample spike (one reading).
    Spike,
    /// A value frozen over many frames (one episode).
    Frozen,
}

impl FaultKind {
    /// Every kind, in counter order.
    pub const ALL: [FaultKind; 7] = [
        FaultKind::AddressNack,
        FaultKind::DataNack,
        FaultKind::Bus,
        FaultKind::Stuck,
        FaultKind::Saturated,
        FaultKind::Spike,
        FaultKind::Frozen,
    ];

    /// A short name (`addr-nack`, `data-nack`, `bus`, `stuck`, `saturated`, `spike`, `frozen`).
    pub const fn name(self) -> &'static str {
        match self {
            FaultKind::AddressNack => "addr-nack",
            FaultKind::DataNack => "data-nack",
            FaultKind::Bus => "bus",
            FaultKind::Stuck => "stuck",
            FaultKind::Saturated => "saturated",
            FaultKind::Spike => "spike",
            FaultKind::Frozen => "frozen",
        }
    }

    /// Faults the driver sees as errors (the others only the plausibility check can see).
    pub const fn is_bus_level(self) -> bool {
        matches!(
            self,
            FaultKind::AddressNack | FaultKind::DataNack | FaultKind::Bus | FaultKind::Stuck
        )
    }

    const fn index(self) -> usize {
        self as usize
    }
}

/// One counter per [`FaultKind`] (in the order of [`FaultKind::ALL`]). Counters saturate.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FaultCounts(pub [u32; 7]);

impl FaultCounts {
    /// All zero.
    pub const fn new() -> Self {
        FaultCounts([0; 7])
    }

    /// Counts one fault of `kind`.
    pub fn add(&mut self, kind: FaultKind) {
        if let Some(c) = self.0.get_mut(kind.index()) {
            *c = c.saturating_add(1);
        }
    }

    /// The count of `kind`.
    pub fn get(&self, kind: FaultKind) -> u32 {
        self.0.get(kind.index()).copied().unwrap_or(0)
    }

    /// The sum of two sets of counters (e.g. the driver's and the plausibility check's).
    #[must_use]
    pub fn merged(&self, other: &FaultCounts) -> FaultCounts {
        let mut out = *self;
        for (a, b) in out.0.iter_mut().zip(other.0) {
            *a = a.saturating_add(b);
        }
        out
    }

    /// The total over all kinds.
    pub fn total(&self) -> u32 {
        self.0.iter().fold(0u32, |s, c| s.saturating_add(*c))
    }
}
