//! Injected randomness, so that tests can be exact.

/// A source of random bytes.
pub trait Entropy {
    fn fill(&mut self, buf: &mut [u8]);
}

/// The operating system's CSPRNG.
#[derive(Debug, Default, Clone, Copy)]
pub struct OsEntropy;

impl Entropy for OsEntropy {
    fn fill(&mut self, buf: &mut [u8]) {
        // getrandom only fails when the OS has no entropy source at all; there is no safe
        // fallback for a security token, so stop rather than continue with zeros.
        #[allow(clippy::expect_used)]
        getrandom::fill(buf).expect("the operating system's random number generator failed");
    }
}

/// Replays fixed bytes (cycling), for tests and known-answer vectors.
#[derive(Debug, Clone)]
pub struct FixedEntropy {
    bytes: Vec<u8>,
    pos: usize,
}

impl FixedEntropy {
    pub fn new(bytes: &[u8]) -> Self {
        FixedEntropy {
            bytes: bytes.to_vec(),
            pos: 0,
        }
    }
}

impl Entropy for FixedEntropy {
    fn fill(&mut self, buf: &mut [u8]) {
        for b in buf.iter_mut() {
            *b = self
                .bytes
                .get(self.pos % self.bytes.len().max(1))
                .copied()
                .unwrap_or(0);
            self.pos += 1;
        }
    }
}
