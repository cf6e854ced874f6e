//! A keyed bijection of `0..n` onto itself, computed on demand in both directions: a
//! balanced Feistel network on the smallest power of four at least `n`, walked in cycles
//! until the value falls inside `0..n`. It lets a dataset shuffle millions of members
//! without holding a table: member `i`'s place is a pure function of (key, n, i).

use super::rng::mix;

const ROUNDS: usize = 4;

#[derive(Debug, Clone)]
pub struct Permutation {
    n: u64,
    half_bits: u32,
    keys: [u64; ROUNDS],
}

impl Permutation {
    /// The permutation of `0..n` that `key` selects.
    pub fn new(key: u64, n: u64) -> Permutation {
        let bits = (64 - n.saturating_sub(1).leading_zeros()).max(2);
        let mut keys = [0; ROUNDS];
        let mut k = key;
        for slot in &mut keys {
            k = mix(k.wrapping_add(0x9e37_79b9_7f4a_7c15));
            *slot = k;
        }
        Permutation {
            n,
            half_bits: bits.div_ceil(2),
            keys,
        }
    }

    /// Where `i` goes; `i` must be below `n`.
    pub fn apply(&self, i: u64) -> u64 {
        debug_assert!(i < self.n);
        let mut x = self.encrypt(i);
        // Cycle walking: the network permutes a domain at most 4n large, so about four
        // steps at most on average, and every walk ends inside 0..n.
        while x >= self.n {
            x = self.encrypt(x);
        }
        x
    }

    /// What goes to `p`: `apply(invert(p)) == p`. `p` must be below `n`.
    pub fn invert(&self, p: u64) -> u64 {
        debug_assert!(p < self.n);
        let mut x = self.decrypt(p);
        while x >= self.n {
            x = self.decrypt(x);
        }
        x
    }

    fn mask(&self) -> u64 {
        (1 << self.half_bits) - 1
    }

    fn round(&self, key: u64, half: u64) -> u64 {
        mix(half ^ key) & self.mask()
    }

    fn encrypt(&self, x: u64) -> u64 {
        let (mut left, mut right) = (x >> self.half_bits, x & self.mask());
        for key in self.keys {
            (left, right) = (right, left ^ self.round(key, right));
        }
        (left << self.half_bits) | right
    }

    fn decrypt(&self, x: u64) -> u64 {
        let (mut left, mut right) = (x >> self.half_bits, x & self.mask());
        for key in self.keys.into_iter().rev() {
            (left, right) = (right ^ self.round(key, left), left);
        }
        (left << self.half_bits) | right
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_a_bijection_and_invert_undoes_apply() {
        for n in [1, 2, 3, 7, 50, 1000, 20_001] {
            let p = Permutation::new(42, n);
            let mut seen = vec![false; n as usize];
            for i in 0..n {
                let x = p.apply(i);
                assert!(x < n, "{x} out of 0..{n}");
                assert!(!seen[x as usize], "{x} twice for n = {n}");
                seen[x as usize] = true;
                assert_eq!(p.invert(x), i);
            }
        }
    }

    #[test]
    fn keys_give_different_orders() {
        let (a, b) = (Permutation::new(1, 1000), Permutation::new(2, 1000));
        let moved = (0..1000).filter(|i| a.apply(*i) != b.apply(*i)).count();
        assert!(moved > 900, "{moved}");
        assert!((0..1000).filter(|i| a.apply(*i) == *i).count() < 20);
    }
}
