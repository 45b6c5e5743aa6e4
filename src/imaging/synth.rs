//! Synthetic photos, drawn from a seed: landscapes, shapes, stripes and posters with
//! text. The client-side scanning world sends these instead of real photos, so nothing
//! is downloaded and every world is reproducible; they have the gradients, edges and
//! flat areas that a perceptual hash is meant to see.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::RgbImage;

/// What a synthetic picture shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Sky, hills, a sun: a holiday snap.
    Scene,
    /// Overlapping rectangles and discs on a gradient.
    Shapes,
    /// Bands of colour at an angle, with a few discs.
    Stripes,
    /// A poster: bold text on a coloured ground.
    Poster,
}

impl Kind {
    /// All kinds, in the order a gallery cycles through them.
    pub const ALL: [Kind; 4] = [Kind::Scene, Kind::Shapes, Kind::Stripes, Kind::Poster];
}

/// A `width`×`height` picture of `kind`, the same for the same seed. `caption` is the
/// text a poster carries (others draw it small in a corner, if given).
pub fn picture(kind: Kind, seed: u64, width: u32, height: u32, caption: Option<&str>) -> RgbImage {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5d0_0a1a);
    let mut image = RgbImage::filled(width, height, [0; 3]);
    let (w, h) = (f64::from(width), f64::from(height));
    match kind {
        Kind::Scene => {
            let sky_top = random_colour(&mut rng, 60..140, 110..190, 180..255);
            let sky_low = random_colour(&mut rng, 170..240, 190..240, 200..255);
            vertical_gradient(&mut image, sky_top, sky_low);
            let sun = random_colour(&mut rng, 230..256, 180..240, 40..120);
            disc(
                &mut image,
                rng.gen_range(0.15..0.85) * w,
                rng.gen_range(0.1..0.35) * h,
                rng.gen_range(0.06..0.12) * w,
                sun,
            );
            for layer in 0..3 {
                let base = rng.gen_range(0.5..0.75) * h + f64::from(layer) * 0.08 * h;
                let amplitude = rng.gen_range(0.03..0.1) * h;
                let frequency = rng.gen_range(1.0..4.0);
                let phase = rng.gen_range(0.0..std::f64::consts::TAU);
                let green = random_colour(&mut rng, 20..90, 80..170, 20..80);
                for x in 0..width {
                    let t = f64::from(x) / w;
                    let top =
                        base + amplitude * (t * frequency * std::f64::consts::TAU + phase).sin();
                    for y in (top.max(0.0) as u32)..height {
                        image.put(i64::from(x), i64::from(y), green);
                    }
                }
            }
        }
        Kind::Shapes => {
            let a = random_colour(&mut rng, 0..256, 0..256, 0..256);
            let b = random_colour(&mut rng, 0..256, 0..256, 0..256);
            diagonal_gradient(&mut image, a, b);
            for _ in 0..rng.gen_range(4..9) {
                let colour = random_colour(&mut rng, 0..256, 0..256, 0..256);
                let (cx, cy) = (rng.gen_range(0.0..w), rng.gen_range(0.0..h));
                let size = rng.gen_range(0.08..0.3) * w;
                if rng.gen_bool(0.5) {
                    disc(&mut image, cx, cy, size / 2.0, colour);
                } else {
                    rectangle(
                        &mut image,
                        cx - size / 2.0,
                        cy - size / 3.0,
                        size,
                        size / 1.5,
                        colour,
                    );
                }
            }
        }
        Kind::Stripes => {
            let colours: Vec<[u8; 3]> = (0..rng.gen_range(3..6))
                .map(|_| random_colour(&mut rng, 0..256, 0..256, 0..256))
                .collect();
            let angle: f64 = rng.gen_range(0.0..std::f64::consts::PI);
            let band = rng.gen_range(0.06..0.2) * w;
            let (s, c) = angle.sin_cos();
            for y in 0..height {
                for x in 0..width {
                    let along = f64::from(x) * c + f64::from(y) * s;
                    let i = (along / band).rem_euclid(colours.len() as f64) as usize;
                    image.put(i64::from(x), i64::from(y), colours[i % colours.len()]);
                }
            }
            for _ in 0..rng.gen_range(1..4) {
                let colour = random_colour(&mut rng, 0..256, 0..256, 0..256);
                disc(
                    &mut image,
                    rng.gen_range(0.0..w),
                    rng.gen_range(0.0..h),
                    rng.gen_range(0.05..0.15) * w,
                    colour,
                );
            }
        }
        Kind::Poster => {
            let ground = random_colour(&mut rng, 120..256, 0..120, 0..120);
            let ink = [250, 245, 230];
            vertical_gradient(&mut image, ground, darker(ground));
            rectangle(&mut image, 0.05 * w, 0.05 * h, 0.9 * w, 0.04 * h, ink);
            rectangle(&mut image, 0.05 * w, 0.91 * h, 0.9 * w, 0.04 * h, ink);
            disc(&mut image, 0.5 * w, 0.72 * h, 0.12 * w, ink);
            disc(&mut image, 0.5 * w, 0.72 * h, 0.08 * w, darker(ground));
            let text = caption.unwrap_or("SPEAK FREELY");
            text_block(&mut image, text, 0.1 * w, 0.14 * h, 0.8 * w, 0.42 * h, ink);
        }
    }
    if kind != Kind::Poster {
        if let Some(text) = caption {
            let small = (w * 0.3).max(20.0);
            text_block(
                &mut image,
                text,
                0.04 * w,
                0.04 * h,
                small,
                small * 0.3,
                [255, 255, 255],
            );
        }
    }
    grain(&mut image, &mut rng);
    image
}

