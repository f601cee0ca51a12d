//! The appointment slip (Slip Temujanji) as an A4 PDF, bilingual, generated on the server.
//!
//! It carries what the counter needs (R4, R6, R9): reference, applicant with a masked identity
//! number, branch and address, service, date and time, the arrive-early notice, documents to
//! bring, fee and the card-only payment note, and the QR code that staff scan at the counter
//! (see [`crate::qr_payload`]). Text uses the PDF standard Helvetica faces
//! (WinAnsi); a character outside it prints as `?`.

use printpdf::{
    BuiltinFont, Color, Mm, Op, PaintMode, PdfDocument, PdfFontHandle, PdfPage, PdfSaveOptions,
    Point, Pt, Rect, Rgb, TextItem,
};
use qrcode::{Color as QrColor, EcLevel, QrCode};
use temujanji_shared::wire::{Appointment, AppointmentBranch, Bilingual};

use temujanji_shared::rules::{self, ARRIVE_EARLY_MINUTES};

/// The slip could not be drawn (a payload too long for a QR code, or a PDF writer failure).
#[derive(Debug, thiserror::Error)]
#[error("cannot draw the slip: {0}")]
pub struct SlipError(String);

const PAGE_WIDTH_MM: f32 = 210.0;
const PAGE_HEIGHT_MM: f32 = 297.0;
const MARGIN_MM: f32 = 20.0;
/// Side of the QR code: about 1.2 mm a module for the 29 modules of the payload, easy to scan
/// from paper or a phone screen.
const QR_SIZE_MM: f32 = 36.0;
/// Characters per line of 10 pt Helvetica across the text width (a conservative average).
const WRAP_AT: usize = 92;

/// A slip being laid out top to bottom.
struct Layout {
    ops: Vec<Op>,
    /// Baseline of the next line, in mm from the bottom of the page.
    y: f32,
}

impl Layout {
    fn new() -> Self {
        Layout {
            ops: Vec::new(),
            y: PAGE_HEIGHT_MM - MARGIN_MM,
        }
    }

    fn text(&mut self, text: &str, font: BuiltinFont, size: f32, x: f32) {
        self.ops.extend([
            Op::StartTextSection,
            Op::SetTextCursor {
                pos: Point::new(Mm(x), Mm(self.y)),
            },
            Op::SetFont {
                font: PdfFontHandle::Builtin(font),
                size: Pt(size),
            },
            Op::ShowText {
                items: vec![TextItem::Text(text.to_owned())],
            },
            Op::EndTextSection,
        ]);
    }

    /// One line, then move down by its height.
    fn line(&mut self, text: &str, font: BuiltinFont, size: f32) {
        self.text(text, font, size, MARGIN_MM);
        self.y -= size * 0.5;
    }

    /// A paragraph wrapped to the text width.
    fn paragraph(&mut self, text: &str, font: BuiltinFont, size: f32) {
        for line in wrap(text, WRAP_AT * 10 / size as usize) {
            self.line(&line, font, size);
        }
    }

    /// A bilingual label in the left column and its value on the right.
    fn field(&mut self, label: &Bilingual, values: &[String]) {
        self.text(
            &format!("{} / {}", label.ms, label.en),
            BuiltinFont::Helvetica,
            8.5,
            MARGIN_MM,
        );
        for value in values {
            self.text(value, BuiltinFont::HelveticaBold, 11.0, MARGIN_MM + 55.0);
            self.y -= 5.5;
        }
        self.y -= 1.5;
    }

    /// Sets the colour of what follows.
    fn fill(&mut self, r: f32, g: f32, b: f32) {
        self.ops.push(Op::SetFillColor {
            col: Color::Rgb(Rgb {
                r,
                g,
                b,
                icc_profile: None,
            }),
        });
    }

