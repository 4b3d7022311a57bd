//! FNV-1a, 64 bits: the one content hash of the crate (snapshot query hashes, the no-op
//! stamp, the initdb template key). Stable across Rust versions and platforms, which std's
//! hasher is not — these values are written to committed files and compared across builds.

/// A running FNV-1a hash.
pub(crate) struct Fnv(u64);

impl Fnv {
    pub(crate) fn new() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }

    /// Hashes `bytes` as they are.
    pub(crate) fn write(&mut self, bytes: &[u8]) -> &mut Self {
        for &byte in bytes {
            self.0 ^= u64::from(byte);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
        self
    }

    /// Hashes `bytes` followed by a separator, so ("ab", "c") and ("a", "bc") differ.
    pub(crate) fn field(&mut self, bytes: &[u8]) -> &mut Self {
        self.write(bytes).write(&[0xff])
    }

    /// The hash as 16 hex digits.
    pub(crate) fn hex(&self) -> String {
        format!("{:016x}", self.0)
    }
}

/// The hash of `text`, as 16 hex digits.
pub(crate) fn fnv_hex(text: &str) -> String {
    Fnv::new().write(text.as_bytes()).hex()
}
