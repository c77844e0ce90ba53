//! [`sanitize_block`](super::sanitize_block) while writing, for output too large to build
//! in memory and then copy once more to escape it (a decoded 100 KB token).

use std::io::{self, Write};

use super::is_unsafe_in_block;

/// A writer that escapes exactly what `sanitize_block` escapes, as the bytes go through.
/// Bytes that are not UTF-8 are written as U+FFFD, as `String::from_utf8_lossy` would; a
/// character split across two writes is held back until its last byte arrives.
pub struct BlockEscaper<W: Write> {
    inner: W,
    /// The start of a character whose remaining bytes have not been written yet (≤ 3 bytes).
    pending: Vec<u8>,
}

impl<W: Write> BlockEscaper<W> {
    pub fn new(inner: W) -> Self {
        BlockEscaper {
            inner,
            pending: Vec::new(),
        }
    }

    fn write_text(&mut self, text: &str) -> io::Result<()> {
        let mut start = 0;
        for (i, c) in text.char_indices() {
            if is_unsafe_in_block(c) {
                self.inner.write_all(&text.as_bytes()[start..i])?;
                write!(self.inner, "{}", c.escape_unicode())?;
                start = i + c.len_utf8();
            }
        }
        self.inner.write_all(&text.as_bytes()[start..])
    }

    /// Escapes and writes `bytes`, keeping an incomplete last character in `pending`.
    fn write_bytes(&mut self, mut bytes: &[u8]) -> io::Result<()> {
        loop {
            match std::str::from_utf8(bytes) {
                Ok(text) => return self.write_text(text),
                Err(e) => {
                    let (good, rest) = bytes.split_at(e.valid_up_to());
                    // Valid up to here by the error's own account.
                    self.write_text(std::str::from_utf8(good).unwrap_or_default())?;
                    match e.error_len() {
                        Some(n) => {
                            self.inner.write_all("\u{fffd}".as_bytes())?;
                            bytes = &rest[n..];
                        }
                        None => {
                            self.pending.extend_from_slice(rest);
                            return Ok(());
                        }
                    }
                }
            }
        }
    }
}

impl<W: Write> Write for BlockEscaper<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.pending.is_empty() {
            self.write_bytes(buf)?;
        } else {
            // Rare (serde_json and `write!` hand over whole characters): join and retry.
            let mut joined = std::mem::take(&mut self.pending);
            joined.extend_from_slice(buf);
            self.write_bytes(&joined)?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl<W: Write> Drop for BlockEscaper<W> {
    /// A stream that ended inside a character ends with U+FFFD, as a lossy conversion would.
    fn drop(&mut self) {
        if !self.pending.is_empty() {
            let _ = self.inner.write_all("\u{fffd}".as_bytes());
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::super::sanitize_block;
    use super::*;

    fn escaped_in_pieces(bytes: &[u8], piece: usize) -> Vec<u8> {
        let mut out = Vec::new();
        let mut w = BlockEscaper::new(&mut out);
        for chunk in bytes.chunks(piece.max(1)) {
            w.write_all(chunk).unwrap();
        }
        drop(w);
        out
    }

    #[test]
    fn escapes_like_sanitize_block() {
        let text = "a\tb\nc\r\n\u{1b}[1m\u{9b}2J\u{202e}é日\u{7f}";
        for piece in 1..8 {
            assert_eq!(
                escaped_in_pieces(text.as_bytes(), piece),
                sanitize_block(text).into_bytes()
            );
        }
    }

    #[test]
    fn invalid_and_truncated_utf8_become_replacement_characters() {
        let bytes = b"a\xffb\xe6\x97";
        let lossy = sanitize_block(&String::from_utf8_lossy(bytes));
        assert_eq!(escaped_in_pieces(bytes, 1), lossy.as_bytes());
        assert_eq!(escaped_in_pieces(bytes, 64), lossy.as_bytes());
    }

    proptest! {
        #[test]
        fn any_bytes_in_any_pieces_escape_as_the_lossy_block(
            bytes in prop::collection::vec(prop_oneof![
                4 => any::<u8>(),
                2 => prop::sample::select(vec![0x1b, 0x9b, b'\n', b'\t', 0xc2, 0xe2, 0x80, 0xae]),
            ], 0..64),
            piece in 1usize..9,
        ) {
            let lossy = sanitize_block(&String::from_utf8_lossy(&bytes));
            prop_assert_eq!(escaped_in_pieces(&bytes, piece), lossy.into_bytes());
        }
    }
}
