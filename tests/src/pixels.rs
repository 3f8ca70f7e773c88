//! Pixel comparison: a screenshot of the visitor's viewport against one of the agent's mirror iframe.
//!
//! The tree comparison cannot see what CSS, images, fonts, canvases or a scroll offset make of a page; the
//! pixels can. The visitor's shot is the WebDriver screenshot of its window (the viewport); the mirror's is
//! the element screenshot of `#cobrowse-mirror`, which has the visitor's viewport size and is not scaled
//! when the agent's window is larger (the viewer never scales up). The viewer's pointer and shield are
//! hidden for the shot, and the shim's widget is hidden on the visitor's page by the page server.
//!
//! A pixel differs when any channel differs by more than [`CHANNEL_TOLERANCE`] (anti-aliasing noise stays
//! under it). Where the sizes differ, the area outside the overlap counts as differing.

use crate::browser::Browser;
use std::path::PathBuf;

/// How much a colour channel (0-255) may differ before the pixel counts as different.
pub const CHANNEL_TOLERANCE: u8 = 16;

/// The style the viewer page gets before its mirror is photographed: no pointer, no shield on top.
const HIDE_VIEWER_OVERLAYS_JS: &str = r#"
    if (!document.getElementById('fidelity-hide-overlays')) {
        var style = document.createElement('style');
        style.id = 'fidelity-hide-overlays';
        style.textContent = '#cobrowse-pointer, #cobrowse-shield { display: none !important; }';
        document.head.appendChild(style);
    }
"#;

/// A decoded screenshot, 8-bit RGBA.
#[derive(Debug, Clone)]
pub struct Image {
    pub width: u32,
    pub height: u32,
    pub rgba: Vec<u8>,
}

/// How two screenshots differ.
#[derive(Debug, Clone)]
pub struct PixelDiff {
    /// The larger of the two sizes, in pixels.
    pub width: u32,
    pub height: u32,
    /// Pixels that differ (outside the overlap included).
    pub differing: u64,
    /// The visitor's and the mirror's sizes, for messages.
    pub visitor_size: (u32, u32),
    pub mirror_size: (u32, u32),
    /// Red where pixels differ, the visitor's shot faded elsewhere.
    pub diff: Image,
}

impl PixelDiff {
    /// Differing pixels as a percentage of all pixels.
    pub fn percent(&self) -> f64 {
        let total = self.width as u64 * self.height as u64;
        if total == 0 {
            return 0.0;
        }
        self.differing as f64 * 100.0 / total as f64
    }
}

/// The screenshots of one comparison, for saving.
pub struct Shots {
    pub visitor: Vec<u8>,
    pub mirror: Vec<u8>,
    pub diff: PixelDiff,
}

/// Photographs the visitor's viewport and the agent's mirror and compares them.
pub async fn compare_browsers(visitor: &Browser, agent: &Browser) -> crate::error::Result<Shots> {
    agent.execute::<serde_json::Value>(HIDE_VIEWER_OVERLAYS_JS, vec![]).await?;
    let visitor_png = visitor
        .client()
        .screenshot()
        .await
        .map_err(|error| format!("{}: cannot take a screenshot: {error}", visitor.label))?;
    let mirror_png = agent
        .find("#cobrowse-mirror")
        .await?
        .screenshot()
        .await
        .map_err(|error| format!("{}: cannot photograph #cobrowse-mirror: {error}", agent.label))?;
    let diff = compare(&decode(&visitor_png)?, &decode(&mirror_png)?, CHANNEL_TOLERANCE);
    Ok(Shots { visitor: visitor_png, mirror: mirror_png, diff })
}

/// Decodes a PNG into 8-bit RGBA.
pub fn decode(png_bytes: &[u8]) -> crate::error::Result<Image> {
    let mut decoder = png::Decoder::new(png_bytes);
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().map_err(|error| format!("a screenshot is not a readable PNG: {error}"))?;
    let mut buffer = vec![0; reader.output_buffer_size()];
    let info =
        reader.next_frame(&mut buffer).map_err(|error| format!("a screenshot's pixels cannot be decoded: {error}"))?;
    let pixels = &buffer[..info.buffer_size()];
    let rgba: Vec<u8> = match info.color_type {
        png::ColorType::Rgba => pixels.to_vec(),
        png::ColorType::Rgb => pixels.chunks(3).flat_map(|p| [p[0], p[1], p[2], 255]).collect(),
        png::ColorType::Grayscale => pixels.iter().flat_map(|&g| [g, g, g, 255]).collect(),
        png::ColorType::GrayscaleAlpha => pixels.chunks(2).flat_map(|p| [p[0], p[0], p[0], p[1]]).collect(),
        png::ColorType::Indexed => return Err("an indexed PNG was not expanded to RGB".into()),
    };
    Ok(Image { width: info.width, height: info.height, rgba })
}

