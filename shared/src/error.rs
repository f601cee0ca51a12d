//! Validation errors with stable codes and bilingual, user-facing messages.

use crate::Lang;

/// Why a field value was refused.
///
/// [`code`](Self::code) is a stable machine-readable identifier for the API; [`message`](Self::message)
/// is the polite text to show next to the field. `Display` is the English message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ValidationError {
    /// Nothing was entered (or only spaces).
    #[error("This field is required.")]
    Required,
    /// Fewer than `min` characters.
    #[error("Please enter at least {min} characters.")]
    TooShort {
        /// The minimum number of characters.
        min: usize,
    },
    /// More than `max` characters.
    #[error("Please enter no more than {max} characters.")]
    TooLong {
        /// The maximum number of characters.
        max: usize,
    },
    /// A symbol or character that the field does not allow.
    #[error("Please remove the symbols or characters that are not allowed here.")]
    InvalidCharacters,
    /// A digit where only letters are expected.
    #[error("Please remove the digits (0–9); they are not allowed here.")]
    DigitsNotAllowed,
    /// The value does not have the expected shape.
    #[error("The format is not valid. Please check it against the example shown.")]
    InvalidFormat,
    /// Not a real calendar date.
    #[error(
        "This is not a real calendar date. Please check the day, month and year \
         (for a MyKad number, the first six digits YYMMDD)."
    )]
    InvalidDate,
    /// A date (of birth) that lies in the future.
    #[error(
        "This date is in the future. Please check the day, month and year \
         (for a MyKad number, the first six digits YYMMDD)."
    )]
    FutureDate,
    /// Digits 7–8 of a MyKad are not a place-of-birth code.
    #[error(
        "Digits 7–8 of the MyKad number are not a valid place-of-birth code issued by the \
         National Registration Department (JPN). Please check the number on your card."
    )]
    InvalidPlaceOfBirth,
    /// Not an ISO 3166-1 alpha-3 country code.
    #[error("Please choose a valid country (a three-letter ISO 3166-1 code such as MYS).")]
    InvalidCountry,
    /// Not a Malaysian or international phone number.
    #[error(
        "Please enter a valid Malaysian mobile or landline number (e.g. 012-345 6789), \
         or an international number starting with + and the country code."
    )]
    InvalidPhone,
    /// Not a usable e-mail address.
    #[error("Please enter a valid e-mail address, e.g. name@example.com.")]
    InvalidEmail,
    /// Not a 5-digit postcode.
    #[error("Please enter a 5-digit postcode, e.g. 62550.")]
    InvalidPostcode,
    /// Not one of the 13 states or 3 federal territories.
    #[error("Please choose one of the 13 states or 3 federal territories of Malaysia.")]
    InvalidState,
    /// Not an appointment reference.
    #[error(
        "Please enter a valid appointment reference: 10 letters and digits, e.g. ABCDE-FGH23 \
         (the letters O and I and the digits 0 and 1 are never used)."
    )]
    InvalidReference,
    /// Not a 6-digit one-time code.
    #[error("Please enter the 6-digit code that was sent to your e-mail.")]
    InvalidCode,
    /// A password found at the top of breach lists, or made of one repeated character.
    #[error("This password is too common. Choose a longer phrase of your own.")]
    CommonPassword,
    /// A password that contains the username.
    #[error("The password must not contain the username.")]
    PasswordContainsUsername,
    /// Already in use (a username).
    #[error("This is already taken.")]
    Taken,
    /// The current password given to change it is wrong.
    #[error("This is not your current password.")]
    WrongPassword,
    /// An amount of money outside what the counter accepts.
    #[error("Please enter an amount between RM0.01 and RM10,000.")]
    InvalidAmount,
    /// A card terminal approval code is 6 letters or digits.
    #[error("Please enter the 6-character approval code from the card terminal.")]
    InvalidApprovalCode,
}

