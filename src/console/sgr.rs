//! Select Graphic Rendition (ECMA-48 §8.3.117) as the console's screen shows it: the eight
//! colours (30-37, 40-47), their bright forms (90-97, 100-107), the defaults (39, 49), bold
//! shown as a bright foreground (1, 22, as the Linux console does), and reverse video (7, 27),
//! folded into one VGA attribute byte per cell. The framebuffer draws the same 16-colour
//! palette. Extended colours (38/48;5;n and 38/48;2;r;g;b) are reduced to the nearest of the
//! eight. Underline, blink and the rest have no attribute bit here and are ignored.

use super::text_grid::ColorCode;

/// ANSI colour numbers (red = 1, green = 2, blue = 4) to VGA palette indices (blue = 1,
/// green = 2, red = 4).
const VGA_FROM_ANSI: [u8; 8] = [0, 4, 2, 6, 1, 5, 3, 7];
const BRIGHT: u8 = 8;
const DEFAULT_FOREGROUND: u8 = 7;
const DEFAULT_BACKGROUND: u8 = 0;

/// The rendition new text gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rendition {
    /// VGA palette indices; the background is kept below 8 as written, see [`Rendition::color`].
    foreground: u8,
    background: u8,
    bold: bool,
    reverse: bool,
}

impl Default for Rendition {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl Rendition {
    pub const DEFAULT: Rendition = Rendition {
        foreground: DEFAULT_FOREGROUND,
        background: DEFAULT_BACKGROUND,
        bold: false,
        reverse: false,
    };

    /// Applies one SGR sequence's parameters in order (an empty list is a reset).
    pub fn apply(&mut self, params: &[u16]) {
        let mut rest = params;
        while let Some((&param, tail)) = rest.split_first() {
            rest = tail;
            match param {
                0 => *self = Self::DEFAULT,
                1 => self.bold = true,
                22 => self.bold = false,
                7 => self.reverse = true,
                27 => self.reverse = false,
                30..=37 => self.foreground = VGA_FROM_ANSI[usize::from(param - 30)],
                39 => self.foreground = DEFAULT_FOREGROUND,
                40..=47 => self.background = VGA_FROM_ANSI[usize::from(param - 40)],
                49 => self.background = DEFAULT_BACKGROUND,
                90..=97 => self.foreground = VGA_FROM_ANSI[usize::from(param - 90)] | BRIGHT,
                100..=107 => {
                    self.background = VGA_FROM_ANSI[usize::from(param - 100)] | BRIGHT;
                }
                38 | 48 => {
                    let (color, used) = extended_color(rest);
                    rest = &rest[used..];
                    if let Some(color) = color {
                        if param == 38 {
                            self.foreground = color;
                        } else {
                            self.background = color;
                        }
                    }
                }
                _ => {}
            }
        }
    }

    /// The attribute byte for text. Reverse video swaps the colours first; bold brightens the
    /// foreground after. The background never has its bright bit, which VGA text mode shows
    /// as blinking, so bright backgrounds (and a bright colour reversed) show in their plain
    /// form, as on the Linux console.
    pub fn color(self) -> ColorCode {
        let (mut foreground, background) = if self.reverse {
            (self.background, self.foreground)
        } else {
            (self.foreground, self.background)
        };
        if self.bold {
            foreground |= BRIGHT;
        }
        ColorCode(((background & !BRIGHT) << 4) | foreground)
    }

