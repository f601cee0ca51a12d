//! Reads the slip's QR code with the device camera, where the browser has `BarcodeDetector`
//! (Chromium on Android and ChromeOS, for instance). Elsewhere the button is not shown: typing
//! the reference, or a hand-held scanner typing the QR text, always works.

use std::time::Duration;

use js_sys::{Array, Function, JSON, Promise, Reflect};
use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use super::texts::{StaffText, st};

fn get(target: &JsValue, name: &str) -> Result<JsValue, JsValue> {
    Reflect::get(target, &JsValue::from_str(name))
}

fn method(target: &JsValue, name: &str) -> Result<Function, JsValue> {
    get(target, name)?.dyn_into::<Function>()
}

fn supported() -> bool {
    web_sys::window().is_some_and(|w| {
        get(&w, "BarcodeDetector").is_ok_and(|v| v.is_function())
            && get(&w, "navigator")
                .and_then(|n| get(&n, "mediaDevices"))
                .is_ok_and(|v| !v.is_undefined())
    })
}

async fn sleep(duration: Duration) {
    let promise = Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(
                &resolve,
                duration.as_millis() as i32,
            );
        }
    });
    let _ = JsFuture::from(promise).await;
}

fn stop(stream: &JsValue) {
    if let Ok(tracks) = method(stream, "getTracks").and_then(|f| f.call0(stream)) {
        for track in Array::from(&tracks).iter() {
            if let Ok(stop) = method(&track, "stop") {
                let _ = stop.call0(&track);
            }
        }
    }
}

/// Opens the back camera in `video` and returns the first QR text seen while `scanning`.
async fn scan(video: JsValue, scanning: RwSignal<bool>) -> Result<Option<String>, JsValue> {
    let window: JsValue = web_sys::window().ok_or(JsValue::NULL)?.into();
    let navigator = get(&window, "navigator")?;
    let media = get(&navigator, "mediaDevices")?;
    let constraints = JSON::parse(r#"{"video":{"facingMode":"environment"},"audio":false}"#)?;
    let opened = method(&media, "getUserMedia")?.call1(&media, &constraints)?;
    let stream = JsFuture::from(opened.dyn_into::<Promise>()?).await?;
    Reflect::set(&video, &JsValue::from_str("srcObject"), &stream)?;
    if let Ok(play) = method(&video, "play")
        && let Ok(started) = play.call0(&video)
        && let Ok(started) = started.dyn_into::<Promise>()
    {
        let _ = JsFuture::from(started).await;
    }
    let detector_class = get(&window, "BarcodeDetector")?.dyn_into::<Function>()?;
    let options = JSON::parse(r#"{"formats":["qr_code"]}"#)?;
    let detector = Reflect::construct(&detector_class, &Array::of1(&options))?;
    let detect = method(&detector, "detect")?;
    let mut found = None;
    while scanning.get_untracked() && found.is_none() {
        if let Ok(pending) = detect.call1(&detector, &video)
            && let Ok(pending) = pending.dyn_into::<Promise>()
            && let Ok(codes) = JsFuture::from(pending).await
        {
            found = Array::from(&codes)
                .iter()
                .find_map(|code| get(&code, "rawValue").ok()?.as_string());
        }
        sleep(Duration::from_millis(250)).await;
    }
    stop(&stream);
    Ok(found)
}

#[component]
pub fn ScanButton(on_scan: Callback<String>) -> impl IntoView {
    if !supported() {
        return ().into_any();
    }
    let scanning = RwSignal::new(false);
    let video = NodeRef::<html::Video>::new();
    let start = move |_| {
        scanning.set(true);
        leptos::task::spawn_local(async move {
            // Let the video element appear first.
            sleep(Duration::from_millis(50)).await;
            let Some(element) = video.get_untracked() else {
                scanning.set(false);
                return;
            };
            let found = scan(element.into(), scanning).await.ok().flatten();
            scanning.set(false);
            if let Some(text) = found {
                on_scan.run(text);
            }
        });
    };
    view! {
        <button
            type="button"
            class="button secondary"
            id="scan-qr"
            aria-pressed=move || scanning.get().to_string()
            on:click=move |ev| if scanning.get_untracked() { scanning.set(false) } else { start(ev) }
        >
            {move || if scanning.get() { st(StaffText::StopScan)() } else { st(StaffText::ScanQr)() }}
        </button>
        <div class="scanner" hidden=move || !scanning.get()>
            <p role="status">{move || scanning.get().then(|| st(StaffText::Scanning)())}</p>
            <video node_ref=video playsinline="" muted="" width="320" height="240"></video>
        </div>
    }
        .into_any()
}
