//! The staff pages' words, in Bahasa Melayu and English. They live in the staff chunk, so the
//! applicant's first download carries none of them.

use leptos::prelude::*;
use temujanji_shared::Lang;
use temujanji_shared::wire::AppointmentStatus;

use crate::i18n::{texts, use_lang};

/// A reactive staff text in the current language.
pub fn st(text: StaffText) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
    let lang = use_lang();
    move || text.get(lang.get())
}

pub fn status_name(status: AppointmentStatus, lang: Lang) -> &'static str {
    match status {
        AppointmentStatus::Booked => StaffText::StatusBooked.get(lang),
        AppointmentStatus::CheckedIn => StaffText::StatusCheckedIn.get(lang),
        AppointmentStatus::Completed => StaffText::StatusServed.get(lang),
        AppointmentStatus::Cancelled => StaffText::StatusCancelled.get(lang),
        AppointmentStatus::NoShow => StaffText::StatusNoShow.get(lang),
    }
}

texts! { StaffText {
    StaffArea => "Kawasan kakitangan", "Staff area";
    SignInHeading => "Log masuk kakitangan", "Staff sign-in";
    SignInIntro => "Untuk pegawai kaunter, penyelia dan pentadbir sahaja.",
        "For counter officers, supervisors and administrators only.";
    Username => "Nama pengguna", "Username";
    Password => "Kata laluan", "Password";
    SignIn => "Log masuk", "Sign in";
    SignOut => "Log keluar", "Sign out";
    SigningIn => "Sedang log masuk…", "Signing in…";
    Required => "Ruangan ini wajib diisi.", "This field is required.";
    WrongCredentials => "Nama pengguna atau kata laluan salah.", "Wrong username or password.";
    Locked => "Terlalu banyak cubaan. Akaun ini dikunci sementara; cuba lagi kemudian.",
        "Too many attempts. This account is locked for a while; try again later.";
    NavBoard => "Hari ini", "Today";
    NavConfig => "Tetapan cawangan", "Branch settings";
    NavReports => "Laporan", "Reports";
    NavDisplay => "Paparan dewan", "Hall display";
    Branch => "Cawangan", "Branch";
    BoardHeading => "Kaunter hari ini", "Today at the counter";
    Expected => "Dijangka", "Expected";
    Arrived => "Telah tiba", "Arrived";
    Late => "Lewat", "Late";
    Served => "Selesai", "Served";
    NoShows => "Tidak hadir", "No-shows";
    Cancelled => "Dibatalkan", "Cancelled";
    CheckInHeading => "Daftar masuk", "Check in";
    CheckInLabel => "Nombor rujukan atau kod QR", "Reference or QR code";
    CheckInHint => "Taip rujukan (cth. 7KQ2M-XH4PA) atau imbas QR slip, kemudian tekan Enter.",
        "Type the reference (e.g. 7KQ2M-XH4PA) or scan the slip's QR, then press Enter.";
    CheckInButton => "Daftar masuk", "Check in";
    ScanQr => "Imbas QR dengan kamera", "Scan QR with the camera";
    StopScan => "Berhenti mengimbas", "Stop scanning";
    Scanning => "Halakan kamera ke kod QR pada slip…", "Point the camera at the slip's QR code…";
    LateArrival => "Tiba lewat (kurang 30 minit sebelum waktu temujanji)",
        "Late arrival (less than 30 minutes before the appointment)";
    OnTime => "Tepat masa", "On time";
    CompareDocuments => "Bandingkan butiran ini dengan dokumen pemohon.",
        "Compare these details with the applicant's documents.";
    Name => "Nama", "Name";
    IdNumber => "No. pengenalan", "Identity number";
    Nationality => "Warganegara", "Nationality";
    Phone => "Telefon", "Phone";
    Service => "Perkhidmatan", "Service";
    Time => "Masa", "Time";
    Reference => "Rujukan", "Reference";
    Status => "Status", "Status";
    ServeHeading => "Rekod bayaran kad dan selesaikan", "Record the card payment and serve";
    Amount => "Jumlah (RM)", "Amount (RM)";
    ApprovalCode => "Kod kelulusan terminal kad", "Card terminal approval code";
    Serve => "Selesai dan rekod bayaran", "Serve and record payment";
    CancelHeading => "Batalkan temujanji", "Cancel the appointment";
    Reason => "Sebab", "Reason";
    LateReason => "Tiba lewat", "Arrived late";
    CancelButton => "Batalkan temujanji ini", "Cancel this appointment";
    NoShow => "Tanda tidak hadir", "Mark no-show";
    Done => "Selesai. Pemohon seterusnya.", "Done. Next applicant.";
    QueueHeading => "Barisan menunggu", "Waiting queue";
    Counter => "Kaunter", "Counter";
    CallNext => "Panggil seterusnya", "Call next";
    NobodyWaiting => "Tiada sesiapa menunggu.", "Nobody is waiting.";
    Called => "Dipanggil", "Called";
    Waiting => "Menunggu", "Waiting";
    NoAppointments => "Tiada temujanji pada hari ini.", "No appointments today.";
    StatusBooked => "Ditempah", "Booked";
    StatusCheckedIn => "Telah daftar masuk", "Checked in";
    StatusServed => "Selesai", "Served";
    StatusCancelled => "Dibatalkan", "Cancelled";
    StatusNoShow => "Tidak hadir", "No-show";
    ConfigHeading => "Tetapan cawangan", "Branch settings";
    ConfigIntro => "Tukar waktu kaunter, rehat, hujung minggu, tempoh slot, tempat duduk dan hari tutup. Pratonton dahulu: temujanji yang terjejas akan disenaraikan.",
        "Change counter hours, breaks, weekend, slot length, seats and closed days. Preview first: the appointments a change affects are listed.";
    SlotMinutes => "Tempoh slot (minit)", "Slot length (minutes)";
    LeadDays => "Hari notis minimum", "Minimum notice (days)";
    WeekHeading => "Waktu kaunter mingguan", "Weekly counter hours";
    WeekHint => "Contoh: 08:00-13:00, 14:00-17:00. Kosongkan untuk hari cuti (hujung minggu).",
        "For example: 08:00-13:00, 14:00-17:00. Leave empty for a day off (weekend).";
    SeatsHeading => "Tempat duduk setiap slot", "Seats per slot";
    ClosuresHeading => "Hari tutup", "Closed days";
    ClosureDate => "Tarikh", "Date";
    ClosureMs => "Sebab (BM)", "Reason (Malay)";
    ClosureEn => "Sebab (BI)", "Reason (English)";
    AddClosure => "Tambah hari tutup", "Add a closed day";
    Remove => "Buang", "Remove";
    ProfilesKept => "Profil waktu bertarikh (cth. Ramadan) dikekalkan", "Date-ranged hours profiles (e.g. Ramadan) are kept";
    Preview => "Pratonton perubahan", "Preview the change";
    PreviewNone => "Perubahan ini tidak menjejaskan sebarang temujanji.", "This change affects no booked appointment.";
    PreviewSome => "Temujanji berikut akan dibatalkan dan pemohon akan menerima e-mel permohonan maaf:",
        "These appointments will be cancelled and the applicants will receive an apology e-mail:";
    Apply => "Simpan perubahan", "Save the change";
    ApplyCancelling => "Simpan dan batalkan temujanji ini", "Save and cancel these appointments";
    Saved => "Tetapan disimpan.", "Settings saved.";
    InvalidHours => "Waktu tidak sah. Gunakan HH:MM-HH:MM, dipisahkan dengan koma.",
        "Hours not valid. Use HH:MM-HH:MM, separated by commas.";
    ReportsHeading => "Laporan", "Reports";
    From => "Dari", "From";
    To => "Hingga", "To";
    Show => "Papar", "Show";
    DownloadCsv => "Muat turun CSV", "Download CSV";
    Capacity => "Kapasiti", "Capacity";
    SeatsTaken => "Tempat diisi", "Seats taken";
    Utilisation => "Penggunaan", "Utilisation";
    UnmetDemand => "Permintaan tidak dipenuhi (slot penuh)", "Unmet demand (slot full)";
    Booked => "Ditempah", "Booked";
    PerDay => "Penggunaan tempat duduk setiap hari", "Seat utilisation per day";
    PerHour => "Penggunaan tempat duduk mengikut jam", "Seat utilisation by hour of day";
    ChartLegend => "Bar gelap: tempat diisi; bar cerah: kapasiti.", "Dark bar: seats taken; light bar: capacity.";
    DisplayHeading => "Nombor dipanggil", "Now serving";
    DisplayWaiting => "Menunggu", "Waiting";
    NavBlocks => "Sekatan", "Blocks";
    NavAudit => "Log audit", "Audit log";
    BlocksHeading => "Sekatan pemohon", "Applicant blocks";
    BlocksIntro => "Sekat nombor MyKad, pasport, e-mel atau telefon sehingga suatu tarikh. Pemohon hanya diberitahu kategori dan tarikh tamat, bukan nota anda.",
        "Block a MyKad or passport number, an e-mail or a phone until a date. The applicant is told only the category and the end date, never your note.";
    BlockKindLabel => "Jenis", "Kind";
    KindMykad => "MyKad", "MyKad";
    KindPassport => "Pasport", "Passport";
    KindEmail => "E-mel", "E-mail";
    KindPhone => "Telefon", "Phone";
    BlockValue => "Nombor, e-mel atau telefon", "Number, e-mail or phone";
    PassportCountry => "Negara pengeluar pasport (kod ISO, cth. IDN)", "Passport's issuing country (ISO code, e.g. IDN)";
    Category => "Kategori (dilihat pemohon)", "Category (the applicant sees it)";
    CategoryNoShows => "Tidak hadir berulang kali", "Repeated no-shows";
    CategoryHoarding => "Menempah berlebihan", "Hoarding appointments";
    CategoryFraud => "Maklumat palsu", "False details";
    CategoryAutomation => "Tempahan automatik (bot)", "Automated booking (bots)";
    CategoryAbuse => "Penyalahgunaan lain", "Other misuse";
    Note => "Nota dalaman (tidak dilihat pemohon)", "Internal note (never shown to the applicant)";
    Until => "Hingga (termasuk)", "Until (inclusive)";
    CreateBlock => "Sekat", "Block";
    Blocked => "Sekatan disimpan.", "Block saved.";
    ShowLifted => "Tunjukkan juga sekatan yang telah ditarik balik", "Also show lifted blocks";
    NoBlocks => "Tiada sekatan.", "No blocks.";
    LiftReason => "Sebab tarik balik", "Reason for lifting";
    Lift => "Tarik balik", "Lift";
    LiftedBy => "Ditarik balik oleh", "Lifted by";
    CreatedBy => "Oleh", "By";
    AuditHeading => "Log audit", "Audit log";
    AuditIntro => "Setiap tindakan kakitangan dan setiap perubahan pemohon: siapa, apa, bila.",
        "Every staff action and every applicant change: who, what, when.";
    StaffUser => "Nama pengguna kakitangan", "Staff username";
    Search => "Cari", "Search";
    Older => "Lebih lama", "Older";
    When => "Bila", "When";
    Who => "Siapa", "Who";
    What => "Apa", "What";
    Subject => "Perkara", "Subject";
    NoEntries => "Tiada catatan.", "No entries.";
    Loading => "Memuatkan…", "Loading…";
    Working => "Sedang diproses…", "Working…";
} }
