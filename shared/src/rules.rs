//! Rule constants of SPEC that the API and the SPA both state or enforce.

/// R4: applicants must be at the office this long before their slot; arriving later is late.
pub const ARRIVE_EARLY_MINUTES: i64 = 30;

/// R9: how fees are paid, in the one sentence the slip, its PDF, the e-mails, the terms and
/// the apply page all use (Bahasa Melayu).
pub const PAYMENT_MS: &str =
    "Bayaran di kaunter dengan kad debit/ATM atau kad kredit sahaja; tunai tidak diterima.";
/// [`PAYMENT_MS`] in English.
pub const PAYMENT_EN: &str =
    "Fees are paid at the counter by debit/ATM or credit card only; cash is not accepted.";

/// The payment sentence in `lang`.
pub fn payment(lang: crate::Lang) -> &'static str {
    match lang {
        crate::Lang::Ms => PAYMENT_MS,
        crate::Lang::En => PAYMENT_EN,
    }
}

/// A service's fee as shown to applicants: "Percuma" / "Free", or ringgit and sen ("RM200.00").
pub fn fee(lang: crate::Lang, sen: i32) -> String {
    if sen == 0 {
        return match lang {
            crate::Lang::Ms => "Percuma".to_owned(),
            crate::Lang::En => "Free".to_owned(),
        };
    }
    format!("RM{}.{:02}", sen / 100, sen % 100)
}