    /// Draws `payload` as a QR code in the top right corner of the current block, its top
    /// level with the current line's capitals, and returns the y of its bottom edge. Each run
    /// of dark modules in a row is one filled rectangle; the page's white is the quiet zone.
    fn qr(&mut self, payload: &str) -> Result<f32, SlipError> {
        let code = QrCode::with_error_correction_level(payload, EcLevel::M)
            .map_err(|e| SlipError(format!("QR code: {e}")))?;
        let width = code.width();
        let module = QR_SIZE_MM / width as f32;
        let left = PAGE_WIDTH_MM - MARGIN_MM - QR_SIZE_MM;
        let top = self.y + 4.0;
        let dark = code.to_colors();
        for (row, modules) in dark.chunks(width).enumerate() {
            let mut column = 0;
            while column < width {
                if modules[column] != QrColor::Dark {
                    column += 1;
                    continue;
                }
                let run = modules[column..]
                    .iter()
                    .take_while(|&&m| m == QrColor::Dark)
                    .count();
                self.ops.push(Op::DrawRectangle {
                    rectangle: Rect {
                        x: Mm(left + column as f32 * module).into(),
                        y: Mm(top - (row + 1) as f32 * module).into(),
                        width: Mm(run as f32 * module).into(),
                        height: Mm(module).into(),
                        mode: Some(PaintMode::Fill),
                        winding_order: None,
                    },
                });
                column += run;
            }
        }
        Ok(top - QR_SIZE_MM)
    }

    fn gap(&mut self, mm: f32) {
        self.y -= mm;
    }

    fn rule(&mut self) {
        self.ops.push(Op::DrawLine {
            line: printpdf::Line {
                points: vec![
                    printpdf::LinePoint {
                        p: Point::new(Mm(MARGIN_MM), Mm(self.y)),
                        bezier: false,
                    },
                    printpdf::LinePoint {
                        p: Point::new(Mm(PAGE_WIDTH_MM - MARGIN_MM), Mm(self.y)),
                        bezier: false,
                    },
                ],
                is_closed: false,
            },
        });
        self.y -= 6.0;
    }
}

/// The country in words, in both languages when they differ ("Jerman / Germany").
fn country_names(code: &str) -> String {
    use temujanji_shared::{Lang, country::name_of};
    match (name_of(code, Lang::Ms), name_of(code, Lang::En)) {
        (Some(ms), Some(en)) if ms == en => ms.to_owned(),
        (Some(ms), Some(en)) => format!("{ms} / {en}"),
        _ => code.to_owned(),
    }
}

/// The status in words, in both languages: never the raw code.
fn status_label(status: temujanji_shared::wire::AppointmentStatus) -> String {
    use temujanji_shared::wire::AppointmentStatus::*;
    match status {
        Booked => "Ditempah / Booked",
        CheckedIn => "Telah daftar masuk / Checked in",
        Completed => "Selesai / Served",
        Cancelled => "Dibatalkan / Cancelled",
        NoShow => "Tidak hadir / No-show",
    }
    .to_owned()
}

fn label(ms: &str, en: &str) -> Bilingual {
    Bilingual {
        ms: ms.to_owned(),
        en: en.to_owned(),
    }
}

/// Greedy word wrap at `width` characters.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut current = String::new();
    for word in text.split_whitespace() {
        if !current.is_empty() && current.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(word);
    }
    if !current.is_empty() {
        lines.push(current);
    }
    lines
}

/// The branch's name and address, one line each, and its phone number if `phone`.
pub(crate) fn branch_lines(branch: &AppointmentBranch, phone: bool) -> Vec<String> {
    let address = &branch.address;
    let mut lines = vec![branch.name.clone(), address.line1.to_string()];
    lines.extend(address.line2.as_ref().map(ToString::to_string));
    lines.push(format!(
        "{} {}, {}",
        address.postcode,
        address.city,
        address.state.name()
    ));
    if phone {
        lines.push(format!("Tel: {}", branch.phone));
    }
    lines
}

pub(crate) fn ringgit(sen: i32) -> String {
    format!("RM{}.{:02}", sen / 100, sen % 100)
}

/// R9, printed on every slip and e-mail whatever the service's fee note says (BM, EN): the one
/// payment sentence of `shared::rules`.
pub(crate) const PAYMENT: [&str; 2] = [rules::PAYMENT_MS, rules::PAYMENT_EN];

