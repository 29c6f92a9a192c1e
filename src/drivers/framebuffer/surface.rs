//! Drawing on a linear framebuffer held as a byte slice: glyphs, filled and inverted
//! rectangles, and moves of whole pixel rows. It is pure, so host tests run it on a `Vec`; the
//! framebuffer console points it at video memory.

use super::font::{GLYPH_HEIGHT, GLYPH_WIDTH, Glyph};
use super::pixel::PixelFormat;
use core::fmt;

/// The shape of a framebuffer: `height` rows of `width` pixels, each row `pitch` bytes apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Geometry {
    width: usize,
    height: usize,
    pitch: usize,
    format: PixelFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GeometryError {
    /// Narrower or lower than one glyph.
    TooSmall { width: usize, height: usize },
    /// The pitch cannot hold a row of pixels.
    Pitch { pitch: usize, row_bytes: usize },
}

impl fmt::Display for GeometryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GeometryError::TooSmall { width, height } => {
                write!(f, "{width}x{height} pixels cannot hold one character")
            }
            GeometryError::Pitch { pitch, row_bytes } => {
                write!(f, "pitch {pitch} is less than a row of {row_bytes} bytes")
            }
        }
    }
}

impl Geometry {
    pub fn new(
        width: usize,
        height: usize,
        pitch: usize,
        format: PixelFormat,
    ) -> Result<Self, GeometryError> {
        if width < GLYPH_WIDTH || height < GLYPH_HEIGHT {
            return Err(GeometryError::TooSmall { width, height });
        }
        let row_bytes = width * format.bytes_per_pixel();
        if pitch < row_bytes {
            return Err(GeometryError::Pitch { pitch, row_bytes });
        }
        Ok(Geometry {
            width,
            height,
            pitch,
            format,
        })
    }

    pub fn width(&self) -> usize {
        self.width
    }

    pub fn height(&self) -> usize {
        self.height
    }

    pub fn pitch(&self) -> usize {
        self.pitch
    }

    pub fn format(&self) -> &PixelFormat {
        &self.format
    }

    /// The bytes a surface of this shape spans.
    pub fn size_bytes(&self) -> usize {
        self.pitch * self.height
    }
}

pub struct Surface<'a> {
    pixels: &'a mut [u8],
    geometry: Geometry,
}

impl<'a> Surface<'a> {
    pub fn new(pixels: &'a mut [u8], geometry: Geometry) -> Self {
        assert!(
            pixels.len() >= geometry.size_bytes(),
            "{} bytes cannot hold a {}x{} surface with pitch {}",
            pixels.len(),
            geometry.width,
            geometry.height,
            geometry.pitch
        );
        Surface { pixels, geometry }
    }

    pub fn geometry(&self) -> &Geometry {
        &self.geometry
    }

    fn offset(&self, x: usize, y: usize) -> usize {
        assert!(
            x < self.geometry.width && y < self.geometry.height,
            "pixel {x},{y} is off the surface"
        );
        y * self.geometry.pitch + x * self.geometry.format.bytes_per_pixel()
    }

    /// Panics unless the rectangle lies inside the surface: callers draw whole cells.
    fn check_rect(&self, x: usize, y: usize, width: usize, height: usize) {
        assert!(
            x + width <= self.geometry.width && y + height <= self.geometry.height,
            "rectangle {width}x{height} at {x},{y} leaves the surface"
        );
    }

    pub fn pixel(&self, x: usize, y: usize) -> u32 {
        let offset = self.offset(x, y);
        let mut bytes = [0; 4];
        let size = self.geometry.format.bytes_per_pixel();
        bytes[..size].copy_from_slice(&self.pixels[offset..offset + size]);
        u32::from_le_bytes(bytes)
    }

    /// One pixel. The common sizes get copies of a constant length, which compile to single
    /// stores instead of a `memcpy` call per pixel (that call made clearing a 1280x800 screen
    /// take over 100 ms under QEMU).
    #[inline(always)]
    fn store(&mut self, offset: usize, value: u32) {
        let bytes = value.to_le_bytes();
        match self.geometry.format.bytes_per_pixel() {
            4 => self.pixels[offset..offset + 4].copy_from_slice(&bytes),
            3 => self.pixels[offset..offset + 3].copy_from_slice(&bytes[..3]),
            2 => self.pixels[offset..offset + 2].copy_from_slice(&bytes[..2]),
            size => self.pixels[offset..offset + size].copy_from_slice(&bytes[..size]),
        }
    }

