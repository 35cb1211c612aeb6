//! Name patterns of check rules: `*` is any run of characters (none included), `?` one
//! character, everything else itself. A pattern matches the whole name, case-sensitively
//! (a Backstage catalog's, case-insensitively: entity names are).

use std::fmt;

/// A name pattern with `*` and `?`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Glob {
    text: String,
    fold_case: bool,
}

impl Glob {
    /// A pattern that compares letters exactly.
    pub fn new(text: &str) -> Self {
        Glob {
            text: text.to_owned(),
            fold_case: false,
        }
    }

    /// A pattern with no wildcards (`*` and `?` are themselves) that ignores case.
    pub(crate) fn literal_any_case(text: &str) -> Self {
        Glob {
            text: text.to_lowercase(),
            fold_case: true,
        }
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether `name` matches the whole pattern.
    pub fn matches(&self, name: &str) -> bool {
        if self.fold_case {
            return name.to_lowercase() == self.text;
        }
        let pattern: Vec<char> = self.text.chars().collect();
        let name: Vec<char> = name.chars().collect();
        // Iterative matching with one backtrack point (the last `*`): linear in practice,
        // and never exponential whatever the pattern.
        let (mut p, mut n) = (0, 0);
        let mut star: Option<(usize, usize)> = None;
        while n < name.len() {
            match pattern.get(p) {
                Some('*') => {
                    star = Some((p, n));
                    p += 1;
                }
                Some(&c) if c == '?' || c == name[n] => {
                    p += 1;
                    n += 1;
                }
                _ => match star {
                    Some((sp, sn)) => {
                        p = sp + 1;
                        n = sn + 1;
                        star = Some((sp, sn + 1));
                    }
                    None => return false,
                },
            }
        }
        pattern[p..].iter().all(|&c| c == '*')
    }
}

impl fmt::Display for Glob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::Glob;

    #[test]
    fn stars_and_question_marks() {
        let cases = [
            ("*", "", true),
            ("*", "anything", true),
            ("cart", "cart", true),
            ("cart", "carts", false),
            ("cart*", "cartservice", true),
            ("*-db", "orders-db", true),
            ("*-db", "orders-dbx", false),
            ("a*b*c", "a-b-b-c", true),
            ("a*b*c", "a-b-b-", false),
            ("?at", "cat", true),
            ("?at", "at", false),
            ("Cart", "cart", false),
            ("*é*", "café", true),
        ];
        for (pattern, name, expected) in cases {
            assert_eq!(
                Glob::new(pattern).matches(name),
                expected,
                "{pattern} {name}"
            );
        }
    }

    #[test]
    fn catalog_names_ignore_case_and_have_no_wildcards() {
        let g = Glob::literal_any_case("Cart*");
        assert!(g.matches("cart*") && g.matches("CART*") && !g.matches("cartservice"));
    }

    #[test]
    fn long_names_and_many_stars_stay_fast() {
        let name = "a".repeat(10_000);
        let pattern = format!("{}b", "*a".repeat(50));
        assert!(!Glob::new(&pattern).matches(&name));
    }
}
