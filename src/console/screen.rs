//! The screen behind the console, chosen from the boot information: VGA text mode when the
//! boot loader left it (BIOS), the framebuffer when it set up a direct-colour one (UEFI, or a
//! BIOS boot told to use graphics), or none, in which case the console is serial only.

use super::text_grid::{Cell, CellSink, HEIGHT, WIDTH};
use crate::drivers::framebuffer::console::{FramebufferConsole, grid_size};
use crate::drivers::framebuffer::pixel::Channel;
use crate::drivers::framebuffer::{BootFramebuffer, Mode, ModeError};
use crate::drivers::vga_text::VgaTextBuffer;
use core::fmt;

/// The trampoline identity-maps the low 4 GiB, so a framebuffer below that can be used at its
/// physical address until the kernel maps it itself (see `console::rebase_framebuffer`).
const IDENTITY_MAPPED_LIMIT: u64 = 4 << 30;

pub enum Screen {
    /// Nothing to draw on yet (before the boot information is read), or nothing usable.
    Headless,
    VgaText(VgaTextBuffer),
    Framebuffer(FramebufferConsole),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScreenKind {
    Headless,
    VgaText,
    Framebuffer,
}

impl Screen {
    pub fn kind(&self) -> ScreenKind {
        match self {
            Screen::Headless => ScreenKind::Headless,
            Screen::VgaText(_) => ScreenKind::VgaText,
            Screen::Framebuffer(_) => ScreenKind::Framebuffer,
        }
    }
}

impl CellSink for Screen {
    fn put(&mut self, row: usize, col: usize, cell: Cell) {
        match self {
            Screen::Headless => {}
            Screen::VgaText(vga) => vga.put(row, col, cell),
            Screen::Framebuffer(fb) => fb.put(row, col, cell),
        }
    }

    fn cursor_moved(&mut self, row: usize, col: usize) {
        match self {
            Screen::Headless => {}
            Screen::VgaText(vga) => vga.cursor_moved(row, col),
            Screen::Framebuffer(fb) => fb.cursor_moved(row, col),
        }
    }

    fn scroll_up(&mut self, lines: usize) -> bool {
        match self {
            // Nothing to redraw either.
            Screen::Headless => true,
            Screen::VgaText(vga) => vga.scroll_up(lines),
            Screen::Framebuffer(fb) => fb.scroll_up(lines),
        }
    }
}

/// What the boot information offers the console.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    VgaText,
    Framebuffer(Mode),
    Headless(NoScreen),
}

/// Why the console has no screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoScreen {
    /// No framebuffer, and no VGA card answers (`drivers::vga_text::responds`).
    NoVgaText,
    Palette,
    UnknownType,
    Unusable(ModeError),
    OutOfReach(Mode),
}

impl fmt::Display for Choice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Choice::VgaText => write!(f, "VGA text {WIDTH}x{HEIGHT}"),
            Choice::Framebuffer(mode) => {
                let (columns, rows) = grid_size(mode.geometry());
                write!(f, "framebuffer {mode}, {columns}x{rows} characters")
            }
            Choice::Headless(reason) => {
                write!(f, "serial only: ")?;
                match reason {
                    NoScreen::NoVgaText => {
                        write!(
                            f,
                            "no VGA card answers and the boot loader passed no framebuffer"
                        )
                    }
                    NoScreen::Palette => write!(f, "the framebuffer uses a colour palette"),
                    NoScreen::UnknownType => write!(f, "the framebuffer type is unknown"),
                    NoScreen::Unusable(err) => write!(f, "unusable framebuffer: {err}"),
                    NoScreen::OutOfReach(mode) => {
                        write!(f, "framebuffer {mode} lies above the identity-mapped 4 GiB")
                    }
                }
            }
        }
    }
}

