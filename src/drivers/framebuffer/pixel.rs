//! Direct-colour pixel formats as the Multiboot2 framebuffer tag describes them (§3.6.12): a
//! pixel of 2 to 4 bytes, little-endian, with red, green and blue each a run of bits.

use core::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb {
    pub red: u8,
    pub green: u8,
    pub blue: u8,
}

impl Rgb {
    pub const fn new(red: u8, green: u8, blue: u8) -> Self {
        Rgb { red, green, blue }
    }
}

/// Where one colour channel sits in a pixel: `size` bits from bit `position` up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Channel {
    pub position: u8,
    pub size: u8,
}

impl Channel {
    pub const fn new(position: u8, size: u8) -> Self {
        Channel { position, size }
    }

    const fn mask(self) -> u32 {
        (((1u64 << self.size) - 1) << self.position) as u32
    }

    /// The channel's share of a pixel for an 8-bit intensity, keeping the top bits.
    const fn encode(self, value: u8) -> u32 {
        ((value as u32) >> (8 - self.size)) << self.position
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PixelFormat {
    bytes_per_pixel: usize,
    red: Channel,
    green: Channel,
    blue: Channel,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormatError {
    /// Only 15/16, 24 and 32 bits per pixel are drawn; 8 bpp is a palette format.
    BitsPerPixel(u8),
    /// A channel is empty, wider than 8 bits or does not fit in the pixel.
    Channel(&'static str, Channel),
    /// Two channels share bits.
    Overlap,
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FormatError::BitsPerPixel(bpp) => write!(f, "{bpp} bits per pixel is not supported"),
            FormatError::Channel(name, c) => write!(
                f,
                "{name} channel of {} bits at bit {} is not drawable",
                c.size, c.position
            ),
            FormatError::Overlap => write!(f, "colour channels overlap"),
        }
    }
}

impl PixelFormat {
    pub fn new(
        bits_per_pixel: u8,
        red: Channel,
        green: Channel,
        blue: Channel,
    ) -> Result<Self, FormatError> {
        if !matches!(bits_per_pixel, 15 | 16 | 24 | 32) {
            return Err(FormatError::BitsPerPixel(bits_per_pixel));
        }
        for (name, channel) in [("red", red), ("green", green), ("blue", blue)] {
            let fits =
                u32::from(channel.position) + u32::from(channel.size) <= u32::from(bits_per_pixel);
            if channel.size == 0 || channel.size > 8 || !fits {
                return Err(FormatError::Channel(name, channel));
            }
        }
        if red.mask() & green.mask() != 0
            || red.mask() & blue.mask() != 0
            || green.mask() & blue.mask() != 0
        {
            return Err(FormatError::Overlap);
        }
        Ok(PixelFormat {
            bytes_per_pixel: usize::from(bits_per_pixel).div_ceil(8),
            red,
            green,
            blue,
        })
    }

    pub fn bytes_per_pixel(&self) -> usize {
        self.bytes_per_pixel
    }

    /// The pixel value for `color`, to be stored as `bytes_per_pixel` little-endian bytes.
    pub fn encode(&self, color: Rgb) -> u32 {
        self.red.encode(color.red) | self.green.encode(color.green) | self.blue.encode(color.blue)
    }

    /// Every colour bit: XOR with it inverts a pixel.
    pub fn color_mask(&self) -> u32 {
        self.red.mask() | self.green.mask() | self.blue.mask()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The usual UEFI GOP format: bytes B, G, R, reserved.
    pub(crate) fn bgrx32() -> PixelFormat {
        PixelFormat::new(
            32,
            Channel::new(16, 8),
            Channel::new(8, 8),
            Channel::new(0, 8),
        )
        .unwrap()
    }

    /// Three bytes R, G, B.
    pub(crate) fn rgb24() -> PixelFormat {
        PixelFormat::new(
            24,
            Channel::new(0, 8),
            Channel::new(8, 8),
            Channel::new(16, 8),
        )
        .unwrap()
    }

    #[test]
    fn encodes_32_and_24_bit_formats() {
        let orange = Rgb::new(0xFF, 0x80, 0x10);
        assert_eq!(bgrx32().encode(orange), 0x00FF_8010);
        assert_eq!(bgrx32().bytes_per_pixel(), 4);
        assert_eq!(rgb24().encode(orange), 0x0010_80FF);
        assert_eq!(rgb24().bytes_per_pixel(), 3);
        assert_eq!(rgb24().color_mask(), 0x00FF_FFFF);
    }

    #[test]
    fn narrow_channels_keep_the_top_bits() {
        let rgb565 = PixelFormat::new(
            16,
            Channel::new(11, 5),
            Channel::new(5, 6),
            Channel::new(0, 5),
        )
        .unwrap();
        assert_eq!(rgb565.encode(Rgb::new(0xFF, 0xFF, 0xFF)), 0xFFFF);
        assert_eq!(rgb565.encode(Rgb::new(0x80, 0, 0)), 0b10000 << 11);
        assert_eq!(rgb565.encode(Rgb::new(0, 0x04, 0x08)), (1 << 5) | 1);
        assert_eq!(rgb565.bytes_per_pixel(), 2);
    }

    #[test]
    fn rejects_formats_it_cannot_draw() {
        let byte = |p| Channel::new(p, 8);
        assert_eq!(
            PixelFormat::new(8, byte(0), byte(0), byte(0)),
            Err(FormatError::BitsPerPixel(8))
        );
        assert_eq!(
            PixelFormat::new(24, byte(16), byte(8), Channel::new(20, 8)),
            Err(FormatError::Channel("blue", Channel::new(20, 8)))
        );
        assert_eq!(
            PixelFormat::new(32, Channel::new(0, 0), byte(8), byte(16)),
            Err(FormatError::Channel("red", Channel::new(0, 0)))
        );
        assert_eq!(
            PixelFormat::new(32, Channel::new(0, 10), byte(10), byte(18)),
            Err(FormatError::Channel("red", Channel::new(0, 10)))
        );
        assert_eq!(
            PixelFormat::new(32, byte(0), byte(4), byte(16)),
            Err(FormatError::Overlap)
        );
    }
}
