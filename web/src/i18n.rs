//! Interface texts in Bahasa Melayu and English, date formats, and the remembered language
//! choice (a cookie the server reads too). Validation messages come from `shared` (the same text the API sends).

use chrono::{Datelike, NaiveDate, Weekday};
use leptos::prelude::*;
use temujanji_shared::Lang;
use temujanji_shared::wire::Bilingual;

const STORAGE_KEY: &str = "temujanji.lang";

/// The current language, provided by the app shell.
pub fn use_lang() -> ReadSignal<Lang> {
    expect_context::<ReadSignal<Lang>>()
}

/// A fixed text in both languages: [`Text`], and each lazy page's own (`ApplyText`,
/// `StaffText`), declared by `texts!`.
pub trait Words: Copy + Send + Sync + 'static {
    fn get(self, lang: Lang) -> &'static str;
}

/// A fixed text of any kind, for a component that shows any page's words (a field's label).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wording {
    ms: &'static str,
    en: &'static str,
}

impl Wording {
    pub fn get(self, lang: Lang) -> &'static str {
        match lang {
            Lang::Ms => self.ms,
            Lang::En => self.en,
        }
    }
}

impl<T: Words> From<T> for Wording {
    fn from(text: T) -> Wording {
        Wording {
            ms: text.get(Lang::Ms),
            en: text.get(Lang::En),
        }
    }
}

/// A reactive text in the current language, for use in views.
pub fn tr(text: impl Into<Wording>) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
    let lang = use_lang();
    let text = text.into();
    move || text.get(lang.get())
}

/// Declares an enum of fixed texts, each in Bahasa Melayu and English. The applicant's texts
/// are [`Text`]; the staff pages declare their own in their lazy chunk, so that none of their
/// words ship in the applicant's first download.
macro_rules! texts {
    ($enum:ident { $($name:ident => $ms:expr, $en:expr;)* }) => {
        /// Fixed interface texts.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $enum { $($name,)* }

        impl $enum {
            pub fn get(self, lang: Lang) -> &'static str {
                let (ms, en) = match self { $($enum::$name => ($ms, $en),)* };
                match lang {
                    Lang::Ms => ms,
                    Lang::En => en,
                }
            }
        }

        impl $crate::i18n::Words for $enum {
            fn get(self, lang: Lang) -> &'static str {
                $enum::get(self, lang)
            }
        }
    };
}

pub(crate) use texts;