/// The slip of `appointment` as PDF bytes.
pub fn render(appointment: &Appointment) -> Result<Vec<u8>, SlipError> {
    let a = appointment;
    let mut page = Layout::new();
    page.fill(0.04, 0.24, 0.57);
    page.line(
        "JABATAN IMIGRESEN MALAYSIA",
        BuiltinFont::HelveticaBold,
        12.0,
    );
    page.line(
        "Slip Temujanji / Appointment Slip",
        BuiltinFont::HelveticaBold,
        18.0,
    );
    page.fill(0.0, 0.0, 0.0);
    page.gap(2.0);
    page.rule();

    // What the counter checks first, beside the QR code it scans.
    let qr_bottom = page.qr(&a.qr_payload)?;
    page.field(
        &label("No. rujukan", "Reference"),
        &[a.reference.to_string()],
    );
    page.field(
        &label("Tarikh & masa", "Date & time"),
        &[format!(
            "{}, {}-{}",
            a.date.format("%d/%m/%Y (%a)"),
            a.start,
            a.end
        )],
    );
    page.field(
        &label("Hadir sebelum", "Arrive by"),
        &[a.arrive_by.to_string()],
    );
    page.gap(1.0);
    page.line(
        &format!(
            "Sila hadir sebelum {} ({ARRIVE_EARLY_MINUTES} minit awal).",
            a.arrive_by
        ),
        BuiltinFont::HelveticaBold,
        10.0,
    );
    page.line(
        &format!(
            "Arrive by {} ({ARRIVE_EARLY_MINUTES} minutes early).",
            a.arrive_by
        ),
        BuiltinFont::HelveticaBold,
        10.0,
    );
    page.gap(1.0);
    page.line(
        "Tunjukkan kod QR ini di kaunter. / Show this QR code at the counter.",
        BuiltinFont::Helvetica,
        9.0,
    );
    page.y = page.y.min(qr_bottom) - 2.0;
    page.rule();

    page.field(
        &label("Nama", "Name"),
        std::slice::from_ref(&a.applicant.name),
    );
    page.field(
        &label("No. pengenalan", "Identity no."),
        &[format!(
            "{} ({})",
            a.applicant.id_number_masked,
            country_names(&a.applicant.nationality)
        )],
    );
    page.field(
        &label("Perkhidmatan", "Service"),
        &[a.service.name.ms.clone(), a.service.name.en.clone()],
    );
    page.field(&label("Cawangan", "Branch"), &branch_lines(&a.branch, true));
    page.field(&label("Status", "Status"), &[status_label(a.status)]);
    page.rule();

    page.line(
        "Dokumen yang perlu dibawa / Documents to bring",
        BuiltinFont::HelveticaBold,
        11.0,
    );
    page.gap(1.0);
    for (n, document) in a.service.documents.iter().enumerate() {
        page.paragraph(
            &format!("{}. {} / {}", n + 1, document.ms, document.en),
            BuiltinFont::Helvetica,
            10.0,
        );
        page.gap(1.0);
    }
    page.rule();

    page.line(
        &format!("Bayaran / Fee: {}", ringgit(a.service.fee_sen)),
        BuiltinFont::HelveticaBold,
        11.0,
    );
    page.gap(1.0);
    page.paragraph(&a.service.fee_note.ms, BuiltinFont::Helvetica, 9.5);
    page.paragraph(&a.service.fee_note.en, BuiltinFont::HelveticaOblique, 9.5);
    page.gap(1.0);
    for line in PAYMENT {
        page.paragraph(line, BuiltinFont::HelveticaBold, 9.5);
    }
    page.rule();

    for notice in [
        format!(
            "Sila hadir di pejabat sekurang-kurangnya {ARRIVE_EARLY_MINUTES} minit sebelum temujanji. \
             Pemohon yang lewat boleh dibatalkan temujanjinya. Bawa slip ini (bercetak atau di telefon) ke kaunter."
        ),
        format!(
            "Please be at the office at least {ARRIVE_EARLY_MINUTES} minutes before your appointment. \
             Late arrivals may be cancelled. Bring this slip (printed or on your phone) to the counter."
        ),
    ] {
        page.paragraph(&notice, BuiltinFont::Helvetica, 9.5);
        page.gap(1.5);
    }

    let mut document = PdfDocument::new(&format!("Slip Temujanji {}", a.reference));
    Ok(document
        .with_pages(vec![PdfPage::new(
            Mm(PAGE_WIDTH_MM),
            Mm(PAGE_HEIGHT_MM),
            page.ops,
        )])
        .save(&PdfSaveOptions::default(), &mut Vec::new()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_keeps_words_whole_and_lines_short() {
        let lines = wrap("one two three four five six seven", 10);
        assert_eq!(lines, vec!["one two", "three four", "five six", "seven"]);
        assert!(wrap("", 10).is_empty());
    }

    #[test]
    fn fees_print_in_ringgit() {
        assert_eq!(ringgit(20000), "RM200.00");
        assert_eq!(ringgit(9050), "RM90.50");
        assert_eq!(ringgit(0), "RM0.00");
    }
}
