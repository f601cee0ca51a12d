//! The words of the appointment e-mails: Bahasa Melayu first, then English, as plain text and
//! as HTML. Both forms are rendered from one list of blocks per language, so they say the same.

use crate::html::escape;
use chrono::Datelike;
use temujanji_shared::Lang;
use temujanji_shared::wire::Appointment;

use super::Notice;
use crate::slip::{branch_lines, ringgit};
use temujanji_shared::rules::ARRIVE_EARLY_MINUTES;

/// The links an e-mail offers.
pub(super) struct Links {
    pub manage: String,
    pub apply: String,
}

pub(super) struct Body {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// The fixed texts of one language.
struct Words {
    lang: Lang,
    confirmed: &'static str,
    changed: &'static str,
    cancelled: &'static str,
    withdrawn: &'static str,
    reminder: &'static str,
    reference: &'static str,
    branch: &'static str,
    service: &'static str,
    date: &'static str,
    time: &'static str,
    arrive_by: &'static str,
    minutes_early: &'static str,
    documents: &'static str,
    fee: &'static str,
    bring_slip: &'static str,
    manage: &'static str,
    apply_again: &'static str,
    automatic: &'static str,
    /// Monday first.
    weekdays: [&'static str; 7],
}

const MS: Words = Words {
    lang: Lang::Ms,
    confirmed: "Temujanji anda telah disahkan. Slip temujanji (PDF) dan fail kalendar (.ics) \
                dilampirkan.",
    changed: "Temujanji anda telah dipinda. Butiran baharu di bawah; slip yang dikemas kini \
              dilampirkan.",
    cancelled: "Temujanji anda telah dibatalkan dan slotnya dibuka kepada pemohon lain.",
    withdrawn: "Kami memohon maaf: pejabat telah mengubah waktu operasi atau kapasitinya dan \
                temujanji anda di bawah tidak lagi dapat diadakan, jadi ia telah dibatalkan. \
                Sila buat temujanji baharu pada masa yang sesuai dengan anda; ini tidak dikira \
                sebagai pembatalan oleh anda.",
    reminder: "Peringatan: temujanji anda adalah esok. Slip temujanji dilampirkan.",
    reference: "No. rujukan",
    branch: "Cawangan",
    service: "Perkhidmatan",
    date: "Tarikh",
    time: "Masa",
    arrive_by: "Hadir sebelum",
    minutes_early: "minit awal",
    documents: "Dokumen yang perlu dibawa",
    fee: "Bayaran",
    bring_slip: "Bawa slip ini (bercetak atau di telefon) ke kaunter; kod QR padanya diimbas \
                 semasa daftar masuk.",
    manage: "Lihat, pinda atau batalkan temujanji",
    apply_again: "Buat temujanji baharu",
    automatic: "E-mel ini dihantar secara automatik. Jangan balas e-mel ini.",
    weekdays: [
        "Isnin", "Selasa", "Rabu", "Khamis", "Jumaat", "Sabtu", "Ahad",
    ],
};

const EN: Words = Words {
    lang: Lang::En,
    confirmed: "Your appointment is confirmed. The appointment slip (PDF) and a calendar file \
                (.ics) are attached.",
    changed: "Your appointment has been changed. The new details are below; the updated slip \
              is attached.",
    cancelled: "Your appointment has been cancelled and its slot is open to other applicants.",
    withdrawn: "We apologise: the office has changed its hours or capacity and can no longer \
                hold your appointment below, so it has been cancelled. Please book a new \
                appointment at a time that suits you; this does not count as a cancellation \
                by you.",
    reminder: "Reminder: your appointment is tomorrow. The appointment slip is attached.",
    reference: "Reference",
    branch: "Branch",
    service: "Service",
    date: "Date",
    time: "Time",
    arrive_by: "Arrive by",
    minutes_early: "minutes early",
    documents: "Documents to bring",
    fee: "Fee",
    bring_slip: "Bring this slip (printed or on your phone) to the counter; its QR code is \
                 scanned at check-in.",
    manage: "View, change or cancel the appointment",
    apply_again: "Book a new appointment",
    automatic: "This e-mail was sent automatically. Please do not reply.",
    weekdays: [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ],
};

enum Block {
    Paragraph(String),
    Strong(String),
    /// Label and value lines.
    Fields(Vec<(&'static str, Vec<String>)>),
    /// A title and a numbered list.
    List(&'static str, Vec<String>),
    Link(&'static str, String),
}

/// The subject and both bodies of the e-mail reporting `notice`.
pub(super) fn appointment(notice: Notice, a: &Appointment, links: &Links) -> Body {
    let what = match notice {
        Notice::Confirmation => "Temujanji disahkan / Appointment confirmed",
        Notice::Change => "Temujanji dipinda / Appointment changed",
        Notice::Cancellation => "Temujanji dibatalkan / Appointment cancelled",
        Notice::Withdrawn => {
            "Maaf, temujanji dibatalkan oleh pejabat / Sorry, appointment cancelled by the office"
        }
        Notice::Reminder => "Peringatan: temujanji esok / Reminder: appointment tomorrow",
    };
    let subject = format!(
        "{what}: {}, {} {}",
        a.reference,
        a.date.format("%d/%m/%Y"),
        a.start
    );
    let languages = [blocks(&MS, notice, a, links), blocks(&EN, notice, a, links)];
    let text = languages
        .iter()
        .map(|blocks| text(blocks))
        .collect::<Vec<_>>()
        .join("\n\n----------------------------------------\n\n");
    let html = format!(
        "<!doctype html><html><body style=\"font-family:Arial,Helvetica,sans-serif\">\
         <div lang=\"ms\">{}</div><hr><div lang=\"en\">{}</div></body></html>",
        html(&languages[0]),
        html(&languages[1])
    );
    Body {
        subject,
        text,
        html,
    }
}

fn blocks(w: &Words, notice: Notice, a: &Appointment, links: &Links) -> Vec<Block> {
    let intro = match notice {
        Notice::Confirmation => w.confirmed,
        Notice::Change => w.changed,
        Notice::Cancellation => w.cancelled,
        Notice::Withdrawn => w.withdrawn,
        Notice::Reminder => w.reminder,
    };
    let weekday = w.weekdays[a.date.weekday().num_days_from_monday() as usize];
    let branch = branch_lines(&a.branch, true);
    let mut fields = vec![
        (w.reference, vec![a.reference.to_string()]),
        (w.service, vec![a.service.name.get(w.lang).to_owned()]),
        (
            w.date,
            vec![format!("{weekday}, {}", a.date.format("%d/%m/%Y"))],
        ),
        (w.time, vec![format!("{}-{}", a.start, a.end)]),
    ];
    if notice.cancels() {
        fields.push((w.branch, branch));
        return vec![
            Block::Strong(intro.to_owned()),
            Block::Fields(fields),
            Block::Link(w.apply_again, links.apply.clone()),
            Block::Paragraph(w.automatic.to_owned()),
        ];
    }
    fields.push((
        w.arrive_by,
        vec![format!(
            "{} ({ARRIVE_EARLY_MINUTES} {})",
            a.arrive_by, w.minutes_early
        )],
    ));
    fields.push((w.branch, branch));
    let card_only = temujanji_shared::rules::payment(w.lang);
    vec![
        Block::Strong(intro.to_owned()),
        Block::Fields(fields),
        Block::List(
            w.documents,
            a.service
                .documents
                .iter()
                .map(|d| d.get(w.lang).to_owned())
                .collect(),
        ),
        Block::Fields(vec![(
            w.fee,
            vec![
                ringgit(a.service.fee_sen),
                a.service.fee_note.get(w.lang).to_owned(),
                card_only.to_owned(),
            ],
        )]),
        Block::Paragraph(w.bring_slip.to_owned()),
        Block::Link(w.manage, links.manage.clone()),
        Block::Paragraph(w.automatic.to_owned()),
    ]
}

fn text(blocks: &[Block]) -> String {
    blocks
        .iter()
        .map(|block| match block {
            Block::Paragraph(p) | Block::Strong(p) => p.clone(),
            Block::Fields(fields) => fields
                .iter()
                .map(|(label, values)| format!("{label}: {}", values.join("\n    ")))
                .collect::<Vec<_>>()
                .join("\n"),
            Block::List(title, items) => {
                let mut lines = vec![format!("{title}:")];
                lines.extend(
                    items
                        .iter()
                        .enumerate()
                        .map(|(n, item)| format!("  {}. {item}", n + 1)),
                );
                lines.join("\n")
            }
            Block::Link(label, url) => format!("{label}: {url}"),
        })
        .collect::<Vec<_>>()
        .join("\n\n")
}

fn html(blocks: &[Block]) -> String {
    blocks
        .iter()
        .map(|block| match block {
            Block::Paragraph(p) => format!("<p>{}</p>", escape(p)),
            Block::Strong(p) => format!("<p><strong>{}</strong></p>", escape(p)),
            Block::Fields(fields) => {
                let rows: String = fields
                    .iter()
                    .map(|(label, values)| {
                        let values: Vec<String> = values.iter().map(|v| escape(v)).collect();
                        format!(
                            "<tr><th style=\"text-align:left;vertical-align:top;padding-right:1em\">{}</th><td>{}</td></tr>",
                            escape(label),
                            values.join("<br>")
                        )
                    })
                    .collect();
                format!("<table>{rows}</table>")
            }
            Block::List(title, items) => {
                let items: String = items
                    .iter()
                    .map(|item| format!("<li>{}</li>", escape(item)))
                    .collect();
                format!("<p><strong>{}</strong></p><ol>{items}</ol>", escape(title))
            }
            Block::Link(label, url) => {
                format!("<p>{}: <a href=\"{url}\">{url}</a></p>", escape(label), url = escape(url))
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_have_seven_weekdays_from_monday() {
        assert_eq!(MS.weekdays[0], "Isnin");
        assert_eq!(EN.weekdays[6], "Sunday");
    }
}
