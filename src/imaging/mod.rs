//! Pictures, for the client-side scanning design: an RGB image, its PNG form, how far
//! one image is from another (PSNR), Meta's PDQ perceptual hash, the white-box attacks
//! on it (evasion and forged collisions), and the synthetic photos doormat's users
//! send. It sits at the bottom of the layers beside `crypto`:
//! a design hashes images on the sending device, below everything that reads worlds.

pub mod pdq;
pub mod perceptual;
pub mod synth;

use crate::error::InputError;

/// Largest side of an image doormat reads: a phone photo is at most about 8,000 pixels.
pub const MAX_SIDE: u32 = 8192;
/// Most pixels doormat reads in one image (48 megapixels: a large phone camera).
pub const MAX_PIXELS: u64 = 48_000_000;

/// An 8-bit RGB image, row-major, three bytes a pixel.
#[derive(Clone, PartialEq, Eq)]
pub struct RgbImage {
    width: u32,
    height: u32,
    pixels: Vec<u8>,
}

impl std::fmt::Debug for RgbImage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RgbImage({}x{})", self.width, self.height)
    }
}

impl RgbImage {
    /// A `width`×`height` image of one colour.
    pub fn filled(width: u32, height: u32, rgb: [u8; 3]) -> Self {
        let n = width as usize * height as usize;
        let mut pixels = Vec::with_capacity(n * 3);
        for _ in 0..n {
            pixels.extend_from_slice(&rgb);
        }
        RgbImage {
            width,
            height,
            pixels,
        }
    }

    /// An image from its RGB bytes; `None` if their count does not fit the size.
    pub fn from_rgb(width: u32, height: u32, pixels: Vec<u8>) -> Option<Self> {
        (pixels.len() as u64 == u64::from(width) * u64::from(height) * 3).then_some(RgbImage {
            width,
            height,
            pixels,
        })
    }

    /// Its width in pixels.
    pub fn width(&self) -> u32 {
        self.width
    }
    /// Its height in pixels.
    pub fn height(&self) -> u32 {
        self.height
    }
    /// Its bytes: R, G, B for each pixel, row by row.
    pub fn rgb(&self) -> &[u8] {
        &self.pixels
    }

    /// The pixel at column `x`, row `y`.
    pub fn get(&self, x: u32, y: u32) -> [u8; 3] {
        let i = (y as usize * self.width as usize + x as usize) * 3;
        [self.pixels[i], self.pixels[i + 1], self.pixels[i + 2]]
    }

    /// Sets the pixel at column `x`, row `y`; outside the image, nothing.
    pub fn put(&mut self, x: i64, y: i64, rgb: [u8; 3]) {
        if x < 0 || y < 0 || x >= i64::from(self.width) || y >= i64::from(self.height) {
            return;
        }
        let i = (y as usize * self.width as usize + x as usize) * 3;
        self.pixels[i..i + 3].copy_from_slice(&rgb);
    }

    /// The image as PNG bytes (8-bit RGB, no interlacing).
    pub fn to_png(&self) -> Vec<u8> {
        let mut out = Vec::new();
        {
            let mut encoder = png::Encoder::new(&mut out, self.width, self.height);
            encoder.set_color(png::ColorType::Rgb);
            encoder.set_depth(png::BitDepth::Eight);
            encoder.set_compression(png::Compression::Balanced);
            // Writing to memory fails only if the sizes disagree, which the type rules out.
            let mut writer = encoder
                .write_header()
                .expect("a PNG header writes to memory");
            writer
                .write_image_data(&self.pixels)
                .expect("an image of its own size writes to memory");
        }
        out
    }

    /// Reads a PNG of any colour type and depth: palettes are expanded, 16-bit samples
    /// cut to 8, alpha dropped, grey copied into R, G and B.
    pub fn from_png(bytes: &[u8]) -> Result<Self, InputError> {
        let bad = |why: String| {
            InputError::new(format!("is not a PNG doormat can read: {why}"))
                .hint("give an 8- or 16-bit PNG image, as any image editor saves")
        };
        let mut decoder = png::Decoder::new(std::io::Cursor::new(bytes));
        decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
        // Refuse decompression bombs before allocating their buffers.
        decoder.set_limits(png::Limits {
            bytes: (MAX_PIXELS * 8) as usize,
        });
        let mut reader = decoder.read_info().map_err(|e| bad(e.to_string()))?;
        let info = reader.info();
        let (width, height) = (info.width, info.height);
        if width > MAX_SIDE
            || height > MAX_SIDE
            || u64::from(width) * u64::from(height) > MAX_PIXELS
        {
            return Err(InputError::new(format!(
                "is {width}x{height} pixels; doormat reads images of at most {MAX_SIDE} a side \
                 and {} megapixels",
                MAX_PIXELS / 1_000_000
            ))
            .hint("scale the image down first"));
        }
        let size = reader
            .output_buffer_size()
            .ok_or_else(|| bad("its size overflows".into()))?;
        let mut buffer = vec![0; size];
        let frame = reader
            .next_frame(&mut buffer)
            .map_err(|e| bad(e.to_string()))?;
        buffer.truncate(frame.buffer_size());
        let channels = match frame.color_type {
            png::ColorType::Grayscale => 1,
            png::ColorType::GrayscaleAlpha => 2,
            png::ColorType::Rgb => 3,
            png::ColorType::Rgba => 4,
            png::ColorType::Indexed => return Err(bad("its palette was not expanded".into())),
        };
        let mut pixels = Vec::with_capacity(width as usize * height as usize * 3);
        for px in buffer.chunks_exact(channels) {
            match channels {
                1 | 2 => pixels.extend_from_slice(&[px[0], px[0], px[0]]),
                _ => pixels.extend_from_slice(&px[..3]),
            }
        }
        RgbImage::from_rgb(width, height, pixels)
            .ok_or_else(|| bad("its rows are shorter than its header says".into()))
    }
}

