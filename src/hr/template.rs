//! `[hr] email_template`: the email of exports that have no email column.
//!
//! The template has two placeholders:
//! - `{first}`: the first word of the first name (a middle name or initial is dropped);
//! - `{last}`: the whole last name without spaces, apostrophes or hyphens.
//!
//! Both are transliterated to ASCII with `deunicode` (`Kovács` → `kovacs`) and
//! lower-cased. So with `name_order = "last_comma_first"`, `"Adinolfi, Wilson  K"` and the
//! template `{first}.{last}@example.com` give `wilson.adinolfi@example.com`, and
//! `"Ait Sidi, Karthikeyan"` gives `karthikeyan.aitsidi@example.com`.
//!
//! A part that comes out empty, or that holds a character other than `a-z`, `0-9`, `.`,
//! `_`, `-` or `'` (a transliteration placeholder such as `[?]`, a symbol), is an error
//! rather than a guessed address; so is a result [`Email::parse`] refuses.

use crate::email::{Email, EmailError};

/// Why a template could not build an address for a row.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    /// The template uses `{first}` and the first name is empty.
    #[error("the template needs {{first}} and the first name is empty")]
    EmptyFirst,
    /// The template uses `{last}` and the last name is empty.
    #[error("the template needs {{last}} and the last name is empty")]
    EmptyLast,
    /// A part holds a character that does not belong in an address.
    #[error(
        "{{{placeholder}}} would be {}, which has {bad:?}; only a-z 0-9 . _ - ' are used",
        crate::quote::quoted(.value)
    )]
    Character {
        /// `first` or `last`.
        placeholder: &'static str,
        /// The part after transliteration.
        value: String,
        /// The first character that is not allowed.
        bad: char,
    },
    /// The filled-in template is not an address PagerDuty accepts.
    #[error("it gives an invalid address: {0}")]
    Invalid(EmailError),
}

/// `{first}`: the first whitespace-separated word of `first_name`, transliterated to ASCII,
/// lower-cased, with any whitespace the transliteration introduced removed.
pub fn first_part(first_name: &str) -> String {
    let word = first_name.split_whitespace().next().unwrap_or("");
    fold(word, |_| false)
}

/// `{last}`: `last_name` transliterated to ASCII, lower-cased, without spaces, apostrophes
/// (`'`, and `’`, which transliterates to `'`) or hyphens.
pub fn last_part(last_name: &str) -> String {
    fold(last_name, |c| c == '\'' || c == '-')
}

fn fold(s: &str, drop: impl Fn(char) -> bool) -> String {
    deunicode::deunicode(s)
        .chars()
        .filter(|c| !c.is_whitespace() && !drop(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

fn allowed(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-' | '\'')
}

/// Fills `template` with the parts of `first_name` and `last_name` and validates the
/// result with [`Email::parse`].
///
/// # Errors
/// [`TemplateError`] when a placeholder the template uses has an empty or unusable value,
/// or the result is not an address PagerDuty accepts.
pub fn render(template: &str, first_name: &str, last_name: &str) -> Result<Email, TemplateError> {
    let mut out = template.to_string();
    for (placeholder, value, empty) in [
        ("first", first_part(first_name), TemplateError::EmptyFirst),
        ("last", last_part(last_name), TemplateError::EmptyLast),
    ] {
        let token = format!("{{{placeholder}}}");
        if !template.contains(&token) {
            continue;
        }
        if value.is_empty() {
            return Err(empty);
        }
        if let Some(bad) = value.chars().find(|c| !allowed(*c)) {
            return Err(TemplateError::Character {
                placeholder,
                value,
                bad,
            });
        }
        out = out.replace(&token, &value);
    }
    Email::parse(&out).map_err(TemplateError::Invalid)
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: &str = "{first}.{last}@example.com";

    #[test]
    fn first_word_and_joined_last_name_lower_cased() {
        assert_eq!(
            render(T, "Wilson  K", "Adinolfi").unwrap().as_str(),
            "wilson.adinolfi@example.com"
        );
        assert_eq!(
            render(T, "Karthikeyan", "Ait Sidi").unwrap().as_str(),
            "karthikeyan.aitsidi@example.com"
        );
        assert_eq!(
            render(T, "Mary", "O’Brien-Smith").unwrap().as_str(),
            "mary.obriensmith@example.com"
        );
    }

    #[test]
    fn diacritics_are_removed() {
        assert_eq!(
            render(T, "János", "Kovács").unwrap().as_str(),
            "janos.kovacs@example.com"
        );
        assert_eq!(first_part("Zoë Ann"), "zoe");
        assert_eq!(last_part("Müller-Lüdenscheidt"), "mullerludenscheidt");
    }

    #[test]
    fn missing_or_unusable_parts_are_errors() {
        assert_eq!(render(T, "", "Doe"), Err(TemplateError::EmptyFirst));
        assert_eq!(render(T, "Jane", "  "), Err(TemplateError::EmptyLast));
        // Only the placeholders the template uses matter.
        assert_eq!(
            render("{last}@example.com", "", "Doe").unwrap().as_str(),
            "doe@example.com"
        );
        assert!(matches!(
            render(T, "Jane", "Doe (Contractor)"),
            Err(TemplateError::Character { bad: '(', .. })
        ));
        let long = "x".repeat(95);
        assert!(matches!(
            render(T, "Jane", &long),
            Err(TemplateError::Invalid(EmailError::Length(_, _)))
        ));
    }
}
