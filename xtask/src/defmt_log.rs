//! Decoding the firmware's defmt stream in-process (defmt-decoder crate).

use anyhow::{anyhow, Context, Result};
use defmt_decoder::{DecodeError, Table};
use std::path::Path;

/// One decoded log frame.
#[derive(Clone, Debug)]
pub struct Line {
    /// `ERROR`, `WARN`, `INFO`, ... or empty for `println!`.
    pub level: String,
    /// The formatted message.
    pub message: String,
    /// `file:line` of the log statement, when the ELF has debug info.
    pub location: Option<String>,
}

impl std::fmt::Display for Line {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.level.is_empty() {
            write!(f, "{}", self.message)?;
        } else {
            write!(f, "{:<5} {}", self.level, self.message)?;
        }
        if let Some(loc) = &self.location {
            if matches!(self.level.as_str(), "ERROR" | "WARN") {
                write!(f, "\n      └─ {loc}")?;
            }
        }
        Ok(())
    }
}

/// The defmt table of an ELF, ready to decode its output.
pub struct Decoder {
    table: Table,
    locations: Option<defmt_decoder::Locations>,
}

impl Decoder {
    /// Reads the table from the ELF that produced the stream.
    pub fn from_elf(elf: &Path) -> Result<Self> {
        let bytes = std::fs::read(elf).with_context(|| format!("reading {}", elf.display()))?;
        let table = Table::parse(&bytes)
            .with_context(|| format!("parsing the defmt table of {}", elf.display()))?
            .ok_or_else(|| anyhow!("{} has no defmt table", elf.display()))?;
        let locations = table.get_locations(&bytes).ok();
        Ok(Decoder { table, locations })
    }

    /// Decodes a complete byte stream. A truncated last frame is reported as a warning line.
    pub fn decode_all(&self, bytes: &[u8]) -> Vec<Line> {
        let mut stream = self.table.new_stream_decoder();
        stream.received(bytes);
        let mut lines = Vec::new();
        loop {
            match stream.decode() {
                Ok(frame) => {
                    let location = self
                        .locations
                        .as_ref()
                        .and_then(|l| l.get(&frame.index()))
                        .map(|l| format!("{}:{}", l.file.display(), l.line));
                    lines.push(Line {
                        level: frame
                            .level()
                            .map(|l| l.as_str().to_uppercase())
                            .unwrap_or_default(),
                        message: frame.display_message().to_string(),
                        location,
                    });
                }
                Err(DecodeError::UnexpectedEof) => break,
                Err(DecodeError::Malformed) => {
                    lines.push(Line {
                        level: "WARN".into(),
                        message: "(host) malformed defmt frame skipped".into(),
                        location: None,
                    });
                }
            }
        }
        lines
    }
}
