//! `docs/PARTNERS.md` works as written: its `sh` blocks run, in order, with `curl` and `jq`
//! against a real server, as a partner engineer would paste them; the webhook check there
//! verifies a real delivery and refuses a tampered one.

use std::path::Path;
use std::time::Duration;

use diesel::prelude::*;

use crate::helpers::{Backend, ScratchDir, TestApp};
use crate::partners::{Receiver, create_partner};

/// The `sh` blocks of the page whose info string is exactly `info`, in order.
fn blocks(markdown: &str, info: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        match (&mut current, line.strip_prefix("```")) {
            (None, Some(rest)) if rest.trim() == info => current = Some(String::new()),
            (Some(block), Some("")) => {
                found.push(std::mem::take(block));
                current = None;
            }
            (Some(block), _) => {
                block.push_str(line);
                block.push('\n');
            }
            (None, _) => {}
        }
    }
    found
}

fn bash(script: &str, dir: &Path, env: &[(String, String)]) -> String {
    let output = std::process::Command::new("bash")
        .args(["-euo", "pipefail", "-c", script])
        .current_dir(dir)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .output()
        .expect("run bash");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "the documented commands failed ({}):\n{script}\n--- stdout\n{stdout}\n--- stderr\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_partner_guide_runs_as_written() {
    let guide =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/PARTNERS.md"))
            .expect("docs/PARTNERS.md");
    let walkthrough = blocks(&guide, "sh");
    let verify = blocks(&guide, "sh verify-webhook");
    assert!(walkthrough.len() >= 6, "{walkthrough:?}");
    assert_eq!(verify.len(), 1);

    let app = TestApp::spawn(Backend::Sqlite).await;
    let receiver = Receiver::start(0, Duration::ZERO).await;
    let partner = create_partner(
        &app,
        &["passport_renewal"],
        None,
        Some(receiver.url.clone()),
        100,
    );
    let dir = ScratchDir::new("temujanji-partner-docs");
    let script = walkthrough.join("\n") + "echo \"REFERENCE=$REFERENCE\"\n";
    let env = [
        ("BASE", app.address.as_str()),
        ("CLIENT_ID", partner.client_id.as_str()),
        ("CLIENT_SECRET", partner.secret.as_str()),
    ];
    let (script_dir, env) = (dir.0.clone(), env_owned(&env));
    let out = tokio::task::spawn_blocking(move || bash(&script, &script_dir, &env))
        .await
        .expect("the script ran");
    let reference = out
        .lines()
        .find_map(|l| l.strip_prefix("REFERENCE="))
        .expect("the reference is printed")
        .to_owned();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.first(), Some(&"\"booked\""), "{out}");
    assert!(lines.contains(&"cancelled"), "{out}");
    let pdf = std::fs::read(dir.0.join("slip.pdf")).expect("the slip was saved");
    assert!(pdf.starts_with(b"%PDF"));
    {
        use temujanji_api::db::schema::appointments::dsl;
        let (status, made_by): (String, Option<i64>) = dsl::appointments
            .filter(dsl::reference.eq(&reference))
            .select((dsl::status, dsl::partner_id))
            .first(&mut app.db.connect())
            .expect("the appointment");
        assert_eq!((status.as_str(), made_by), ("cancelled", Some(partner.id)));
    }

    // The page's check accepts a real delivery and refuses a tampered body.
    let got = receiver.wait_for(3).await;
    let first = &got[0];
    let header = |name: &str| {
        first.headers[name]
            .to_str()
            .expect("ascii header")
            .to_owned()
    };
    let (id, timestamp, signature) = (
        header("webhook-id"),
        header("webhook-timestamp"),
        header("webhook-signature"),
    );
    let env = [
        ("WEBHOOK_SECRET", partner.webhook_secret.as_str()),
        ("WEBHOOK_ID", id.as_str()),
        ("WEBHOOK_TIMESTAMP", timestamp.as_str()),
        ("WEBHOOK_SIGNATURE", signature.as_str()),
    ];
    std::fs::write(dir.0.join("body.json"), &first.body).expect("save the body");
    assert_eq!(bash(&verify[0], &dir.0, &env_owned(&env)).trim(), "valid");
    let mut tampered = first.body.clone();
    tampered.extend_from_slice(b" ");
    std::fs::write(dir.0.join("body.json"), &tampered).expect("save the body");
    assert_eq!(bash(&verify[0], &dir.0, &env_owned(&env)).trim(), "invalid");
    receiver.handle.stop(true).await;
    app.stop().await;
}

fn env_owned(env: &[(&str, &str)]) -> Vec<(String, String)> {
    env.iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}
