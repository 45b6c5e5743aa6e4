//! PDQ, the perceptual hash Meta (then Facebook) open-sourced in August 2019 for
//! matching known images: 256 bits, compared by Hamming distance, a match at 31 or
//! less in Meta's guidance.
//!
//! No maintained crate implements it for the current `image` crate, so it is written
//! here after Meta's description and reference code (ThreatExchange, `pdq/cpp`), step
//! by step, with the reference's own float arithmetic:
//!
//! 1. **luminance** Y = 0.299 R + 0.587 G + 0.114 B, as 32-bit floats;
//! 2. **Jarosz filter**: two passes of a box filter along the rows and then the columns,
//!    each window ⌈side / 128⌉ pixels wide, then **decimation** to 64×64 by sampling the
//!    centre of each cell;
//! 3. **quality**: the sum of the 64×64 image's significant gradients, scaled to 0-100;
//! 4. **DCT**: the 16×16 lowest non-constant frequencies of a 2-D DCT-II of the 64×64
//!    image, as `D A Dᵀ` with the 16×64 matrix `D`;
//! 5. **median threshold**: bit `16 i + j` is set where coefficient `(i, j)` exceeds the
//!    median of all 256 (Torben's median, as the reference computes it).
//!
//! `tests/interop/pdq_reference.py` checks the result against the Python `pdqhash`
//! package (bindings to Meta's C++) over generated images. That binding computes the
//! luminance in 64-bit floats and then rounds it to 32; doormat does the same, so the
//! hashes agree bit for bit (see docs/schemes.md).
//!
//! Everything up to the threshold is linear in the pixels, and separable:
//! `B = P L Qᵀ` for the luminance `L` and two small matrices `P`, `Q`.
//! [`LinearModel`] exposes that, which is what makes white-box attacks exact and fast.

use std::sync::OnceLock;

use super::RgbImage;
use crate::error::InputError;

/// Bits in a PDQ hash.
pub const HASH_BITS: u32 = 256;
/// Meta's recommended match threshold: a Hamming distance of 31 or less is a match.
pub const MATCH_THRESHOLD: u32 = 31;
/// The reference hashes nothing smaller than this on either side.
pub const MIN_SIDE: u32 = 5;

const LUMA_R: f64 = 0.299;
const LUMA_G: f64 = 0.587;
const LUMA_B: f64 = 0.114;
const DOWNSAMPLED: usize = 64;
const JAROSZ_PASSES: usize = 2;

/// A 256-bit PDQ hash, as the reference stores it: sixteen 16-bit words, bit `k` in
/// word `k / 16`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct PdqHash([u16; 16]);

impl PdqHash {
    /// Bit `k` (0 to 255): coefficient `(k / 16, k % 16)` is above the median.
    pub fn bit(&self, k: usize) -> bool {
        (self.0[k >> 4] >> (k & 15)) & 1 == 1
    }

    fn set(&mut self, k: usize) {
        self.0[k >> 4] |= 1 << (k & 15);
    }

    /// The number of bits in which the two differ.
    pub fn distance(&self, other: &PdqHash) -> u32 {
        self.0
            .iter()
            .zip(&other.0)
            .map(|(a, b)| (a ^ b).count_ones())
            .sum()
    }

    /// The reference's text form: 64 hex digits, the word of bits 240-255 first.
    pub fn to_hex(&self) -> String {
        self.0.iter().rev().map(|w| format!("{w:04x}")).collect()
    }

    /// Reads the text form [`to_hex`](Self::to_hex) writes.
    pub fn from_hex(text: &str) -> Result<Self, InputError> {
        let bad = || {
            InputError::new(format!(
                "{:?} is not a PDQ hash",
                text.chars().take(70).collect::<String>()
            ))
            .hint("a PDQ hash is 64 hex digits (256 bits), as pdqhash and doormat print it")
        };
        if text.len() != 64 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad());
        }
        let mut words = [0u16; 16];
        for (i, word) in words.iter_mut().rev().enumerate() {
            *word = u16::from_str_radix(&text[i * 4..i * 4 + 4], 16).map_err(|_| bad())?;
        }
        Ok(PdqHash(words))
    }
}

impl std::fmt::Display for PdqHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl std::fmt::Debug for PdqHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PdqHash({})", self.to_hex())
    }
}

