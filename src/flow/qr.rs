//! A QR code drawn with half-block characters, two module rows per text line, for the
//! device grant's `verification_uri_complete` (shown by the CLI and the TUI).

use qrcode::{Color, QrCode};

/// Quiet zone, in modules. The standard asks for 4; 2 scans fine off a screen and keeps the
/// code small enough for an 80×24 terminal.
const QUIET: usize = 2;

/// The lines of the QR code for `data`, or None when it does not fit in a QR code. Light
/// modules are drawn as blocks: on the usual dark terminal background the code then reads
/// as dark on light, the way scanners expect.
pub fn qr_lines(data: &str) -> Option<Vec<String>> {
    let code = QrCode::new(data.as_bytes()).ok()?;
    let width = code.width();
    let size = width + 2 * QUIET;
    let light = |x: usize, y: usize| -> bool {
        if x < QUIET || y < QUIET || x >= width + QUIET || y >= width + QUIET {
            return true;
        }
        code[(x - QUIET, y - QUIET)] == Color::Light
    };
    let lines = (0..size)
        .step_by(2)
        .map(|y| {
            (0..size)
                .map(|x| {
                    let top = light(x, y);
                    // The last row of an odd height has nothing below it: background.
                    let bottom = y + 1 < size && light(x, y + 1);
                    match (top, bottom) {
                        (true, true) => '█',
                        (true, false) => '▀',
                        (false, true) => '▄',
                        (false, false) => ' ',
                    }
                })
                .collect()
        })
        .collect();
    Some(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_becomes_a_square_of_half_blocks() {
        let lines = qr_lines("https://example.com/device?user_code=WDJB-MJHT").unwrap();
        let width = lines[0].chars().count();
        // A QR code is 17 + 4·version modules wide, plus the quiet zone; two rows per line.
        let modules = width - 2 * QUIET;
        assert!(
            modules > 17 && (modules - 17).is_multiple_of(4),
            "{modules}"
        );
        assert_eq!(lines.len(), width.div_ceil(2));
        assert!(lines[0].chars().all(|c| c == '█'), "quiet zone on top");
        assert!(lines.iter().all(|l| l.chars().all(|c| "█▀▄ ".contains(c))));
        // The finder pattern's dark border starts right after the quiet zone.
        assert_eq!(lines[1].chars().nth(QUIET), Some(' '));
    }

    #[test]
    fn too_much_data_is_none() {
        assert!(qr_lines(&"x".repeat(5000)).is_none());
    }
}
