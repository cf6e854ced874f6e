//! Header values of numbers, the small ones without an allocation each: `HeaderValue`
//! of an integer allocates, and every JPush answer carries three rate-limit numbers.
//! The numbers up to [`SMALL`] are written once, one after another, into one static
//! string (16 KB) whose slices the values borrow; larger ones (a load test's quota of a
//! billion) are written with `itoa`, not through `fmt`, which costs several times more.

use std::{cell::RefCell, sync::OnceLock};

use axum::http::HeaderValue;

/// The largest number served from the static digits.
const SMALL: u64 = 4095;

/// The header value of `n`.
pub fn header_value(n: u64) -> HeaderValue {
    if n > SMALL {
        let mut digits = itoa::Buffer::new();
        return HeaderValue::from_str(digits.format(n)).expect("digits are a valid header value");
    }
    let start = offset(n);
    HeaderValue::from_static(&digits()[start..start + width(n)])
}

/// The header value of `n`, for a number most calls repeat (a quota's limit): a large
/// one is written once per thread and shared after.
pub fn repeated_header_value(n: u64) -> HeaderValue {
    thread_local! {
        static LAST: RefCell<Option<(u64, HeaderValue)>> = const { RefCell::new(None) };
    }
    if n <= SMALL {
        return header_value(n);
    }
    LAST.with_borrow_mut(|last| match last {
        Some((written, value)) if *written == n => value.clone(),
        _ => last.insert((n, header_value(n))).1.clone(),
    })
}

/// `0123…` up to [`SMALL`], each number once.
fn digits() -> &'static str {
    static DIGITS: OnceLock<String> = OnceLock::new();
    DIGITS.get_or_init(|| (0..=SMALL).map(|n| n.to_string()).collect())
}

fn width(n: u64) -> usize {
    n.checked_ilog10().unwrap_or(0) as usize + 1
}

/// Where `n` starts in [`digits`]: after every shorter number and the lower ones of its width.
fn offset(n: u64) -> usize {
    let width = width(n);
    let first_of_width = if width == 1 { 0 } else { 10u64.pow(width as u32 - 1) };
    let shorter: usize = (1..width).map(|w| w * 9 * 10usize.pow(w as u32 - 1)).sum::<usize>() + usize::from(width > 1);
    shorter + (n - first_of_width) as usize * width
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_number_reads_back_as_itself_inside_and_beyond_the_table() {
        for n in (0..=SMALL + 2).chain([60, 2400, 1_000_000_000, u64::MAX]) {
            assert_eq!(header_value(n).to_str().unwrap(), n.to_string(), "{n}");
            for _ in 0..2 {
                assert_eq!(repeated_header_value(n).to_str().unwrap(), n.to_string(), "{n}");
            }
        }
    }
}