fn random_colour(
    rng: &mut ChaCha8Rng,
    r: std::ops::Range<u16>,
    g: std::ops::Range<u16>,
    b: std::ops::Range<u16>,
) -> [u8; 3] {
    [
        rng.gen_range(r).min(255) as u8,
        rng.gen_range(g).min(255) as u8,
        rng.gen_range(b).min(255) as u8,
    ]
}

fn darker(c: [u8; 3]) -> [u8; 3] {
    c.map(|v| v / 2)
}

fn mix(a: [u8; 3], b: [u8; 3], t: f64) -> [u8; 3] {
    let m = |x: u8, y: u8| (f64::from(x) * (1.0 - t) + f64::from(y) * t).round() as u8;
    [m(a[0], b[0]), m(a[1], b[1]), m(a[2], b[2])]
}

fn vertical_gradient(image: &mut RgbImage, top: [u8; 3], bottom: [u8; 3]) {
    let h = f64::from(image.height().max(2) - 1);
    for y in 0..image.height() {
        let colour = mix(top, bottom, f64::from(y) / h);
        for x in 0..image.width() {
            image.put(i64::from(x), i64::from(y), colour);
        }
    }
}

fn diagonal_gradient(image: &mut RgbImage, a: [u8; 3], b: [u8; 3]) {
    let span = f64::from(image.width() + image.height()).max(1.0);
    for y in 0..image.height() {
        for x in 0..image.width() {
            let colour = mix(a, b, f64::from(x + y) / span);
            image.put(i64::from(x), i64::from(y), colour);
        }
    }
}

fn disc(image: &mut RgbImage, cx: f64, cy: f64, radius: f64, colour: [u8; 3]) {
    let (x0, x1) = ((cx - radius).floor() as i64, (cx + radius).ceil() as i64);
    let (y0, y1) = ((cy - radius).floor() as i64, (cy + radius).ceil() as i64);
    for y in y0..=y1 {
        for x in x0..=x1 {
            let (dx, dy) = (x as f64 - cx, y as f64 - cy);
            if dx * dx + dy * dy <= radius * radius {
                image.put(x, y, colour);
            }
        }
    }
}

fn rectangle(image: &mut RgbImage, x: f64, y: f64, w: f64, h: f64, colour: [u8; 3]) {
    for py in (y as i64)..((y + h) as i64) {
        for px in (x as i64)..((x + w) as i64) {
            image.put(px, py, colour);
        }
    }
}

/// Film grain: a little noise, as every camera adds.
fn grain(image: &mut RgbImage, rng: &mut ChaCha8Rng) {
    for y in 0..image.height() {
        for x in 0..image.width() {
            let n: i16 = rng.gen_range(-3..=3);
            let p = image
                .get(x, y)
                .map(|v| (i16::from(v) + n).clamp(0, 255) as u8);
            image.put(i64::from(x), i64::from(y), p);
        }
    }
}

/// Draws `text` in capitals, word-wrapped to fill the box, with a 5×7 pixel font
/// scaled up.
fn text_block(image: &mut RgbImage, text: &str, x: f64, y: f64, w: f64, h: f64, colour: [u8; 3]) {
    let words: Vec<String> = text
        .split_whitespace()
        .map(|word| word.to_uppercase())
        .collect();
    if words.is_empty() {
        return;
    }
    // Lines of at most this many characters, as balanced as a greedy wrap makes them.
    let longest = words.iter().map(|w| w.chars().count()).max().unwrap_or(1);
    let per_line = longest.max(((text.len() as f64).sqrt() * 1.6) as usize);
    let mut lines: Vec<String> = Vec::new();
    for word in words {
        match lines.last_mut() {
            Some(line) if line.chars().count() + 1 + word.chars().count() <= per_line => {
                line.push(' ');
                line.push_str(&word);
            }
            _ => lines.push(word),
        }
    }
    let columns = lines.iter().map(|l| l.chars().count()).max().unwrap_or(1) as f64;
    let scale = (w / (columns * 6.0))
        .min(h / (lines.len() as f64 * 9.0))
        .max(1.0);
    for (row, line) in lines.iter().enumerate() {
        let top = y + row as f64 * 9.0 * scale;
        for (col, ch) in line.chars().enumerate() {
            let left = x + col as f64 * 6.0 * scale;
            let glyph = glyph(ch);
            for (gy, bits) in glyph.iter().enumerate() {
                for gx in 0..5 {
                    if bits & (0b10000 >> gx) != 0 {
                        rectangle(
                            image,
                            left + gx as f64 * scale,
                            top + gy as f64 * scale,
                            scale.ceil(),
                            scale.ceil(),
                            colour,
                        );
                    }
                }
            }
        }
    }
}

