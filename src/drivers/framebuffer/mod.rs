//! Linear framebuffers the boot loader sets up (Multiboot2 §3.6.12): what one looks like, how
//! to draw on it, and the text console that uses it where there is no VGA text mode (UEFI).

pub mod console;
pub mod font;
pub mod pixel;
pub mod surface;

use core::fmt;
use pixel::{Channel, FormatError, PixelFormat};
use surface::{Geometry, GeometryError};

/// The framebuffer the boot loader set up, as it describes it (Multiboot2 §3.6.12).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BootFramebuffer {
    /// EGA/VGA text mode.
    Text,
    /// A palette-indexed framebuffer (the kernel cannot draw on those).
    Indexed,
    /// Direct colour: each channel as (bit position, bit count).
    Rgb {
        address: u64,
        width: u32,
        height: u32,
        pitch: u32,
        bits_per_pixel: u8,
        red: (u8, u8),
        green: (u8, u8),
        blue: (u8, u8),
    },
    /// A type the boot loader reported that no specification defines.
    Unknown,
}

/// A direct-colour framebuffer: its physical address and its shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mode {
    address: u64,
    bits_per_pixel: u8,
    geometry: Geometry,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModeError {
    NullAddress,
    Format(FormatError),
    Geometry(GeometryError),
}

impl fmt::Display for ModeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ModeError::NullAddress => write!(f, "the framebuffer address is null"),
            ModeError::Format(err) => err.fmt(f),
            ModeError::Geometry(err) => err.fmt(f),
        }
    }
}

impl Mode {
    /// Validates what the boot loader reported, in the Multiboot2 tag's units.
    pub fn new(
        address: u64,
        width: u32,
        height: u32,
        pitch: u32,
        bits_per_pixel: u8,
        channels: [Channel; 3],
    ) -> Result<Self, ModeError> {
        if address == 0 {
            return Err(ModeError::NullAddress);
        }
        let [red, green, blue] = channels;
        let format =
            PixelFormat::new(bits_per_pixel, red, green, blue).map_err(ModeError::Format)?;
        let geometry = Geometry::new(width as usize, height as usize, pitch as usize, format)
            .map_err(ModeError::Geometry)?;
        Ok(Mode {
            address,
            bits_per_pixel,
            geometry,
        })
    }

    /// The physical address of the first pixel.
    pub fn address(&self) -> u64 {
        self.address
    }

    pub fn geometry(&self) -> &Geometry {
        &self.geometry
    }

    /// The bytes of physical address space the framebuffer spans.
    pub fn size_bytes(&self) -> u64 {
        self.geometry.size_bytes() as u64
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}x{}, {} bpp, at {:#x}",
            self.geometry.width(),
            self.geometry.height(),
            self.bits_per_pixel,
            self.address
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    extern crate std;
    use std::string::ToString;

    const BGRX: [Channel; 3] = [Channel::new(16, 8), Channel::new(8, 8), Channel::new(0, 8)];

    #[test]
    fn describes_a_valid_mode() {
        let mode = Mode::new(0x8000_0000, 1280, 800, 5120, 32, BGRX).unwrap();
        assert_eq!(mode.size_bytes(), 5120 * 800);
        assert_eq!(mode.to_string(), "1280x800, 32 bpp, at 0x80000000");
    }

    #[test]
    fn rejects_what_it_cannot_draw() {
        assert_eq!(
            Mode::new(0, 1280, 800, 5120, 32, BGRX),
            Err(ModeError::NullAddress)
        );
        assert_eq!(
            Mode::new(0x8000_0000, 1280, 800, 5120, 8, BGRX),
            Err(ModeError::Format(FormatError::BitsPerPixel(8)))
        );
        assert!(matches!(
            Mode::new(0x8000_0000, 1280, 800, 1280, 32, BGRX),
            Err(ModeError::Geometry(GeometryError::Pitch { .. }))
        ));
    }
}