texts! { Text {
    SkipToContent => "Langkau ke kandungan utama", "Skip to main content";
    Department => "Jabatan Imigresen Malaysia", "Immigration Department of Malaysia";
    ServiceName => "Temujanji Dalam Talian", "Online Appointments";
    Loading => "Memuatkan…", "Loading…";
    Back => "Kembali", "Back";
    DidYouMean => "Adakah anda maksudkan", "Did you mean";
    HomeIntro => "Kaunter imigresen hanya melayan pemohon yang mempunyai temujanji. Tempah masa anda di sini, dan bawa slip temujanji ke kaunter.",
        "Immigration counters serve only applicants with an appointment. Book your time here and bring the appointment slip to the counter.";
    ApplyCta => "Mohon temujanji", "Apply for an appointment";
    ApplyCtaHint => "Pilih perkhidmatan, cawangan, tarikh dan masa. Anda perlukan alamat e‑mel.",
        "Choose a service, branch, date and time. You need an e-mail address.";
    ManageCta => "Urus temujanji saya", "Manage my appointment";
    ManageCtaHint => "Lihat, cetak, tukar masa atau batalkan temujanji dengan nombor rujukan anda.",
        "View, print, reschedule or cancel an appointment with your reference number.";
    TermsHeading => "Terma dan syarat", "Terms and conditions";
    Term1 => "Tempat adalah terhad dan diberikan mengikut prinsip siapa cepat, dia dapat. Jika masa pilihan anda penuh, pilih masa lain.",
        "Places are limited and go to whoever books first. If your chosen time is full, choose another.";
    Term2 => "Anda boleh menempah sehingga tiga bulan lebih awal, tetapi tidak untuk hari ini atau tarikh yang telah berlalu.",
        "You can book up to three months ahead, but not for today or a past date.";
    Term3 => "Setiap cawangan mempunyai waktu kaunter, hujung minggu dan cuti umumnya sendiri.",
        "Every branch has its own counter hours, weekend and public holidays.";
    Term4 => "Sila tiba sekurang-kurangnya 30 minit sebelum waktu temujanji. Pegawai boleh membatalkan temujanji jika anda lewat.",
        "Please arrive at least 30 minutes before your appointment. Staff may cancel it if you are late.";
    Term5 => "Penyalahgunaan (menimbun slot, kerap tidak hadir, penggunaan bot) akan disekat. Satu identiti hanya boleh memegang satu temujanji aktif bagi setiap perkhidmatan.",
        "Abuse (hoarding slots, repeated no-shows, bots) is blocked. One identity may hold one active appointment per service.";
    Term6 => "Bawa dokumen yang disenaraikan untuk perkhidmatan anda.",
        "Bring the documents listed for your service.";
    Term7 => "Butiran temujanji dan slip dihantar ke e‑mel anda semasa tempahan, perubahan dan pembatalan, dan peringatan dihantar sehari sebelumnya.",
        "The details and the slip are e-mailed to you on booking, change and cancellation, and a reminder is sent the day before.";
    Term8 => "Anda bertanggungjawab atas ketepatan maklumat; pegawai akan menyemaknya dengan dokumen anda.",
        "You are responsible for the accuracy of your details; staff check them against your documents.";
    Term10 => "Semua maklumat wajib diisi dengan betul; borang menunjukkan apa yang perlu dibetulkan.",
        "All details are required and must be valid; the form shows what to correct.";
    DocumentsHeading => "Dokumen yang perlu dibawa", "Documents to bring";
    Fee => "Bayaran", "Fee";
    CardOnly => temujanji_shared::rules::PAYMENT_MS, temujanji_shared::rules::PAYMENT_EN;
    EmailLabel => "Alamat e‑mel", "E-mail address";
    EmailHint => "Contoh: nama@contoh.com", "For example: name@example.com";
    Sending => "Sedang menghantar…", "Sending…";
    CodeLabel => "Kod 6 digit", "6-digit code";
    Verify => "Sahkan", "Verify";
    Verifying => "Sedang mengesahkan…", "Verifying…";
    ResendCode => "Hantar semula kod", "Send the code again";
    CodeResent => "Kod baharu telah dihantar.", "A new code has been sent.";
    WrongEmail => "Guna alamat e‑mel lain", "Use another e-mail address";
    CalendarHelp => "Pilih hari yang masih ada tempat, kemudian pilih masa.",
        "Choose an open day, then a time with places left.";
    PrevMonth => "Bulan sebelumnya", "Previous month";
    NextMonth => "Bulan berikutnya", "Next month";
    DayOpen => "Ada tempat", "Places left";
    DayFull => "Penuh", "Full";
    DayLottery => "Undian", "Draw";
    DayClosed => "Tutup", "Closed";
    DayOutside => "Tidak boleh ditempah", "Not bookable";
    BookableFrom => "Cawangan ini menerima tempahan mulai {}.", "This branch takes bookings from {}.";
    SlotsHeading => "Masa yang tersedia", "Available times";
    SlotFullShort => "penuh", "full";
    ChooseDayFirst => "Pilih hari pada kalendar untuk melihat masa.", "Choose a day on the calendar to see its times.";
    NoSlotsThatDay => "Tiada masa lagi pada hari ini. Pilih hari lain.", "No times left on this day. Choose another day.";
    ChooseSlot => "Pilih masa", "Choose a time";
    ErrorSummaryTitle => "Terdapat masalah", "There is a problem";
    Applicant => "Pemohon", "Applicant";
    IdNumber => "Nombor pengenalan", "Identity number";
    Phone => "Telefon", "Phone";
    Branch => "Cawangan", "Branch";
    Service => "Perkhidmatan", "Service";
    Date => "Tarikh", "Date";
    Time => "Masa", "Time";
    SlipHeading => "Slip temujanji", "Appointment slip";
    BookedNotice => "Temujanji anda telah ditempah. Salinan slip telah dihantar ke e‑mel anda.",
        "Your appointment is booked. A copy of the slip has been e-mailed to you.";
    Reference => "Nombor rujukan", "Reference number";
    ArriveBy => "Sila tiba sebelum", "Please arrive by";
    ArriveNote => "(30 minit lebih awal)", "(30 minutes early)";
    QrCaption => "Pegawai akan mengimbas kod ini di kaunter.", "Staff scan this code at the counter.";
    Print => "Cetak slip", "Print the slip";
    DownloadPdf => "Muat turun PDF", "Download PDF";
    Downloading => "Sedang memuat turun…", "Downloading…";
    RescheduleAction => "Tukar tarikh atau masa", "Change date or time";
    CancelAction => "Batalkan temujanji", "Cancel the appointment";
    CancelConfirmTitle => "Batalkan temujanji ini?", "Cancel this appointment?";
    CancelConfirmBody => "Tempat anda akan diberi kepada orang lain serta-merta. Tindakan ini muktamad.",
        "Your place goes to someone else at once. This cannot be undone.";
    CancelConfirm => "Ya, batalkan", "Yes, cancel it";
    KeepIt => "Tidak, kekalkan", "No, keep it";
    Cancelled => "Temujanji ini telah dibatalkan.", "This appointment has been cancelled.";
    Rescheduled => "Temujanji anda telah ditukar. Slip baharu telah dihantar ke e‑mel anda.",
        "Your appointment has been changed. The new slip has been e-mailed to you.";
    RescheduleHeading => "Pilih tarikh dan masa baharu", "Choose a new date and time";
    ConfirmReschedule => "Sahkan masa baharu", "Confirm the new time";
    ManageHeading => "Urus temujanji", "Manage an appointment";
    ManageIntro => "Masukkan nombor rujukan dan alamat e‑mel yang digunakan semasa menempah. Kami akan menghantar kod pengesahan.",
        "Enter the reference number and the e-mail address used to book. We will send a verification code.";
    ReferenceHint => "10 huruf dan digit, contoh: ABCDE-FGHJK", "10 letters and digits, for example: ABCDE-FGHJK";
    Find => "Cari temujanji", "Find the appointment";
    SignInToSeeSlip => "Untuk melihat slip temujanji, sahkan dahulu alamat e‑mel yang digunakan semasa menempah.",
        "To see an appointment slip, first verify the e-mail address it was booked with.";
    NotFound => "Temujanji tidak dijumpai untuk nombor rujukan dan e‑mel ini.",
        "No appointment was found for this reference number and e-mail address.";
    SignInAgain => "Sesi anda telah tamat. Sila sahkan e‑mel anda semula.",
        "Your session has ended. Please verify your e-mail again.";
    PageNotFound => "Halaman tidak dijumpai", "Page not found";
    NotFoundHelp => "Alamat ini tiada di laman ini. Semak ejaannya, atau pilih salah satu pautan di bawah.",
        "There is no page at this address. Check the spelling, or choose one of the links below.";
    GoHome => "Ke laman utama", "Go to the home page";
    Footer => "Jabatan Imigresen Malaysia · Temujanji hanya untuk kaunter imigresen. Tempahan temujanji adalah percuma.",
        "Immigration Department of Malaysia · Appointments for immigration counters only. Booking an appointment is free.";
    StatusBooked => "Ditempah", "Booked";
    StatusCheckedIn => "Sudah mendaftar masuk", "Checked in";
    StatusCompleted => "Selesai", "Completed";
    StatusCancelled => "Dibatalkan", "Cancelled";
    StatusNoShow => "Tidak hadir", "No-show";
    ErrorPrefix => "Ralat:", "Error:";
    RescheduleTaken => "Masa itu baru sahaja penuh. Pilih masa lain.", "That time has just been taken. Choose another.";
    CancelledSlip => "Temujanji ini telah dibatalkan. Slip ini tidak sah lagi.", "This appointment has been cancelled. This slip is no longer valid.";
    Telephone => "Telefon", "Telephone";
    NumberEndingIn => "Nombor berakhir dengan", "Number ending in";
    LoadFailed => "Maklumat tidak dapat dimuatkan. Sila semak sambungan anda.",
        "The information could not be loaded. Please check your connection.";
    TryAgain => "Cuba lagi", "Try again";
    DuplicateActive => "Anda sudah mempunyai temujanji aktif untuk perkhidmatan ini. Urus temujanji itu dengan nombor rujukannya.",
        "You already have an active appointment for this service. Manage it with its reference number.";
    CodeExpired => "Kod telah tamat tempoh atau telah digunakan. Minta kod baharu.",
        "The code has expired or was already used. Ask for a new code.";
    TooManyAttempts => "Terlalu banyak kod yang salah. Minta kod baharu.",
        "Too many wrong codes. Ask for a new code.";
    NetworkError => "Tiada sambungan ke pelayan. Sila cuba lagi.", "Could not reach the server. Please try again.";
} }