impl serde::Serialize for PdqHash {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

impl<'de> serde::Deserialize<'de> for PdqHash {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        PdqHash::from_hex(&text).map_err(|e| serde::de::Error::custom(e.problem))
    }
}

/// A hash and the reference's quality metric (0-100: how much structure the image has;
/// a flat image hashes to noise).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pdq {
    /// The hash.
    pub hash: PdqHash,
    /// The quality metric, 0 to 100.
    pub quality: u8,
}

/// The PDQ hash of `image`. Refused for images under [`MIN_SIDE`] pixels a side, which
/// the reference hashes to all zeroes.
pub fn hash(image: &RgbImage) -> Result<Pdq, InputError> {
    let (coefficients, quality) = coefficients(image)?;
    Ok(Pdq {
        hash: hash_from_coefficients(&coefficients),
        quality,
    })
}

/// The 256 DCT coefficients (row-major, `16 i + j`) and the quality metric.
pub fn coefficients(image: &RgbImage) -> Result<([f32; 256], u8), InputError> {
    if image.width() < MIN_SIDE || image.height() < MIN_SIDE {
        return Err(InputError::new(format!(
            "is {}x{} pixels; PDQ hashes images of at least {MIN_SIDE} pixels a side",
            image.width(),
            image.height()
        )));
    }
    let rows = image.height() as usize;
    let cols = image.width() as usize;
    let mut buffer = luma(image);
    let small = if rows == DOWNSAMPLED && cols == DOWNSAMPLED {
        buffer
    } else {
        let mut scratch = vec![0f32; buffer.len()];
        let along_rows = window_size(cols);
        let along_cols = window_size(rows);
        for _ in 0..JAROSZ_PASSES {
            for r in 0..rows {
                box_1d(&buffer, &mut scratch, r * cols, 1, cols, along_rows);
            }
            for c in 0..cols {
                box_1d(&scratch, &mut buffer, c, cols, rows, along_cols);
            }
        }
        decimate(&buffer, rows, cols)
    };
    let quality = quality(&small);
    Ok((dct_64_to_16(&small), quality))
}

/// The hash of 256 coefficients: bit `k` set where coefficient `k` exceeds their median.
pub fn hash_from_coefficients(coefficients: &[f32; 256]) -> PdqHash {
    let median = torben_median(coefficients);
    let mut hash = PdqHash::default();
    for (k, c) in coefficients.iter().enumerate() {
        if *c > median {
            hash.set(k);
        }
    }
    hash
}

/// Luminance, row-major, computed in 64-bit floats and rounded to 32 as the Python
/// binding of the reference does.
pub fn luma(image: &RgbImage) -> Vec<f32> {
    image
        .rgb()
        .chunks_exact(3)
        .map(|p| {
            (f64::from(p[0]) * LUMA_R + f64::from(p[1]) * LUMA_G + f64::from(p[2]) * LUMA_B) as f32
        })
        .collect()
}

/// The box window for one pass: two passes together cover a 1/64 cell of `side`.
fn window_size(side: usize) -> usize {
    side.div_ceil(2 * DOWNSAMPLED)
}

/// One box-filter pass over `len` values, `stride` apart from `start`: each output is
/// the mean of the window around it, the window shrinking at the ends. A running sum,
/// in the reference's order, so that its float rounding is the reference's.
fn box_1d(
    input: &[f32],
    output: &mut [f32],
    start: usize,
    stride: usize,
    len: usize,
    window: usize,
) {
    let half = (window + 2) / 2;
    let (phase_1, phase_2) = (half - 1, window - half + 1);
    let (phase_3, phase_4) = (len - window, half - 1);
    let (mut li, mut ri, mut oi) = (start, start, start);
    let mut sum = 0f32;
    let mut current = 0usize;
    for _ in 0..phase_1 {
        sum += input[ri];
        current += 1;
        ri += stride;
    }
    for _ in 0..phase_2 {
        sum += input[ri];
        current += 1;
        output[oi] = sum / current as f32;
        ri += stride;
        oi += stride;
    }
    for _ in 0..phase_3 {
        sum += input[ri];
        sum -= input[li];
        output[oi] = sum / current as f32;
        li += stride;
        ri += stride;
        oi += stride;
    }
    for _ in 0..phase_4 {
        sum -= input[li];
        current -= 1;
        output[oi] = sum / current as f32;
        li += stride;
        oi += stride;
    }
}