    /// The attribute byte for erased cells: the current background, not reversed (as xterm
    /// erases), so a status line drawn in reverse video does not leak into the clearing after.
    pub fn blank_color(self) -> ColorCode {
        ColorCode(((self.background & !BRIGHT) << 4) | (self.foreground & !BRIGHT))
    }
}

/// The colour after 38 or 48: `5;n` (the 256-colour palette) or `2;r;g;b`. Returns the VGA
/// index, if one was given, and how many parameters it took.
fn extended_color(rest: &[u16]) -> (Option<u8>, usize) {
    match rest {
        [5, n, ..] => (Some(from_256(*n)), 2),
        [5] => (None, 1),
        [2, r, g, b, ..] => (Some(from_rgb(*r, *g, *b)), 4),
        [2, ..] => (None, rest.len()),
        _ => (None, 0),
    }
}

/// The eight colours of the 256-colour palette's cube and grey ramp, nearest by channel.
fn from_256(n: u16) -> u8 {
    match n {
        0..=7 => VGA_FROM_ANSI[usize::from(n)],
        8..=15 => VGA_FROM_ANSI[usize::from(n - 8)] | BRIGHT,
        16..=231 => {
            let n = n - 16;
            let level = |v: u16| u16::from(v * 51 >= 128) * 255;
            from_rgb(level(n / 36), level(n / 6 % 6), level(n % 6))
        }
        232..=243 => 8,
        244..=255 => 7,
        _ => DEFAULT_FOREGROUND,
    }
}

fn from_rgb(r: u16, g: u16, b: u16) -> u8 {
    let ansi = usize::from(r >= 128) | usize::from(g >= 128) << 1 | usize::from(b >= 128) << 2;
    let bright = if r.max(g).max(b) >= 192 { BRIGHT } else { 0 };
    VGA_FROM_ANSI[ansi] | bright
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::console::text_grid::{Color, DEFAULT_COLOR};

    fn after(params: &[u16]) -> Rendition {
        let mut rendition = Rendition::DEFAULT;
        rendition.apply(params);
        rendition
    }

    #[test]
    fn default_is_the_console_colour() {
        assert_eq!(Rendition::DEFAULT.color(), DEFAULT_COLOR);
        assert_eq!(after(&[31, 1, 0]).color(), DEFAULT_COLOR);
    }

    #[test]
    fn colours_map_onto_the_vga_palette() {
        assert_eq!(
            after(&[31, 44]).color(),
            ColorCode::new(Color::Red, Color::Blue)
        );
        assert_eq!(
            after(&[33, 46]).color(),
            ColorCode::new(Color::Brown, Color::Cyan)
        );
        assert_eq!(
            after(&[1, 34]).color(),
            ColorCode::new(Color::LightBlue, Color::Black)
        );
        assert_eq!(
            after(&[92]).color(),
            ColorCode::new(Color::LightGreen, Color::Black)
        );
        assert_eq!(after(&[92, 39]).color(), DEFAULT_COLOR);
        // A bright background shows plain: VGA would blink it.
        assert_eq!(
            after(&[101]).color(),
            ColorCode::new(Color::LightGray, Color::Red)
        );
        assert_eq!(after(&[1, 22]).color(), DEFAULT_COLOR);
    }

    #[test]
    fn reverse_video_swaps_and_erases_plain() {
        let reversed = after(&[7]);
        assert_eq!(
            reversed.color(),
            ColorCode::new(Color::Black, Color::LightGray)
        );
        assert_eq!(reversed.blank_color(), DEFAULT_COLOR);
        assert_eq!(
            after(&[1, 7, 32]).color(),
            ColorCode::new(Color::DarkGray, Color::Green)
        );
        assert_eq!(after(&[7, 27]).color(), DEFAULT_COLOR);
        assert_eq!(
            after(&[44]).blank_color(),
            ColorCode::new(Color::LightGray, Color::Blue)
        );
    }

    #[test]
    fn extended_colours_are_reduced() {
        assert_eq!(
            after(&[38, 5, 196]).color(),
            ColorCode::new(Color::LightRed, Color::Black)
        );
        assert_eq!(
            after(&[38, 5, 2, 48, 5, 12]).color(),
            ColorCode::new(Color::Green, Color::Blue)
        );
        assert_eq!(
            after(&[38, 2, 0, 0, 130, 1]).color(),
            ColorCode::new(Color::LightBlue, Color::Black)
        );
        // Cut short, they take what is there and nothing after goes wrong.
        assert_eq!(after(&[38, 5]).color(), DEFAULT_COLOR);
        assert_eq!(after(&[48, 2, 255]).color(), DEFAULT_COLOR);
        assert_eq!(after(&[38]).color(), DEFAULT_COLOR);
        assert_eq!(after(&[38, 9, 31]).color().foreground(), Color::Red as u8);
    }
}