impl ValidationError {
    /// The stable snake_case code, e.g. `"too_short"`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Required => "required",
            Self::TooShort { .. } => "too_short",
            Self::TooLong { .. } => "too_long",
            Self::InvalidCharacters => "invalid_characters",
            Self::DigitsNotAllowed => "digits_not_allowed",
            Self::InvalidFormat => "invalid_format",
            Self::InvalidDate => "invalid_date",
            Self::FutureDate => "future_date",
            Self::InvalidPlaceOfBirth => "invalid_place_of_birth",
            Self::InvalidCountry => "invalid_country",
            Self::InvalidPhone => "invalid_phone",
            Self::InvalidEmail => "invalid_email",
            Self::InvalidPostcode => "invalid_postcode",
            Self::InvalidState => "invalid_state",
            Self::InvalidReference => "invalid_reference",
            Self::InvalidCode => "invalid_code",
            Self::CommonPassword => "common_password",
            Self::PasswordContainsUsername => "password_contains_username",
            Self::Taken => "taken",
            Self::WrongPassword => "wrong_password",
            Self::InvalidAmount => "invalid_amount",
            Self::InvalidApprovalCode => "invalid_approval_code",
        }
    }

    /// The user-facing message in `lang`.
    pub fn message(&self, lang: Lang) -> String {
        match lang {
            Lang::En => self.to_string(),
            Lang::Ms => self.message_ms(),
        }
    }

    /// The Bahasa Melayu message.
    fn message_ms(&self) -> String {
        let text = match self {
            Self::Required => "Ruangan ini wajib diisi.",
            Self::TooShort { min } => {
                return format!("Sila masukkan sekurang-kurangnya {min} aksara.");
            }
            Self::TooLong { max } => {
                return format!("Sila masukkan tidak lebih daripada {max} aksara.");
            }
            Self::InvalidCharacters => {
                "Sila buang simbol atau aksara yang tidak dibenarkan di sini."
            }
            Self::DigitsNotAllowed => "Sila buang angka (0–9); angka tidak dibenarkan di sini.",
            Self::InvalidFormat => {
                "Format tidak sah. Sila semak berdasarkan contoh yang diberikan."
            }
            Self::InvalidDate => {
                "Tarikh ini bukan tarikh kalendar yang sah. Sila semak hari, bulan dan tahun \
                 (bagi nombor MyKad, enam digit pertama YYMMDD)."
            }
            Self::FutureDate => {
                "Tarikh ini belum tiba. Sila semak hari, bulan dan tahun \
                 (bagi nombor MyKad, enam digit pertama YYMMDD)."
            }
            Self::InvalidPlaceOfBirth => {
                "Digit ke-7 hingga ke-8 nombor MyKad bukan kod tempat lahir yang sah yang \
                 dikeluarkan oleh Jabatan Pendaftaran Negara (JPN). Sila semak nombor pada kad anda."
            }
            Self::InvalidCountry => {
                "Sila pilih negara yang sah (kod ISO 3166-1 tiga huruf seperti MYS)."
            }
            Self::InvalidPhone => {
                "Sila masukkan nombor telefon bimbit atau talian tetap Malaysia yang sah \
                 (cth. 012-345 6789), atau nombor antarabangsa yang bermula dengan + dan kod negara."
            }
            Self::InvalidEmail => "Sila masukkan alamat e-mel yang sah, cth. nama@contoh.com.",
            Self::InvalidPostcode => "Sila masukkan poskod 5 digit, cth. 62550.",
            Self::InvalidState => {
                "Sila pilih salah satu daripada 13 negeri atau 3 wilayah persekutuan Malaysia."
            }
            Self::InvalidReference => {
                "Sila masukkan nombor rujukan temujanji yang sah: 10 huruf dan digit, \
                 cth. ABCDE-FGH23 (huruf O dan I serta digit 0 dan 1 tidak digunakan)."
            }
            Self::InvalidCode => "Sila masukkan kod 6 digit yang telah dihantar ke e-mel anda.",
            Self::CommonPassword => {
                "Kata laluan ini terlalu biasa. Pilih frasa yang lebih panjang dan milik anda sendiri."
            }
            Self::PasswordContainsUsername => "Kata laluan tidak boleh mengandungi nama pengguna.",
            Self::Taken => "Ini telah digunakan.",
            Self::WrongPassword => "Ini bukan kata laluan semasa anda.",
            Self::InvalidAmount => "Sila masukkan jumlah antara RM0.01 dan RM10,000.",
            Self::InvalidApprovalCode => {
                "Sila masukkan kod kelulusan 6 aksara daripada terminal kad."
            }
        };
        text.to_owned()
    }
}