/// Largest PNG file doormat reads.
pub const MAX_PNG_BYTES: u64 = 64 << 20;

/// Reads the PNG at `path`, refusing anything else with a message that names it.
pub fn read_png(path: &std::path::Path) -> crate::error::Result<RgbImage> {
    let what = "a PNG image";
    let file = crate::fsutil::open_input(path, what)?;
    read_png_from(file, path)
}

/// Reads an opened PNG file; errors name `path`.
pub fn read_png_from(
    file: std::fs::File,
    path: &std::path::Path,
) -> crate::error::Result<RgbImage> {
    let bytes = crate::fsutil::read_bytes_from(file, path, "a PNG image", MAX_PNG_BYTES)?;
    RgbImage::from_png(&bytes).map_err(|e| e.file(path).into())
}

/// Writes `image` as a PNG at `path`, whole or not at all; an existing file is replaced
/// only with `force`.
pub fn write_png(
    image: &RgbImage,
    path: &std::path::Path,
    force: bool,
) -> crate::error::Result<()> {
    use std::io::Write;
    let mut out = crate::fsutil::AtomicFile::create(path, force)?;
    out.writer()
        .write_all(&image.to_png())
        .map_err(|e| crate::error::Error::io(path, e))?;
    out.commit()
}

/// Peak signal-to-noise ratio of `b` against `a`, in dB, over all three channels: how
/// alike two images look (30 dB and above: differences hard to see; identical: infinite).
/// `None` when the sizes differ.
pub fn psnr_db(a: &RgbImage, b: &RgbImage) -> Option<f64> {
    if a.width != b.width || a.height != b.height {
        return None;
    }
    let squared: f64 = a
        .pixels
        .iter()
        .zip(&b.pixels)
        .map(|(x, y)| {
            let d = f64::from(*x) - f64::from(*y);
            d * d
        })
        .sum();
    let mse = squared / a.pixels.len().max(1) as f64;
    Some(if mse == 0.0 {
        f64::INFINITY
    } else {
        10.0 * (255.0f64 * 255.0 / mse).log10()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn png_round_trips_and_psnr_measures_the_change() {
        let mut image = RgbImage::filled(7, 5, [10, 200, 30]);
        image.put(3, 2, [255, 0, 0]);
        let back = RgbImage::from_png(&image.to_png()).unwrap();
        assert_eq!(back, image);
        assert_eq!(psnr_db(&image, &back), Some(f64::INFINITY));
        let mut other = image.clone();
        other.put(0, 0, [11, 200, 30]);
        // One sample off by one among 105: MSE 1/105.
        let expected = 10.0 * (255.0f64 * 255.0 * 105.0).log10();
        assert!((psnr_db(&image, &other).unwrap() - expected).abs() < 1e-9);
        assert_eq!(psnr_db(&image, &RgbImage::filled(5, 7, [0; 3])), None);
    }

    #[test]
    fn damaged_or_huge_pngs_are_refused_with_a_reason() {
        let png = RgbImage::filled(4, 4, [1, 2, 3]).to_png();
        let e = RgbImage::from_png(&png[..png.len() / 2]).unwrap_err();
        assert!(e.problem.starts_with("is not a PNG"), "{}", e.problem);
        assert!(RgbImage::from_png(b"hello").is_err());
        // A header claiming 9000x9000 is refused before any pixel is read.
        let mut out = Vec::new();
        {
            let mut e = png::Encoder::new(&mut out, 9000, 1);
            e.set_color(png::ColorType::Grayscale);
            let mut w = e.write_header().unwrap();
            w.write_image_data(&vec![0; 9000]).unwrap();
        }
        let e = RgbImage::from_png(&out).unwrap_err();
        assert!(e.problem.contains("9000x1"), "{}", e.problem);
    }

    #[test]
    fn grey_and_alpha_pngs_become_rgb() {
        let mut out = Vec::new();
        {
            let mut e = png::Encoder::new(&mut out, 2, 1);
            e.set_color(png::ColorType::GrayscaleAlpha);
            let mut w = e.write_header().unwrap();
            w.write_image_data(&[9, 255, 77, 0]).unwrap();
        }
        let image = RgbImage::from_png(&out).unwrap();
        assert_eq!(image.rgb(), &[9, 9, 9, 77, 77, 77]);
    }
}
