//! The apply journey's words, in Bahasa Melayu and English. They live in the apply page's
//! chunk, so the first download (the home page) carries none of them.

use temujanji_shared::Lang;

use crate::i18n::texts;

texts! { ApplyText {
    Continue => "Teruskan", "Continue";
    Change => "Ubah", "Change";
    StartAgain => "Mula semula", "Start again";
    StartAgainConfirm => "Buang semua pilihan dan butiran yang telah diisi, dan mula semula?",
        "Discard every choice and detail filled in so far, and start again?";
    ApplyHeading => "Permohonan temujanji", "Apply for an appointment";
    StepEmail => "E-mel", "E-mail";
    StepCode => "Kod pengesahan", "Verification code";
    StepService => "Perkhidmatan dan cawangan", "Service and branch";
    StepSlot => "Tarikh dan masa", "Date and time";
    StepDetails => "Butiran pemohon", "Your details";
    StepReview => "Semak dan hantar", "Check and submit";
    EmailIntro => "Kami akan menghantar kod pengesahan ke alamat e‑mel ini. Slip dan peringatan juga dihantar ke sini.",
        "We will send a verification code to this address. The slip and reminders go there too.";
    SendCode => "Hantar kod", "Send code";
    ServiceLabel => "Perkhidmatan", "Service";
    ChooseService => "Pilih perkhidmatan", "Choose a service";
    BranchSearchLabel => "Cari cawangan (nama atau negeri)", "Search branches (name or state)";
    BranchSearchHint => "Hanya cawangan yang menawarkan perkhidmatan ini ditunjukkan.",
        "Only branches offering this service are shown.";
    BranchLabel => "Cawangan", "Branch";
    NoBranchMatches => "Tiada cawangan sepadan dengan carian anda.", "No branch matches your search.";
    ChooseServiceFirst => "Pilih perkhidmatan dahulu.", "Choose a service first.";
    ChooseBranch => "Pilih cawangan", "Choose a branch";
    ChooseDate => "Pilih tarikh pada kalendar, kemudian pilih masa", "Choose a date on the calendar, then a time";
    NameLabel => "Nama penuh (seperti dalam dokumen pengenalan)", "Full name (as on your identity document)";
    NameHint => "Contoh: Ahmad bin Ali", "For example: Ahmad bin Ali";
    IdTypeLabel => "Jenis dokumen pengenalan", "Identity document type";
    IdMykad => "MyKad (warganegara Malaysia)", "MyKad (Malaysian citizen)";
    IdPassport => "Pasport (bukan warganegara)", "Passport (non-citizen)";
    MykadLabel => "Nombor MyKad", "MyKad number";
    MykadHint => "12 digit, dengan atau tanpa sempang: 900101-14-5678", "12 digits, with or without dashes: 900101-14-5678";
    PassportLabel => "Nombor pasport", "Passport number";
    PassportHint => "6 hingga 20 huruf dan digit", "6 to 20 letters and digits";
    NationalityLabel => "Negara pengeluar pasport", "Passport issuing country";
    NationalityHint => "Negara yang tertera pada pasport anda. Taip sebahagian namanya untuk memendekkan senarai, kemudian pilih.",
        "The country named on your passport. Type part of its name to shorten the list, then choose it.";
    CountrySearch => "Cari negara", "Search countries";
    ChooseCountry => "Pilih negara", "Choose a country";
    AddressHeading => "Alamat", "Address";
    Line1Label => "Alamat baris 1", "Address line 1";
    Line2Label => "Alamat baris 2 (jika ada)", "Address line 2 (optional)";
    PostcodeLabel => "Poskod", "Postcode";
    CityLabel => "Bandar", "Town or city";
    StateLabel => "Negeri", "State";
    ChooseState => "Pilih negeri", "Choose a state";
    PhoneLabel => "Nombor telefon", "Phone number";
    PhoneHint => "Contoh: 012-345 6789 atau +65 9123 4567", "For example: 012-345 6789 or +65 9123 4567";
    VerifiedEmail => "E-mel (telah disahkan)", "E-mail (verified)";
    ReviewIntro => "Semak butiran anda. Tempat hanya ditempah apabila anda menghantar.",
        "Check your details. The place is only taken when you submit.";
    Submit => "Hantar dan tempah", "Submit and book";
    Submitting => "Sedang menempah…", "Booking…";
    Email => "E-mel", "E-mail";
    Address => "Alamat", "Address";
    SlotTakenTitle => "Masa itu baru sahaja penuh", "That time has just been taken";
    SlotTakenBody => "Seseorang telah menempah tempat terakhir. Butiran anda masih disimpan. Pilih salah satu masa terdekat ini:",
        "Someone took the last place. Your details are kept. Choose one of these nearest times:";
    NoNearbySlots => "Tiada masa kosong berdekatan. Pilih tarikh lain.", "No free times nearby. Choose another date.";
    ChooseOtherDate => "Pilih tarikh lain", "Choose another date";
}}
