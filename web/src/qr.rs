//! The slip's QR code, drawn as an SVG path from the signed payload the API sends.

use leptos::prelude::*;
use qrcode::{Color, EcLevel, QrCode};

/// Modules of blank margin around the code, as the QR specification asks.
const QUIET: usize = 4;

/// The SVG markup of the QR code for `payload`, or `None` if it cannot be encoded.
pub fn svg(payload: &str) -> Option<String> {
    let code = QrCode::with_error_correction_level(payload.as_bytes(), EcLevel::M).ok()?;
    let width = code.width();
    let size = width + 2 * QUIET;
    let mut path = String::new();
    for (i, color) in code.to_colors().into_iter().enumerate() {
        if color == Color::Dark {
            let (x, y) = (i % width + QUIET, i / width + QUIET);
            path.push_str(&format!("M{x} {y}h1v1h-1z"));
        }
    }
    Some(format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {size} {size}\" \
         shape-rendering=\"crispEdges\" aria-hidden=\"true\" focusable=\"false\">\
         <rect width=\"{size}\" height=\"{size}\" fill=\"#fff\"/>\
         <path d=\"{path}\" fill=\"#000\"/></svg>"
    ))
}

/// The QR code as an image with a text alternative.
#[component]
pub fn QrImage(payload: String, #[prop(into)] label: Signal<String>) -> impl IntoView {
    let markup = svg(&payload).unwrap_or_default();
    view! {
        <div class="qr" role="img" aria-label=move || label.get() data-payload=payload inner_html=markup></div>
    }
}