/// Implements the string plumbing shared by every validated newtype: `Display`, `AsRef<str>`,
/// `FromStr`, `TryFrom<String>`, `TryFrom<&str>` and `From<T> for String`.
///
/// The type must have `fn parse(&str) -> Result<Self, ValidationError>` and `fn as_str(&self) -> &str`.
macro_rules! impl_text_type {
    ($ty:ty) => {
        impl ::std::fmt::Display for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::convert::AsRef<str> for $ty {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }

        impl ::std::str::FromStr for $ty {
            type Err = $crate::ValidationError;
            fn from_str(s: &str) -> ::std::result::Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        impl ::std::convert::TryFrom<String> for $ty {
            type Error = $crate::ValidationError;
            fn try_from(value: String) -> ::std::result::Result<Self, Self::Error> {
                Self::parse(&value)
            }
        }

        impl ::std::convert::TryFrom<&str> for $ty {
            type Error = $crate::ValidationError;
            fn try_from(value: &str) -> ::std::result::Result<Self, Self::Error> {
                Self::parse(value)
            }
        }

        impl ::std::convert::From<$ty> for String {
            fn from(value: $ty) -> String {
                value.as_str().to_owned()
            }
        }
    };
}
pub(crate) use impl_text_type;

/// Trims `input`, refusing it with [`ValidationError::Required`] if nothing is left.
pub(crate) fn required(input: &str) -> Result<&str, ValidationError> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        Err(ValidationError::Required)
    } else {
        Ok(trimmed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [ValidationError; 22] = [
        ValidationError::Required,
        ValidationError::TooShort { min: 3 },
        ValidationError::TooLong { max: 150 },
        ValidationError::InvalidCharacters,
        ValidationError::DigitsNotAllowed,
        ValidationError::InvalidFormat,
        ValidationError::InvalidDate,
        ValidationError::FutureDate,
        ValidationError::InvalidPlaceOfBirth,
        ValidationError::InvalidCountry,
        ValidationError::InvalidPhone,
        ValidationError::InvalidEmail,
        ValidationError::InvalidPostcode,
        ValidationError::InvalidState,
        ValidationError::InvalidReference,
        ValidationError::InvalidCode,
        ValidationError::CommonPassword,
        ValidationError::PasswordContainsUsername,
        ValidationError::InvalidAmount,
        ValidationError::InvalidApprovalCode,
        ValidationError::Taken,
        ValidationError::WrongPassword,
    ];

    #[test]
    fn codes_are_unique_snake_case() {
        let mut codes: Vec<_> = ALL.iter().map(|e| e.code()).collect();
        for code in &codes {
            assert!(
                code.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
                "{code}"
            );
        }
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), ALL.len());
    }

    #[test]
    fn messages_in_both_languages() {
        for error in ALL {
            let en = error.message(Lang::En);
            let ms = error.message(Lang::Ms);
            assert_eq!(en, error.to_string());
            assert!(!en.is_empty() && !ms.is_empty());
            assert_ne!(en, ms, "{error:?}");
            assert!(en.ends_with('.') && ms.ends_with('.'), "{error:?}");
            assert!(!en.contains("  ") && !ms.contains("  "), "{error:?}");
        }
    }

    #[test]
    fn examples_from_the_brief() {
        let short = ValidationError::TooShort { min: 3 };
        assert_eq!(
            short.message(Lang::En),
            "Please enter at least 3 characters."
        );
        assert_eq!(
            short.message(Lang::Ms),
            "Sila masukkan sekurang-kurangnya 3 aksara."
        );
        assert_eq!(short.code(), "too_short");
        let pob = ValidationError::InvalidPlaceOfBirth;
        assert!(pob.message(Lang::En).contains("Digits 7–8"));
        assert!(pob.message(Lang::Ms).contains("kod tempat lahir"));
    }

    #[test]
    fn required_trims() {
        assert_eq!(required("  x "), Ok("x"));
        assert_eq!(required(" \t\n"), Err(ValidationError::Required));
    }
}