/// A list of bilingual texts (a service's documents), in the current language.
#[component]
pub fn BilingualList(items: Vec<Bilingual>) -> impl IntoView {
    let lang = use_lang();
    view! {
        <ul>
            {items
                .into_iter()
                .map(|item| view! { <li>{move || item.get(lang.get()).to_owned()}</li> })
                .collect_view()}
        </ul>
    }
}

/// "Langkah 2 daripada 6" / "Step 2 of 6".
pub fn step_of(lang: Lang, n: usize, total: usize) -> String {
    match lang {
        Lang::Ms => format!("Langkah {n} daripada {total}"),
        Lang::En => format!("Step {n} of {total}"),
    }
}

pub fn seats_left(lang: Lang, n: i32) -> String {
    match (lang, n) {
        (Lang::Ms, n) => format!("{n} tempat lagi"),
        (Lang::En, 1) => "1 place left".to_owned(),
        (Lang::En, n) => format!("{n} places left"),
    }
}

pub fn code_sent_to(lang: Lang, email: &str) -> String {
    match lang {
        Lang::Ms => {
            format!("Kami telah menghantar kod 6 digit ke {email}. Kod sah selama 10 minit.")
        }
        Lang::En => format!("We have sent a 6-digit code to {email}. It is valid for 10 minutes."),
    }
}

