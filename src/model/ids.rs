//! Ids in Ray's shapes, drawn from the run's one seeded RNG in a fixed order.
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

const ALPHANUMERIC: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
const HEX: &[u8] = b"0123456789abcdef";

/// A replica id: 8 characters from lowercase letters and digits (Ray's `get_random_alphanumeric_string`).
pub fn replica_id(rng: &mut ChaCha8Rng) -> String {
    (0..8).map(|_| ALPHANUMERIC[rng.random_range(0..ALPHANUMERIC.len())] as char).collect()
}

/// A gang id: the first 8 hex digits of a random UUID4.
pub fn gang_id(rng: &mut ChaCha8Rng) -> String {
    hex(rng, 8)
}

/// A placement-group id (Ray's are longer; 12 hex digits keep traces readable and are unique enough here).
pub fn pg_id(rng: &mut ChaCha8Rng) -> String {
    hex(rng, 12)
}

fn hex(rng: &mut ChaCha8Rng, n: usize) -> String {
    (0..n).map(|_| HEX[rng.random_range(0..16)] as char).collect()
}