/// Counts the pixels of `visitor` and `mirror` whose channels differ by more than `tolerance`.
pub fn compare(visitor: &Image, mirror: &Image, tolerance: u8) -> PixelDiff {
    let width = visitor.width.max(mirror.width);
    let height = visitor.height.max(mirror.height);
    let mut diff = Image { width, height, rgba: vec![255; width as usize * height as usize * 4] };
    let mut differing = 0;
    for y in 0..height {
        for x in 0..width {
            let (a, b) = (visitor.pixel(x, y), mirror.pixel(x, y));
            let differs = match (a, b) {
                (Some(a), Some(b)) => a.iter().zip(b).any(|(p, q)| p.abs_diff(q) > tolerance),
                _ => true,
            };
            let shown = if differs {
                differing += 1;
                [230, 0, 0, 255]
            } else {
                let [r, g, b, _] = a.unwrap_or([255; 4]);
                [fade(r), fade(g), fade(b), 255]
            };
            diff.set_pixel(x, y, shown);
        }
    }
    PixelDiff {
        width,
        height,
        differing,
        visitor_size: (visitor.width, visitor.height),
        mirror_size: (mirror.width, mirror.height),
        diff,
    }
}

/// A colour channel moved most of the way to white, so red differences stand out.
fn fade(channel: u8) -> u8 {
    255 - (255 - channel) / 4
}

impl Image {
    /// The pixel at `(x, y)`, if inside the image.
    pub fn pixel(&self, x: u32, y: u32) -> Option<[u8; 4]> {
        if x >= self.width || y >= self.height {
            return None;
        }
        let at = (y as usize * self.width as usize + x as usize) * 4;
        Some([self.rgba[at], self.rgba[at + 1], self.rgba[at + 2], self.rgba[at + 3]])
    }

    fn set_pixel(&mut self, x: u32, y: u32, rgba: [u8; 4]) {
        let at = (y as usize * self.width as usize + x as usize) * 4;
        self.rgba[at..at + 4].copy_from_slice(&rgba);
    }

    /// Encodes the image as a PNG.
    pub fn to_png(&self) -> crate::error::Result<Vec<u8>> {
        let mut bytes = Vec::new();
        let mut encoder = png::Encoder::new(&mut bytes, self.width, self.height);
        encoder.set_color(png::ColorType::Rgba);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header()?;
        writer.write_image_data(&self.rgba)?;
        writer.finish()?;
        Ok(bytes)
    }
}

/// If `$E2E_SCREENSHOTS` names a directory, saves `NAME-visitor.png`, `NAME-mirror.png` and
/// `NAME-diff.png` there (`name` made file-safe).
pub fn save_if_asked(name: &str, shots: &Shots) -> crate::error::Result<()> {
    let Some(dir) = std::env::var_os("E2E_SCREENSHOTS").map(PathBuf::from) else {
        return Ok(());
    };
    std::fs::create_dir_all(&dir)?;
    let safe: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '.' { c } else { '_' }).collect();
    std::fs::write(dir.join(format!("{safe}-visitor.png")), &shots.visitor)?;
    std::fs::write(dir.join(format!("{safe}-mirror.png")), &shots.mirror)?;
    std::fs::write(dir.join(format!("{safe}-diff.png")), shots.diff.diff.to_png()?)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn solid(width: u32, height: u32, rgba: [u8; 4]) -> Image {
        Image { width, height, rgba: rgba.repeat(width as usize * height as usize) }
    }

    #[test]
    fn equal_images_do_not_differ_and_small_noise_is_tolerated() {
        let white = solid(4, 4, [255, 255, 255, 255]);
        let almost = solid(4, 4, [250, 255, 245, 255]);
        assert_eq!(compare(&white, &almost, CHANNEL_TOLERANCE).differing, 0);
    }

    #[test]
    fn changed_pixels_and_missing_area_count() {
        let white = solid(4, 4, [255, 255, 255, 255]);
        let mut other = solid(4, 2, [255, 255, 255, 255]);
        other.set_pixel(0, 0, [0, 0, 0, 255]);
        let diff = compare(&white, &other, CHANNEL_TOLERANCE);
        assert_eq!(diff.differing, 1 + 8);
        assert_eq!(diff.percent(), 9.0 * 100.0 / 16.0);
    }

    #[test]
    fn png_round_trip() {
        let image = solid(3, 2, [10, 20, 30, 255]);
        let decoded = decode(&image.to_png().unwrap()).unwrap();
        assert_eq!((decoded.width, decoded.height), (3, 2));
        assert_eq!(decoded.rgba, image.rgba);
    }
}