/// The sample the decimation takes for output cell `i` of a side of `len`: its centre.
fn sample_index(i: usize, len: usize) -> usize {
    (((i as f64 + 0.5) * len as f64) / DOWNSAMPLED as f64) as usize
}

fn decimate(buffer: &[f32], rows: usize, cols: usize) -> Vec<f32> {
    let mut out = Vec::with_capacity(DOWNSAMPLED * DOWNSAMPLED);
    for i in 0..DOWNSAMPLED {
        let r = sample_index(i, rows);
        for j in 0..DOWNSAMPLED {
            out.push(buffer[r * cols + sample_index(j, cols)]);
        }
    }
    out
}

/// The reference's heuristic: gradients between neighbours in percent of full scale,
/// each truncated (so only significant ones count), summed, divided by 90, capped at 100.
fn quality(small: &[f32]) -> u8 {
    let mut sum: i64 = 0;
    let step = |u: f32, v: f32| (((u - v) * 100.0) / 255.0) as i64;
    for i in 0..DOWNSAMPLED - 1 {
        for j in 0..DOWNSAMPLED {
            sum += step(small[i * 64 + j], small[(i + 1) * 64 + j]).abs();
        }
    }
    for i in 0..DOWNSAMPLED {
        for j in 0..DOWNSAMPLED - 1 {
            sum += step(small[i * 64 + j], small[i * 64 + j + 1]).abs();
        }
    }
    (sum / 90).min(100) as u8
}

/// The 16×64 DCT-II matrix, frequencies 1 to 16 (the constant one is left out).
fn dct_matrix() -> &'static [[f32; 64]; 16] {
    static MATRIX: OnceLock<[[f32; 64]; 16]> = OnceLock::new();
    MATRIX.get_or_init(|| {
        let scale = (2.0f64 / 64.0).sqrt() as f32;
        let mut d = [[0f32; 64]; 16];
        for (i, row) in d.iter_mut().enumerate() {
            for (j, cell) in row.iter_mut().enumerate() {
                let angle =
                    (std::f64::consts::PI / 2.0 / 64.0) * (i + 1) as f64 * (2 * j + 1) as f64;
                *cell = (f64::from(scale) * angle.cos()) as f32;
            }
        }
        d
    })
}

/// `D A Dᵀ` for the 64×64 image `A`, summed in the reference's order.
fn dct_64_to_16(a: &[f32]) -> [f32; 256] {
    let d = dct_matrix();
    let mut t = [[0f32; 64]; 16];
    for i in 0..16 {
        for j in 0..64 {
            let mut sum = 0f32;
            for k in 0..64 {
                sum += d[i][k] * a[k * 64 + j];
            }
            t[i][j] = sum;
        }
    }
    let mut b = [0f32; 256];
    for i in 0..16 {
        for j in 0..16 {
            let mut sum = 0f32;
            for k in 0..64 {
                sum += t[i][k] * d[j][k];
            }
            b[i * 16 + j] = sum;
        }
    }
    b
}

/// The lower median (the 128th smallest of 256), by Torben Mogensen's method, which
/// reads the values without reordering them, as the reference does.
fn torben_median(m: &[f32]) -> f32 {
    let n = m.len();
    let (mut min, mut max) = (m[0], m[0]);
    for &x in &m[1..] {
        min = min.min(x);
        max = max.max(x);
    }
    let half = n.div_ceil(2);
    loop {
        let guess = (min + max) / 2.0;
        let (mut less, mut greater, mut equal) = (0usize, 0usize, 0usize);
        let (mut max_below, mut min_above) = (min, max);
        for &x in m {
            if x < guess {
                less += 1;
                if x > max_below {
                    max_below = x;
                }
            } else if x > guess {
                greater += 1;
                if x < min_above {
                    min_above = x;
                }
            } else {
                equal += 1;
            }
        }
        if less <= half && greater <= half {
            return if less >= half {
                max_below
            } else if less + equal >= half {
                guess
            } else {
                min_above
            };
        }
        if less > greater {
            max = max_below;
        } else {
            min = min_above;
        }
    }
}

/// PDQ up to its threshold, as the linear map it is: the coefficients of a luminance
/// image `L` (rows × cols) are `B = P L Qᵀ`, `P` 16 × rows and `Q` 16 × cols, each the
/// DCT rows composed with the filter and decimation along one side. Computed in 64-bit
/// floats: it models the reference to within its float rounding.
pub struct LinearModel {
    rows: usize,
    cols: usize,
    p: Vec<[f64; 16]>,
    q: Vec<[f64; 16]>,
    p_gram_inverse: [[f64; 16]; 16],
    q_gram_inverse: [[f64; 16]; 16],
}

