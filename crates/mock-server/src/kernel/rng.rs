//! Counter-based randomness: every random choice is a pure function of a key built from
//! (seed, app, purpose, coordinates...). No generator state is carried between records,
//! so any record can be produced alone, in any order, by any process.

use rand::SeedableRng;
use rand_pcg::Pcg64Mcg;

/// What a key is for, so that two purposes with the same coordinates never share a stream.
#[derive(Debug, Clone, Copy)]
#[repr(u64)]
pub enum Purpose {
    Population = 1,
    HourCount = 2,
    HourOffsets = 3,
    ChatHead = 4,
    ChatBody = 5,
    Devices = 6,
    PushCount = 7,
    PushHead = 8,
    PushDevice = 9,
    DeviceDay = 10,
    Fault = 11,
    MsgId = 12,
    Activity = 13,
    PushTiming = 14,
}

/// Splits a key into independent uniform draws in [0, 1), 16 bits each (four per key).
pub fn unit(key: u64, draw: u32) -> f64 {
    ((key >> (16 * (draw % 4))) & 0xffff) as f64 / 65536.0
}

/// The golden-ratio constant the key steps add.
const GOLDEN: u64 = 0x9e37_79b9_7f4a_7c15;

/// splitmix64's finaliser: a fast, well-distributed 64-bit mixer.
pub fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A 64-bit key from a purpose and coordinates.
pub fn key(seed: u64, purpose: Purpose, coords: &[u64]) -> u64 {
    let mut h = mix(seed ^ GOLDEN);
    h = mix(h ^ purpose as u64);
    for &c in coords {
        h = mix(h.wrapping_add(GOLDEN) ^ c);
    }
    h
}

/// What [`key`] has mixed before its last coordinate `last`, plus the constant it adds:
/// `key(seed, purpose, [coords.., last]) == mix(key_before_last(seed, purpose, coords) ^ last)`.
/// A fleet's shared store finishes the key with the last coordinate it alone knows (a
/// fault rule's use count), so that a seeded share is the same as in one process.
pub fn key_before_last(seed: u64, purpose: Purpose, coords: &[u64]) -> u64 {
    key(seed, purpose, coords).wrapping_add(GOLDEN)
}

/// The last step of [`key`], for [`key_before_last`].
pub fn finish_key(before_last: u64, last: u64) -> u64 {
    mix(before_last ^ last)
}

/// A generator for one record, seeded from its key.
pub fn stream(seed: u64, purpose: Purpose, coords: &[u64]) -> Pcg64Mcg {
    Pcg64Mcg::seed_from_u64(key(seed, purpose, coords))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_depend_on_every_input() {
        let base = key(1, Purpose::ChatHead, &[2, 3]);
        assert_eq!(base, key(1, Purpose::ChatHead, &[2, 3]));
        assert_ne!(base, key(2, Purpose::ChatHead, &[2, 3]));
        assert_ne!(base, key(1, Purpose::ChatBody, &[2, 3]));
        assert_ne!(base, key(1, Purpose::ChatHead, &[3, 2]));
        assert_ne!(base, key(1, Purpose::ChatHead, &[2, 3, 0]));
        let before = key_before_last(1, Purpose::ChatHead, &[2]);
        assert_eq!(finish_key(before, 3), base);
    }
}