/// A 5×7 glyph, one row a byte, the leftmost pixel in bit 4. Unknown characters are a
/// box.
fn glyph(ch: char) -> [u8; 7] {
    match ch {
        'A' => [14, 17, 17, 31, 17, 17, 17],
        'B' => [30, 17, 17, 30, 17, 17, 30],
        'C' => [14, 17, 16, 16, 16, 17, 14],
        'D' => [30, 17, 17, 17, 17, 17, 30],
        'E' => [31, 16, 16, 30, 16, 16, 31],
        'F' => [31, 16, 16, 30, 16, 16, 16],
        'G' => [14, 17, 16, 23, 17, 17, 15],
        'H' => [17, 17, 17, 31, 17, 17, 17],
        'I' => [14, 4, 4, 4, 4, 4, 14],
        'J' => [7, 2, 2, 2, 2, 18, 12],
        'K' => [17, 18, 20, 24, 20, 18, 17],
        'L' => [16, 16, 16, 16, 16, 16, 31],
        'M' => [17, 27, 21, 21, 17, 17, 17],
        'N' => [17, 17, 25, 21, 19, 17, 17],
        'O' => [14, 17, 17, 17, 17, 17, 14],
        'P' => [30, 17, 17, 30, 16, 16, 16],
        'Q' => [14, 17, 17, 17, 21, 18, 13],
        'R' => [30, 17, 17, 30, 20, 18, 17],
        'S' => [15, 16, 16, 14, 1, 1, 30],
        'T' => [31, 4, 4, 4, 4, 4, 4],
        'U' => [17, 17, 17, 17, 17, 17, 14],
        'V' => [17, 17, 17, 17, 17, 10, 4],
        'W' => [17, 17, 17, 21, 21, 21, 10],
        'X' => [17, 17, 10, 4, 10, 17, 17],
        'Y' => [17, 17, 10, 4, 4, 4, 4],
        'Z' => [31, 1, 2, 4, 8, 16, 31],
        '0' => [14, 17, 19, 21, 25, 17, 14],
        '1' => [4, 12, 4, 4, 4, 4, 14],
        '2' => [14, 17, 1, 2, 4, 8, 31],
        '3' => [31, 2, 4, 2, 1, 17, 14],
        '4' => [2, 6, 10, 18, 31, 2, 2],
        '5' => [31, 16, 30, 1, 1, 17, 14],
        '6' => [6, 8, 16, 30, 17, 17, 14],
        '7' => [31, 1, 2, 4, 8, 8, 8],
        '8' => [14, 17, 17, 14, 17, 17, 14],
        '9' => [14, 17, 17, 15, 1, 2, 12],
        ' ' => [0; 7],
        '!' => [4, 4, 4, 4, 4, 0, 4],
        '.' => [0, 0, 0, 0, 0, 12, 12],
        ',' => [0, 0, 0, 0, 12, 4, 8],
        '-' => [0, 0, 0, 31, 0, 0, 0],
        '?' => [14, 17, 1, 2, 4, 0, 4],
        '\'' => [4, 4, 8, 0, 0, 0, 0],
        _ => [31, 17, 17, 17, 17, 17, 31],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::imaging::pdq;

    #[test]
    fn the_same_seed_draws_the_same_picture_and_another_a_different_one() {
        for kind in Kind::ALL {
            let a = picture(kind, 1, 128, 96, Some("free press"));
            assert_eq!(a, picture(kind, 1, 128, 96, Some("free press")), "{kind:?}");
            let other = if kind == Kind::Poster {
                "another text"
            } else {
                "free press"
            };
            let b = picture(kind, 2, 128, 96, Some(other));
            let (ha, hb) = (pdq::hash(&a).unwrap(), pdq::hash(&b).unwrap());
            // Different pictures are far apart under PDQ (about half the bits differ).
            assert!(
                ha.hash.distance(&hb.hash) > pdq::MATCH_THRESHOLD,
                "{kind:?}"
            );
        }
    }
}