impl LinearModel {
    /// The model for images of `width` × `height` (each at least [`MIN_SIDE`]).
    pub fn new(width: u32, height: u32) -> Self {
        let (rows, cols) = (height as usize, width as usize);
        let identity = rows == DOWNSAMPLED && cols == DOWNSAMPLED;
        let p = side_operator(rows, identity);
        let q = side_operator(cols, identity);
        LinearModel {
            rows,
            cols,
            p_gram_inverse: invert(&gram(&p)),
            q_gram_inverse: invert(&gram(&q)),
            p,
            q,
        }
    }

    /// `P L Qᵀ` for a luminance image, row-major.
    pub fn coefficients(&self, luma: &[f64]) -> [f64; 256] {
        // L Qᵀ first: rows × 16.
        let mut lq = vec![[0f64; 16]; self.rows];
        for (r, out) in lq.iter_mut().enumerate() {
            let row = &luma[r * self.cols..(r + 1) * self.cols];
            for (c, value) in row.iter().enumerate() {
                let q = &self.q[c];
                for v in 0..16 {
                    out[v] += value * q[v];
                }
            }
        }
        let mut b = [0f64; 256];
        for (r, lq_row) in lq.iter().enumerate() {
            let p = &self.p[r];
            for u in 0..16 {
                for v in 0..16 {
                    b[u * 16 + v] += p[u] * lq_row[v];
                }
            }
        }
        b
    }

    /// The smallest change to the luminance (in the least-squares sense) that moves the
    /// coefficients by exactly `delta` and leaves the rest of the image's structure be:
    /// `Pᵀ X Q` with `X = (P Pᵀ)⁻¹ Δ (Q Qᵀ)⁻¹`.
    pub fn minimal_change(&self, delta: &[f64; 256]) -> Vec<f64> {
        let mut x = [[0f64; 16]; 16];
        // (P Pᵀ)⁻¹ Δ
        let mut left = [[0f64; 16]; 16];
        for (u, row) in left.iter_mut().enumerate() {
            for (v, cell) in row.iter_mut().enumerate() {
                *cell = (0..16)
                    .map(|k| self.p_gram_inverse[u][k] * delta[k * 16 + v])
                    .sum();
            }
        }
        for (u, row) in x.iter_mut().enumerate() {
            for (v, cell) in row.iter_mut().enumerate() {
                *cell = (0..16)
                    .map(|k| left[u][k] * self.q_gram_inverse[k][v])
                    .sum();
            }
        }
        // X Q: 16 × cols, then Pᵀ (X Q).
        let mut xq = vec![[0f64; 16]; self.cols];
        for (c, out) in xq.iter_mut().enumerate() {
            for u in 0..16 {
                out[u] = (0..16).map(|v| x[u][v] * self.q[c][v]).sum();
            }
        }
        let mut change = Vec::with_capacity(self.rows * self.cols);
        for r in 0..self.rows {
            let p = &self.p[r];
            for xq_c in &xq {
                change.push((0..16).map(|u| p[u] * xq_c[u]).sum());
            }
        }
        change
    }
}

/// One side's operator, stored by pixel: for pixel `x`, the 16 DCT rows' weights on it
/// after the two box passes and the decimation (`D F`, transposed).
fn side_operator(len: usize, identity: bool) -> Vec<[f64; 16]> {
    let d = dct_matrix();
    let window = window_size(len);
    let mut by_pixel = vec![[0f64; 16]; len];
    let mut unit = vec![0f32; len];
    let mut scratch = vec![0f32; len];
    for (x, weights) in by_pixel.iter_mut().enumerate() {
        unit.iter_mut().for_each(|v| *v = 0.0);
        unit[x] = 1.0;
        if !identity {
            for _ in 0..JAROSZ_PASSES {
                box_1d(&unit, &mut scratch, 0, 1, len, window);
                unit.copy_from_slice(&scratch);
            }
        }
        for (u, weight) in weights.iter_mut().enumerate() {
            *weight = (0..DOWNSAMPLED)
                .map(|i| {
                    let sampled = if identity { i } else { sample_index(i, len) };
                    f64::from(d[u][i]) * f64::from(unit[sampled])
                })
                .sum();
        }
    }
    by_pixel
}

