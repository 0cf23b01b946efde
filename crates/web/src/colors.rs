//! One colour per service, the same in every view (waterfall bars, legends,
//! the service map), computed from the name so it stays the same across
//! loads and sessions without a table to keep.

/// The colour of `service`, as CSS: a hue from the name's hash, at a
/// saturation and lightness that read on light and dark backgrounds.
pub fn service_color(service: &str) -> String {
    // FNV-1a: tiny, and spreads similar names (`cart`, `carts`) apart.
    let hash = service
        .bytes()
        .fold(0x811c_9dc5_u32, |h, b| (h ^ u32::from(b)).wrapping_mul(0x0100_0193));
    let hue = (hash % 360) as f64;
    let lightness = 45 + (hash >> 9) % 12;
    format!("hsl({hue:.0} 58% {lightness}%)")
}