    /// Draws the rectangle's first row pixel by pixel, then copies that row down: a bulk copy
    /// per row instead of a store per pixel.
    pub fn fill_rect(&mut self, x: usize, y: usize, width: usize, height: usize, value: u32) {
        self.check_rect(x, y, width, height);
        if width == 0 || height == 0 {
            return;
        }
        let step = self.geometry.format.bytes_per_pixel();
        let pitch = self.geometry.pitch;
        let first = y * pitch + x * step;
        let row_bytes = width * step;
        for offset in (first..first + row_bytes).step_by(step) {
            self.store(offset, value);
        }
        for row in 1..height {
            let start = first + row * pitch;
            self.pixels.copy_within(first..first + row_bytes, start);
        }
    }

    pub fn fill(&mut self, value: u32) {
        self.fill_rect(0, 0, self.geometry.width, self.geometry.height, value);
    }

    /// Flips every colour bit of the rectangle; doing it twice restores it (the text cursor).
    pub fn invert_rect(&mut self, x: usize, y: usize, width: usize, height: usize) {
        self.check_rect(x, y, width, height);
        let mask = self.geometry.format.color_mask();
        for row in y..y + height {
            for col in x..x + width {
                let offset = self.offset(col, row);
                let value = self.pixel(col, row);
                self.store(offset, value ^ mask);
            }
        }
    }

    /// Draws `glyph` with its top-left corner at `x`,`y`: set bits in `foreground`, the rest
    /// in `background`, so the cell's previous contents vanish.
    pub fn draw_glyph(
        &mut self,
        x: usize,
        y: usize,
        glyph: &Glyph,
        foreground: u32,
        background: u32,
    ) {
        self.check_rect(x, y, GLYPH_WIDTH, GLYPH_HEIGHT);
        let step = self.geometry.format.bytes_per_pixel();
        let colors = [background.to_le_bytes(), foreground.to_le_bytes()];
        for (row, bits) in glyph.iter().enumerate() {
            let start = (y + row) * self.geometry.pitch + x * step;
            // One bounds check per glyph row; each pixel is then a constant-size copy.
            let line = &mut self.pixels[start..start + GLYPH_WIDTH * step];
            for (col, pixel) in line.chunks_exact_mut(step).enumerate() {
                let lit = usize::from(bits & (0x80 >> col) != 0);
                match step {
                    4 => pixel.copy_from_slice(&colors[lit]),
                    _ => pixel.copy_from_slice(&colors[lit][..step]),
                }
            }
        }
    }

    /// Copies `count` whole pixel rows starting at row `from` to start at row `to`; the rows
    /// may overlap. Scrolling text by one line moves `GLYPH_HEIGHT` rows per text row.
    pub fn move_rows(&mut self, to: usize, from: usize, count: usize) {
        let height = self.geometry.height;
        assert!(
            from + count <= height && to + count <= height,
            "moving {count} rows from {from} to {to} leaves a surface of {height} rows"
        );
        let pitch = self.geometry.pitch;
        self.pixels
            .copy_within(from * pitch..(from + count) * pitch, to * pitch);
    }
}

#[cfg(test)]
mod tests {
    use super::super::font::glyph;
    use super::super::pixel::tests::{bgrx32, rgb24};
    use super::*;
    extern crate std;
    use std::vec;
    use std::vec::Vec;

    const FG: u32 = 0x00AA_AAAA;
    const BG: u32 = 0x0000_00AA;

    /// A surface with padding at the end of every row, as real framebuffers often have.
    fn buffer(format: PixelFormat, width: usize, height: usize) -> (Vec<u8>, Geometry) {
        let pitch = width * format.bytes_per_pixel() + 12;
        let geometry = Geometry::new(width, height, pitch, format).unwrap();
        (vec![0x5A; geometry.size_bytes()], geometry)
    }