fn gram(side: &[[f64; 16]]) -> [[f64; 16]; 16] {
    let mut g = [[0f64; 16]; 16];
    for w in side {
        for u in 0..16 {
            for v in 0..16 {
                g[u][v] += w[u] * w[v];
            }
        }
    }
    g
}

/// Gauss-Jordan with partial pivoting; the Gram matrices are symmetric positive
/// definite (the DCT rows stay independent through the filter), so a pivot is found.
fn invert(m: &[[f64; 16]; 16]) -> [[f64; 16]; 16] {
    let mut a = *m;
    let mut inv = [[0f64; 16]; 16];
    for (i, row) in inv.iter_mut().enumerate() {
        row[i] = 1.0;
    }
    for col in 0..16 {
        let pivot = (col..16)
            .max_by(|&x, &y| a[x][col].abs().total_cmp(&a[y][col].abs()))
            .unwrap_or(col);
        a.swap(col, pivot);
        inv.swap(col, pivot);
        let p = a[col][col];
        for k in 0..16 {
            a[col][k] /= p;
            inv[col][k] /= p;
        }
        for r in 0..16 {
            if r != col {
                let f = a[r][col];
                for k in 0..16 {
                    a[r][k] -= f * a[col][k];
                    inv[r][k] -= f * inv[col][k];
                }
            }
        }
    }
    inv
}

#[cfg(test)]
mod tests {
    use super::*;

    fn test_image(width: u32, height: u32) -> RgbImage {
        let mut image = RgbImage::filled(width, height, [0; 3]);
        for y in 0..height {
            for x in 0..width {
                let r = (x * 255 / width) as u8;
                let g = (y * 255 / height) as u8;
                let b = if (x / 17 + y / 23) % 2 == 0 { 200 } else { 40 };
                image.put(i64::from(x), i64::from(y), [r, g, b]);
            }
        }
        image
    }

    #[test]
    fn hex_round_trips_and_distance_counts_bits() {
        let mut a = PdqHash::default();
        a.set(0);
        a.set(255);
        let hex = a.to_hex();
        assert_eq!(&hex[..4], "8000");
        assert_eq!(&hex[60..], "0001");
        assert_eq!(PdqHash::from_hex(&hex).unwrap(), a);
        assert_eq!(a.distance(&PdqHash::default()), 2);
        assert!(PdqHash::from_hex("abc").is_err());
        assert!(PdqHash::from_hex(&"g".repeat(64)).is_err());
    }

    #[test]
    fn half_the_bits_are_set_and_small_images_are_refused() {
        let pdq = hash(&test_image(300, 200)).unwrap();
        let ones = (0..256).filter(|&k| pdq.hash.bit(k)).count();
        assert_eq!(ones, 128);
        assert!(pdq.quality > 0);
        assert!(hash(&RgbImage::filled(4, 100, [1; 3])).is_err());
    }

    #[test]
    fn the_median_is_the_lower_one() {
        let values: Vec<f32> = (0..256).map(|i| ((i * 37) % 256) as f32).collect();
        assert_eq!(torben_median(&values), 127.0);
    }

    /// The linear model is the pipeline: its coefficients agree with the float one.
    #[test]
    fn the_linear_model_reproduces_the_pipeline() {
        for (w, h) in [(300, 200), (64, 64), (512, 512), (97, 61)] {
            let image = test_image(w, h);
            let (exact, _) = coefficients(&image).unwrap();
            let model = LinearModel::new(w, h);
            let luma: Vec<f64> = luma(&image).into_iter().map(f64::from).collect();
            let modelled = model.coefficients(&luma);
            for k in 0..256 {
                assert!(
                    (f64::from(exact[k]) - modelled[k]).abs() < 1e-2,
                    "{w}x{h} coefficient {k}: {} against {}",
                    exact[k],
                    modelled[k]
                );
            }
        }
    }

    /// The minimal change moves exactly the coefficients asked for.
    #[test]
    fn the_minimal_change_moves_what_is_asked_and_nothing_else() {
        let model = LinearModel::new(120, 90);
        let mut delta = [0f64; 256];
        delta[5] = 40.0;
        delta[200] = -25.0;
        let change = model.minimal_change(&delta);
        let moved = model.coefficients(&change);
        for k in 0..256 {
            assert!((moved[k] - delta[k]).abs() < 1e-6, "{k}: {}", moved[k]);
        }
    }
}