pub fn resend_in(lang: Lang, seconds: i64) -> String {
    match lang {
        Lang::Ms => format!("Anda boleh meminta kod baharu dalam {seconds} saat."),
        Lang::En => format!("You can ask for a new code in {seconds} seconds."),
    }
}

const MONTHS_MS: [&str; 12] = [
    "Januari",
    "Februari",
    "Mac",
    "April",
    "Mei",
    "Jun",
    "Julai",
    "Ogos",
    "September",
    "Oktober",
    "November",
    "Disember",
];
const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

pub fn month_name(lang: Lang, month0: u32) -> &'static str {
    let index = (month0 as usize).min(11);
    match lang {
        Lang::Ms => MONTHS_MS[index],
        Lang::En => MONTHS_EN[index],
    }
}

pub fn weekday_name(lang: Lang, day: Weekday) -> &'static str {
    match (lang, day) {
        (Lang::Ms, Weekday::Mon) => "Isnin",
        (Lang::Ms, Weekday::Tue) => "Selasa",
        (Lang::Ms, Weekday::Wed) => "Rabu",
        (Lang::Ms, Weekday::Thu) => "Khamis",
        (Lang::Ms, Weekday::Fri) => "Jumaat",
        (Lang::Ms, Weekday::Sat) => "Sabtu",
        (Lang::Ms, Weekday::Sun) => "Ahad",
        (Lang::En, Weekday::Mon) => "Monday",
        (Lang::En, Weekday::Tue) => "Tuesday",
        (Lang::En, Weekday::Wed) => "Wednesday",
        (Lang::En, Weekday::Thu) => "Thursday",
        (Lang::En, Weekday::Fri) => "Friday",
        (Lang::En, Weekday::Sat) => "Saturday",
        (Lang::En, Weekday::Sun) => "Sunday",
    }
}

/// "Khamis, 3 Disember 2026" / "Thursday, 3 December 2026".
pub fn long_date(lang: Lang, date: NaiveDate) -> String {
    format!(
        "{}, {} {} {}",
        weekday_name(lang, date.weekday()),
        date.day(),
        month_name(lang, date.month0()),
        date.year()
    )
}

fn html_document() -> Option<web_sys::HtmlDocument> {
    use wasm_bindgen::JsCast;
    web_sys::window()?.document()?.dyn_into().ok()
}

/// `?lang=` in the address wins, then the remembered choice, then Bahasa Melayu.
pub fn initial_lang() -> Lang {
    let window = web_sys::window();
    let from_query = window
        .as_ref()
        .and_then(|w| w.location().search().ok())
        .and_then(|q| Lang::asked_in(&q));
    // The cookie is what the server reads (every page's first paint) and sets; the storage
    // is from before it.
    let from_cookie = || Lang::remembered_in(&html_document()?.cookie().ok()?);
    let remembered = || {
        window
            .as_ref()
            .and_then(|w| w.local_storage().ok().flatten())
            .and_then(|s| s.get_item(STORAGE_KEY).ok().flatten())
            .and_then(|v| Lang::parse(&v))
    };
    from_query
        .or_else(from_cookie)
        .or_else(remembered)
        .unwrap_or_default()
}

/// Remembers the choice and sets `<html lang>` so that assistive technology reads the page
/// correctly (each page sets its own title).
pub fn remember_lang(lang: Lang) {
    let Some(window) = web_sys::window() else {
        return;
    };
    if let Ok(Some(storage)) = window.local_storage() {
        let _ = storage.set_item(STORAGE_KEY, lang.code());
    }
    // The server writes every page's first paint in the language of this cookie.
    if let Some(document) = html_document() {
        let _ = document.set_cookie(&lang.cookie());
    }
    if let Some(root) = window.document().and_then(|d| d.document_element()) {
        let _ = root.set_attribute("lang", lang.code());
    }
    // The choice is remembered; drop `?lang=` from the address so that a reload keeps a
    // later choice instead of the language the link was shared in.
    let location = window.location();
    let search = location.search().unwrap_or_default();
    if search.contains("lang=")
        && let Ok(history) = window.history()
    {
        let kept = temujanji_shared::lang::query_without_lang(&search);
        let path = location.pathname().unwrap_or_default();
        let url = if kept.is_empty() {
            path
        } else {
            format!("{path}?{}", kept.join("&"))
        };
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
    }
}
