//! The appointment as an iCalendar (RFC 5545) event, attached to the e-mails as an `.ics`
//! file: `METHOD:PUBLISH` adds or updates it in the applicant's calendar (the UID is
//! `<reference>@temujanji.imi.gov.my`, and `SEQUENCE` grows with every change), `METHOD:CANCEL`
//! removes it. Times are in UTC, so no time-zone definition is needed. Lines end in CRLF and are
//! folded at 75 octets; text values are escaped.

use chrono::NaiveDateTime;
use temujanji_shared::wire::Appointment;

use super::{DOMAIN, Notice};
use crate::clock;
use crate::slip::branch_lines;
use temujanji_shared::rules::ARRIVE_EARLY_MINUTES;

/// An `.ics` file and the iTIP method it uses (for the attachment's content type).
#[derive(Debug, Clone)]
pub struct Event {
    pub method: &'static str,
    pub text: String,
}

/// The calendar event of `appointment` for an e-mail reporting `notice`.
pub fn event(appointment: &Appointment, notice: Notice, link: &str) -> Event {
    let a = appointment;
    let cancel = notice.cancels();
    let method = if cancel { "CANCEL" } else { "PUBLISH" };
    let utc = |time: chrono::NaiveTime| stamp(clock::from_malaysia(a.date.and_time(time)));
    let location = branch_lines(&a.branch, false);
    let description = format!(
        "No. rujukan / Reference: {reference}\n\
         Hadir sebelum / Arrive by: {arrive} ({ARRIVE_EARLY_MINUTES} minit awal / minutes early)\n\
         Bawa slip temujanji ke kaunter. / Bring the appointment slip to the counter.\n\
         {link}",
        reference = a.reference,
        arrive = a.arrive_by,
    );
    let sequence = (a.updated_at - a.created_at).num_seconds().max(0);
    let mut lines = vec![
        "BEGIN:VCALENDAR".to_owned(),
        "VERSION:2.0".to_owned(),
        "PRODID:-//Jabatan Imigresen Malaysia//Temujanji//MS".to_owned(),
        "CALSCALE:GREGORIAN".to_owned(),
        format!("METHOD:{method}"),
        "BEGIN:VEVENT".to_owned(),
        format!("UID:{}@{DOMAIN}", a.reference),
        format!("DTSTAMP:{}", stamp(a.updated_at.naive_utc())),
        format!("SEQUENCE:{sequence}"),
        format!("DTSTART:{}", utc(a.start.time())),
        format!("DTEND:{}", utc(a.end.time())),
        format!(
            "SUMMARY:{}",
            escape(&format!(
                "Temujanji Imigresen: {} / {}",
                a.service.name.ms, a.service.name.en
            ))
        ),
        format!("LOCATION:{}", escape(&location.join(", "))),
        format!("DESCRIPTION:{}", escape(&description)),
        format!("URL:{link}"),
        format!("ORGANIZER;CN=Temujanji Imigresen:mailto:no-reply@{DOMAIN}"),
        format!("STATUS:{}", if cancel { "CANCELLED" } else { "CONFIRMED" }),
    ];
    if cancel {
        lines.push(format!(
            "ATTENDEE;CN=\"{}\":mailto:{}",
            a.applicant.name.replace('"', ""),
            a.applicant.email
        ));
    } else {
        // An hour before the time to arrive.
        lines.extend([
            "BEGIN:VALARM".to_owned(),
            "ACTION:DISPLAY".to_owned(),
            format!(
                "DESCRIPTION:{}",
                escape(&format!("Temujanji {}", a.reference))
            ),
            format!("TRIGGER:-PT{}M", 60 + ARRIVE_EARLY_MINUTES),
            "END:VALARM".to_owned(),
        ]);
    }
    lines.extend(["END:VEVENT".to_owned(), "END:VCALENDAR".to_owned()]);
    Event {
        method,
        text: lines.iter().map(|line| fold(line)).collect(),
    }
}

/// A UTC timestamp in the iCalendar form `20261126T003000Z`.
fn stamp(utc: NaiveDateTime) -> String {
    utc.format("%Y%m%dT%H%M%SZ").to_string()
}

