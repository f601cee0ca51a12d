//! HTML made by the server (the e-mails' HTML part, the home page's list of services).

/// Escapes text for HTML element content and quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn html_special_characters_are_escaped() {
        assert_eq!(
            escape(r#"<b>"Tom" & Jerry's</b>"#),
            "&lt;b&gt;&quot;Tom&quot; &amp; Jerry&#39;s&lt;/b&gt;"
        );
    }
}
