//! Linear framebuffers the boot loader sets up (Multiboot2 §3.6.12): what one looks like, how
//! to draw on it, and the text console that uses it where there is no VGA text mode (UEFI).

pub mod console;
pub mod font;
pub mod pixel;
pub mod surface;

use core::fmt;
use pixel::{Channel, FormatError, PixelFormat};
use surface::{Geometry, GeometryError};

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

    /// From a Multiboot2 framebuffer tag of the direct-colour (RGB) type; `None` for the
    /// other types.
    pub fn from_tag(tag: &multiboot2::FramebufferTag) -> Option<Result<Self, ModeError>> {
        match tag.buffer_type() {
            Ok(multiboot2::FramebufferType::RGB { red, green, blue }) => Some(Mode::new(
                tag.address(),
                tag.width(),
                tag.height(),
                tag.pitch(),
                tag.bpp(),
                [red, green, blue].map(|c| Channel::new(c.position, c.size)),
            )),
            _ => None,
        }
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
