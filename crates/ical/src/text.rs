//! Content lines (RFC 5545 3.1): folding at 75 octets, CRLF line ends, and
//! the escaping of text, parameter and URI values.

/// The longest content line, in octets without the line break (RFC 5545 3.1).
pub(crate) const LINE_LIMIT: usize = 75;

/// Content lines being written, folded and CRLF-terminated.
#[derive(Debug, Default)]
pub(crate) struct Lines(String);

impl Lines {
    /// `BEGIN:<component>`.
    pub(crate) fn begin(&mut self, component: &str) {
        self.property("BEGIN", &[], component);
    }

    /// `END:<component>`.
    pub(crate) fn end(&mut self, component: &str) {
        self.property("END", &[], component);
    }

    /// A TEXT property, escaped.
    pub(crate) fn text(&mut self, name: &str, value: &str) {
        self.property(name, &[], &escape_text(value));
    }

    /// A property whose value is already in its wire form; parameter values
    /// are cleaned and quoted here.
    pub(crate) fn property(&mut self, name: &str, params: &[(&str, &str)], value: &str) {
        let mut line = String::from(name);
        for (key, param) in params {
            line.push(';');
            line.push_str(key);
            line.push('=');
            line.push_str(&param_value(param));
        }
        line.push(':');
        line.push_str(value);
        push_folded(&mut self.0, &line);
    }

    /// The text written so far.
    pub(crate) fn into_text(self) -> String {
        self.0
    }
}

/// Appends `line` folded at 75 octets (never inside a UTF-8 character), each
/// piece ending with CRLF and each continuation starting with a space.
pub(crate) fn push_folded(out: &mut String, line: &str) {
    let mut rest = line;
    let mut limit = LINE_LIMIT;
    while rest.len() > limit {
        let mut cut = limit;
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        let (head, tail) = rest.split_at(cut);
        out.push_str(head);
        out.push_str("\r\n ");
        rest = tail;
        limit = LINE_LIMIT - 1;
    }
    out.push_str(rest);
    out.push_str("\r\n");
}

/// A TEXT value (RFC 5545 3.3.11): backslash, semicolon, comma and line
/// breaks (CRLF, CR or LF) escaped; other control characters but tab dropped.
pub(crate) fn escape_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {
                chars.next_if_eq(&'\n');
                out.push_str("\\n");
            }
            '\t' => out.push('\t'),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A parameter value (RFC 5545 3.1): control characters dropped, double
/// quotes (which no parameter value may hold) made single, and the whole
/// quoted when it holds a colon, semicolon or comma.
pub(crate) fn param_value(value: &str) -> String {
    let clean: String = value
        .chars()
        .filter(|c| *c == '\t' || !c.is_control())
        .map(|c| if c == '"' { '\'' } else { c })
        .collect();
    if clean.contains([':', ';', ',']) {
        format!("\"{clean}\"")
    } else {
        clean
    }
}

/// A URI or CAL-ADDRESS value: taken as is but for control characters,
/// which would break the line.
pub(crate) fn uri_value(value: &str) -> String {
    value.trim().chars().filter(|c| !c.is_control()).collect()
}

/// The text when it is not blank.
pub(crate) fn present(text: Option<&str>) -> Option<&str> {
    text.filter(|t| !t.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use icalendar::parser::unfold;

    use super::*;

    #[test]
    fn carriage_returns_become_escaped_line_breaks() {
        assert_eq!(escape_text("a\r\nb\rc\nd\u{7}e\tf"), "a\\nb\\nc\\nde\tf");
    }

    #[test]
    fn folding_never_exceeds_the_limit_nor_splits_a_character() {
        for length in [74, 75, 76, 148, 149, 150, 151, 300] {
            for filler in ["x", "é", "☃", "x😀"] {
                let line: String = filler.repeat(length).chars().take(length).collect();
                let mut out = String::new();
                push_folded(&mut out, &line);
                let pieces: Vec<&str> = out.strip_suffix("\r\n").unwrap().split("\r\n").collect();
                assert!(pieces.iter().all(|p| p.len() <= LINE_LIMIT));
                assert!(pieces[1..].iter().all(|p| p.starts_with(' ')));
                assert_eq!(unfold(&out), format!("{line}\r\n"));
            }
        }
    }

    #[test]
    fn parameter_values_are_cleaned_and_quoted() {
        assert_eq!(param_value("Jane Doe"), "Jane Doe");
        assert_eq!(param_value("Doe, Jane"), "\"Doe, Jane\"");
        assert_eq!(param_value("a:b"), "\"a:b\"");
        assert_eq!(param_value("Say \"hi\"\n"), "Say 'hi'");
    }
}