    /// The glyph as it should appear: FG where a bit is set, BG elsewhere.
    fn assert_glyph_at(surface: &Surface, x: usize, y: usize, byte: u8) {
        for (row, bits) in glyph(byte).iter().enumerate() {
            for col in 0..GLYPH_WIDTH {
                let expected = if bits & (0x80 >> col) != 0 { FG } else { BG };
                assert_eq!(
                    surface.pixel(x + col, y + row),
                    expected,
                    "{:?} pixel {col},{row}",
                    byte as char
                );
            }
        }
    }

    #[test]
    fn draws_a_glyph_in_32_bit_pixels() {
        let (mut pixels, geometry) = buffer(bgrx32(), 32, 32);
        let mut surface = Surface::new(&mut pixels, geometry);
        surface.draw_glyph(8, 16, glyph(b'K'), FG, BG);
        assert_glyph_at(&surface, 8, 16, b'K');
        // Neighbours untouched, bytes stored little-endian: B, G, R, X.
        assert_eq!(surface.pixel(7, 16), 0x5A5A_5A5A);
        assert_eq!(surface.pixel(16, 16), 0x5A5A_5A5A);
        let offset = 16 * geometry.pitch() + 8 * 4;
        assert_eq!(pixels[offset..offset + 4], [0xAA, 0, 0, 0]);
    }

    #[test]
    fn draws_a_glyph_in_24_bit_pixels_without_touching_neighbours() {
        let (mut pixels, geometry) = buffer(rgb24(), 24, 16);
        let mut surface = Surface::new(&mut pixels, geometry);
        surface.draw_glyph(8, 0, glyph(b'@'), FG, BG);
        assert_glyph_at(&surface, 8, 0, b'@');
        assert_eq!(surface.pixel(7, 0), 0x5A_5A5A);
        assert_eq!(surface.pixel(16, 15), 0x5A_5A5A);
        // The row padding after the last pixel stays as it was.
        let padding = geometry.pitch() - 12;
        assert!(pixels[padding..geometry.pitch()].iter().all(|&b| b == 0x5A));
    }

    #[test]
    fn fill_and_invert() {
        let (mut pixels, geometry) = buffer(rgb24(), 16, 16);
        let mut surface = Surface::new(&mut pixels, geometry);
        surface.fill(0);
        surface.fill_rect(2, 3, 4, 5, 0x12_3456);
        assert_eq!(surface.pixel(2, 3), 0x12_3456);
        assert_eq!(surface.pixel(5, 7), 0x12_3456);
        assert_eq!(surface.pixel(6, 7), 0);
        assert_eq!(surface.pixel(5, 8), 0);
        surface.invert_rect(0, 0, 16, 2);
        assert_eq!(surface.pixel(15, 1), 0xFF_FFFF);
        surface.invert_rect(0, 0, 16, 2);
        assert_eq!(surface.pixel(15, 1), 0);
    }

    #[test]
    fn moves_rows_up_with_overlap() {
        let (mut pixels, geometry) = buffer(bgrx32(), 8, 48);
        let mut surface = Surface::new(&mut pixels, geometry);
        for (line, byte) in [b'a', b'b', b'c'].into_iter().enumerate() {
            surface.draw_glyph(0, line * GLYPH_HEIGHT, glyph(byte), FG, BG);
        }
        // Scroll one text line: rows 16..48 move to 0..32.
        surface.move_rows(0, GLYPH_HEIGHT, 2 * GLYPH_HEIGHT);
        assert_glyph_at(&surface, 0, 0, b'b');
        assert_glyph_at(&surface, 0, GLYPH_HEIGHT, b'c');
        // The last line is left as it was, for the caller to redraw.
        assert_glyph_at(&surface, 0, 2 * GLYPH_HEIGHT, b'c');
    }

    #[test]
    #[should_panic(expected = "leaves the surface")]
    fn drawing_off_the_surface_panics() {
        let (mut pixels, geometry) = buffer(bgrx32(), 20, 20);
        Surface::new(&mut pixels, geometry).draw_glyph(16, 0, glyph(b'x'), FG, BG);
    }

    #[test]
    fn rejects_impossible_geometry() {
        assert_eq!(
            Geometry::new(640, 480, 640 * 3, bgrx32()),
            Err(GeometryError::Pitch {
                pitch: 1920,
                row_bytes: 2560
            })
        );
        assert_eq!(
            Geometry::new(4, 480, 64, bgrx32()),
            Err(GeometryError::TooSmall {
                width: 4,
                height: 480
            })
        );
    }
}
