//! RFC 3339 instants written digit by digit, exactly as chrono's `Serialize` writes them
//! (seconds as `SecondsFormat::AutoSi`: no fraction, or 3, 6 or 9 digits, whichever is
//! exact; the offset as `Z` or `+hh:mm`). chrono goes through `fmt` a character at a time: a
//! journal entry's time cost more than the rest of the entry (docs/PERFORMANCE.md), and a
//! fleet writes one per request.

use chrono::{DateTime, Datelike, FixedOffset, Timelike};
use serde::{Serialize, Serializer};

/// The longest instant written here: `YYYY-MM-DDTHH:MM:SS.nnnnnnnnn+hh:mm`.
const MAX_LEN: usize = 35;

/// An instant's RFC 3339 text, on the stack.
pub struct Rfc3339 {
    bytes: [u8; MAX_LEN],
    len: usize,
}

impl Rfc3339 {
    /// The text of `time`, or `None` where chrono's own writing is left to decide: years
    /// outside 0–9999, leap seconds, offsets with seconds.
    pub fn of(time: &DateTime<FixedOffset>) -> Option<Rfc3339> {
        let offset = time.offset().local_minus_utc();
        let nanos = time.nanosecond();
        if !(0..=9999).contains(&time.year()) || nanos >= 1_000_000_000 || offset % 60 != 0 {
            return None;
        }
        let mut text = Rfc3339 {
            bytes: [0; MAX_LEN],
            len: 0,
        };
        text.digits(time.year() as u32, 4);
        text.push(b'-');
        text.digits(time.month(), 2);
        text.push(b'-');
        text.digits(time.day(), 2);
        text.push(b'T');
        text.digits(time.hour(), 2);
        text.push(b':');
        text.digits(time.minute(), 2);
        text.push(b':');
        text.digits(time.second(), 2);
        if nanos != 0 {
            text.push(b'.');
            match nanos {
                _ if nanos.is_multiple_of(1_000_000) => text.digits(nanos / 1_000_000, 3),
                _ if nanos.is_multiple_of(1_000) => text.digits(nanos / 1_000, 6),
                _ => text.digits(nanos, 9),
            }
        }
        if offset == 0 {
            text.push(b'Z');
            return Some(text);
        }
        text.push(if offset < 0 { b'-' } else { b'+' });
        let minutes = offset.unsigned_abs() / 60;
        text.digits(minutes / 60, 2);
        text.push(b':');
        text.digits(minutes % 60, 2);
        Some(text)
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.bytes[..self.len]).expect("only ASCII digits and signs are written")
    }

    fn push(&mut self, byte: u8) {
        self.bytes[self.len] = byte;
        self.len += 1;
    }

    /// `n` zero-padded to `width` digits (its lowest ones).
    fn digits(&mut self, mut n: u32, width: usize) {
        for i in (0..width).rev() {
            self.bytes[self.len + i] = b'0' + (n % 10) as u8;
            n /= 10;
        }
        self.len += width;
    }
}

/// `serialize_with` for an instant: the same text as chrono's `Serialize`, quicker.
pub fn serialize<S: Serializer>(time: &DateTime<FixedOffset>, serializer: S) -> Result<S::Ok, S::Error> {
    match Rfc3339::of(time) {
        Some(text) => serializer.serialize_str(text.as_str()),
        None => time.serialize(serializer),
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;

    fn chrono_text(time: &DateTime<FixedOffset>) -> String {
        serde_json::to_string(time).unwrap()
    }

    #[test]
    fn every_instant_reads_as_chrono_writes_it() {
        let zones = [0, 8 * 3600, -5 * 3600 - 30 * 60, 14 * 3600, -12 * 3600, 45 * 60];
        let mut state = 0x9E37_79B9_7F4A_7C15_u64;
        let mut checked = 0;
        for round in 0..20_000 {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let secs = (state >> 20) as i64 % 253_402_300_799; // up to 9999-12-31
            let nanos = match round % 4 {
                0 => 0,
                1 => (state % 1000) as u32 * 1_000_000,
                2 => (state % 1_000_000) as u32 * 1_000,
                _ => (state % 1_000_000_000) as u32,
            };
            let zone = FixedOffset::east_opt(zones[round % zones.len()]).unwrap();
            let time = Utc.timestamp_opt(secs, nanos).unwrap().with_timezone(&zone);
            let text = Rfc3339::of(&time).expect("a year within 0–9999");
            assert_eq!(format!("\"{}\"", text.as_str()), chrono_text(&time), "{secs} {nanos}");
            checked += 1;
        }
        assert_eq!(checked, 20_000);
    }

    #[test]
    fn what_it_leaves_to_chrono_is_still_written_by_chrono() {
        let far = Utc.with_ymd_and_hms(10_000, 1, 1, 0, 0, 0).unwrap().fixed_offset();
        let odd_offset = Utc
            .timestamp_opt(0, 0)
            .unwrap()
            .with_timezone(&FixedOffset::east_opt(30).unwrap());
        for time in [far, odd_offset] {
            assert!(Rfc3339::of(&time).is_none());
            let mut written = Vec::new();
            serialize(&time, &mut serde_json::Serializer::new(&mut written)).unwrap();
            assert_eq!(String::from_utf8(written).unwrap(), chrono_text(&time));
        }
    }
}