/// Picks the screen from the boot loader's framebuffer report. Without one the boot loader did
/// not touch the display, which on a PC means VGA text mode.
pub fn choose(framebuffer: Option<BootFramebuffer>) -> Choice {
    let (address, width, height, pitch, bits_per_pixel, channels) = match framebuffer {
        None | Some(BootFramebuffer::Text) => return Choice::VgaText,
        Some(BootFramebuffer::Indexed) => return Choice::Headless(NoScreen::Palette),
        Some(BootFramebuffer::Unknown) => return Choice::Headless(NoScreen::UnknownType),
        Some(BootFramebuffer::Rgb {
            address,
            width,
            height,
            pitch,
            bits_per_pixel,
            red,
            green,
            blue,
        }) => (
            address,
            width,
            height,
            pitch,
            bits_per_pixel,
            [red, green, blue],
        ),
    };
    let channels = channels.map(|(position, size)| Channel::new(position, size));
    match Mode::new(address, width, height, pitch, bits_per_pixel, channels) {
        Ok(mode) if mode.address() + mode.size_bytes() > IDENTITY_MAPPED_LIMIT => {
            Choice::Headless(NoScreen::OutOfReach(mode))
        }
        Ok(mode) => Choice::Framebuffer(mode),
        Err(err) => Choice::Headless(NoScreen::Unusable(err)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    extern crate std;
    use std::string::ToString;
    use std::vec::Vec;

    const RGB: u8 = 1;
    const TEXT: u8 = 2;
    const INDEXED: u8 = 0;

    /// A Multiboot2 framebuffer tag (§3.6.12) with `extra` as its colour information.
    fn framebuffer_tag(
        address: u64,
        width: u32,
        height: u32,
        bpp: u8,
        kind: u8,
        extra: &[u8],
    ) -> Vec<u8> {
        let pitch = width * u32::from(bpp).div_ceil(8);
        let mut tag = Vec::new();
        tag.extend(8u32.to_le_bytes());
        tag.extend((32 + extra.len() as u32).to_le_bytes());
        tag.extend(address.to_le_bytes());
        tag.extend(pitch.to_le_bytes());
        tag.extend(width.to_le_bytes());
        tag.extend(height.to_le_bytes());
        tag.extend([bpp, kind, 0, 0]);
        tag.extend(extra);
        tag
    }

    fn choose_from(tags: &[Vec<u8>]) -> Choice {
        choose(crate::boot::multiboot::test_support::framebuffer_from_tags(
            tags,
        ))
    }

    const BGRX: [u8; 6] = [16, 8, 8, 8, 0, 8];

    #[test]
    fn no_tag_or_text_mode_means_vga() {
        assert_eq!(choose_from(&[]), Choice::VgaText);
        let text = framebuffer_tag(0xB8000, 80, 25, 16, TEXT, &[]);
        assert_eq!(choose_from(&[text]), Choice::VgaText);
        assert_eq!(Choice::VgaText.to_string(), "VGA text 80x25");
    }

    #[test]
    fn rgb_framebuffer_is_drawn_on() {
        let tag = framebuffer_tag(0x8000_0000, 1280, 800, 32, RGB, &BGRX);
        let choice = choose_from(&[tag]);
        let channels = [Channel::new(16, 8), Channel::new(8, 8), Channel::new(0, 8)];
        let mode = Mode::new(0x8000_0000, 1280, 800, 5120, 32, channels).unwrap();
        assert_eq!(choice, Choice::Framebuffer(mode));
        assert_eq!(
            choice.to_string(),
            "framebuffer 1280x800, 32 bpp, at 0x80000000, 160x50 characters"
        );
    }

    #[test]
    fn unusable_framebuffers_leave_serial_only() {
        let palette = [2, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF];
        let indexed = framebuffer_tag(0xA0000, 320, 200, 8, INDEXED, &palette);
        assert_eq!(choose_from(&[indexed]), Choice::Headless(NoScreen::Palette));

        let high = framebuffer_tag(0x8_0000_0000, 1024, 768, 32, RGB, &BGRX);
        let choice = choose_from(&[high]);
        assert!(matches!(choice, Choice::Headless(NoScreen::OutOfReach(_))));
        assert!(
            choice
                .to_string()
                .contains("above the identity-mapped 4 GiB")
        );

        let weird = framebuffer_tag(0x8000_0000, 1024, 768, 12, RGB, &[8, 4, 4, 4, 0, 4]);
        assert_eq!(
            choose_from(&[weird]).to_string(),
            "serial only: unusable framebuffer: 12 bits per pixel is not supported"
        );
        assert_eq!(
            choose(Some(BootFramebuffer::Unknown)),
            Choice::Headless(NoScreen::UnknownType)
        );
    }
}