/// Escapes a TEXT value (RFC 5545 §3.3.11).
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// One content line, folded so that no line exceeds 75 octets (RFC 5545 §3.1) without
/// splitting a UTF-8 character, and ended with CRLF.
fn fold(line: &str) -> String {
    const LIMIT: usize = 75;
    let mut out = String::with_capacity(line.len() + line.len() / LIMIT * 3 + 2);
    let mut used = 0;
    for c in line.chars() {
        if used + c.len_utf8() > LIMIT {
            out.push_str("\r\n ");
            used = 1;
        }
        out.push(c);
        used += c.len_utf8();
    }
    out.push_str("\r\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::fixture::appointment;

    /// Undoes the folding: the logical content lines.
    fn unfold(text: &str) -> Vec<String> {
        text.replace("\r\n ", "")
            .split("\r\n")
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect()
    }

    fn value<'a>(lines: &'a [String], name: &str) -> &'a str {
        lines
            .iter()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(':'))
            .unwrap_or_else(|| panic!("{name} missing from {lines:#?}"))
    }

    #[test]
    fn an_event_in_utc_with_the_reference_as_uid() {
        let a = appointment();
        let event = event(&a, Notice::Confirmation, "https://t.example/appointment/X");
        assert_eq!(event.method, "PUBLISH");
        let lines = unfold(&event.text);
        assert_eq!(lines.first().map(String::as_str), Some("BEGIN:VCALENDAR"));
        assert_eq!(lines.last().map(String::as_str), Some("END:VCALENDAR"));
        assert_eq!(value(&lines, "VERSION"), "2.0");
        assert_eq!(value(&lines, "METHOD"), "PUBLISH");
        assert_eq!(value(&lines, "UID"), "ABCDE-FGH23@temujanji.imi.gov.my");
        // 08:30-08:45 in Malaysia (UTC+8) on 26 November 2026.
        assert_eq!(value(&lines, "DTSTART"), "20261126T003000Z");
        assert_eq!(value(&lines, "DTEND"), "20261126T004500Z");
        assert_eq!(value(&lines, "DTSTAMP"), "20261120T020000Z");
        assert_eq!(value(&lines, "SEQUENCE"), "0");
        assert_eq!(value(&lines, "STATUS"), "CONFIRMED");
        assert_eq!(value(&lines, "TRIGGER"), "-PT90M");
        assert_eq!(value(&lines, "URL"), "https://t.example/appointment/X");
        let description = value(&lines, "DESCRIPTION");
        assert!(
            description.contains("Arrive by: 08:00 (30 minit awal / minutes early)\\n"),
            "{description}"
        );
        let begins = lines.iter().filter(|l| l.starts_with("BEGIN:")).count();
        let ends = lines.iter().filter(|l| l.starts_with("END:")).count();
        assert_eq!((begins, ends), (3, 3), "VCALENDAR, VEVENT, VALARM");
    }

    #[test]
    fn lines_end_in_crlf_and_are_folded_at_75_octets() {
        let mut a = appointment();
        a.branch.name = "Pejabat Imigresen Wilayah Persekutuan Kuala Lumpur — Cawangan \
                         Jalan Duta, Kompleks Kerajaan Persekutuan Jalan Duta"
            .to_owned();
        let text = event(&a, Notice::Confirmation, "https://t.example/appointment/X").text;
        assert!(text.ends_with("\r\n"));
        assert!(
            !text.replace("\r\n", "").contains(['\r', '\n']),
            "no bare CR or LF"
        );
        for line in text.split("\r\n") {
            assert!(line.len() <= 75, "{} octets: {line:?}", line.len());
        }
        assert!(text.contains("\r\n "), "long lines are folded");
        // Unfolding gives back the whole value, the multi-byte dash intact.
        let lines = unfold(&text);
        assert!(
            value(&lines, "LOCATION").starts_with(
                "Pejabat Imigresen Wilayah Persekutuan Kuala Lumpur — Cawangan Jalan Duta\\, "
            ),
            "{lines:#?}"
        );
    }

    #[test]
    fn text_values_are_escaped() {
        assert_eq!(escape("a,b;c\\d\ne\r"), "a\\,b\\;c\\\\d\\ne");
        let mut a = appointment();
        a.service.name.en = "Passport; renewal, adult".to_owned();
        let lines = unfold(&event(&a, Notice::Confirmation, "https://t.example/x").text);
        assert!(
            value(&lines, "SUMMARY").ends_with("/ Passport\\; renewal\\, adult"),
            "{lines:#?}"
        );
    }

    #[test]
    fn a_cancellation_removes_the_event() {
        let mut a = appointment();
        a.updated_at += chrono::TimeDelta::minutes(5);
        let event = event(&a, Notice::Cancellation, "https://t.example/x");
        assert_eq!(event.method, "CANCEL");
        let lines = unfold(&event.text);
        assert_eq!(value(&lines, "METHOD"), "CANCEL");
        assert_eq!(value(&lines, "STATUS"), "CANCELLED");
        assert_eq!(value(&lines, "UID"), "ABCDE-FGH23@temujanji.imi.gov.my");
        assert_eq!(
            value(&lines, "SEQUENCE"),
            "300",
            "later than the booking's 0"
        );
        assert!(lines.iter().any(|l| l.starts_with("ATTENDEE;CN=\"Siti")));
        assert!(!lines.iter().any(|l| l == "BEGIN:VALARM"));
    }
}
