//! The legacy query language of `GET /chatmessages?ql=...` (SPEC §4): exactly one
//! comparison of `timestamp` with a number, `select * where timestamp>N` or `<N`.
//!
//! Lenient about spelling (any case, any spacing: the query string may encode spaces as
//! `+` or `%20`), strict about meaning: `and`/`or`, other fields, other operators and
//! anything else are refused with a message that says which rule was broken.

/// The one condition a ql query may state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    /// `timestamp>N`: sent strictly after N (milliseconds).
    After(i64),
    /// `timestamp<N`: sent strictly before N.
    Before(i64),
}

const SHAPE: &str = "ql must be `select * where timestamp>N` or `select * where timestamp<N`";

#[derive(Debug, PartialEq, Eq)]
enum Token<'a> {
    Word(&'a str),
    Number(&'a str),
    Operator(&'a str),
    Star,
    Other(char),
}

impl Comparison {
    pub fn parse(ql: &str) -> Result<Comparison, String> {
        let tokens = tokenize(ql);
        let is_word = |token: &Token, word: &str| matches!(token, Token::Word(w) if w.eq_ignore_ascii_case(word));
        if tokens.iter().any(|t| is_word(t, "and") || is_word(t, "or")) {
            return Err(format!(
                "ql cannot combine conditions with and/or; {SHAPE} (one comparison)"
            ));
        }
        let [select, Token::Star, where_, Token::Word(field), Token::Operator(op), Token::Number(n)] =
            tokens.as_slice()
        else {
            return Err(format!("{SHAPE}, got `{ql}`"));
        };
        if !is_word(select, "select") || !is_word(where_, "where") {
            return Err(format!("{SHAPE}, got `{ql}`"));
        }
        if !field.eq_ignore_ascii_case("timestamp") {
            return Err(format!("ql can only compare the timestamp field, not `{field}`"));
        }
        let n: i64 = n
            .parse()
            .map_err(|_| format!("ql: `{n}` is not a timestamp in milliseconds"))?;
        match *op {
            ">" => Ok(Comparison::After(n)),
            "<" => Ok(Comparison::Before(n)),
            _ => Err(format!("ql supports only the > and < operators, not `{op}`")),
        }
    }
}

fn tokenize(text: &str) -> Vec<Token<'_>> {
    let mut tokens = Vec::new();
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        let take_while = |pred: fn(char) -> bool| rest.find(|c: char| !pred(c)).unwrap_or(rest.len());
        let (token, len) = match c {
            c if c.is_whitespace() => (None, c.len_utf8()),
            '*' => (Some(Token::Star), 1),
            c if c.is_ascii_alphabetic() || c == '_' => {
                let len = take_while(|c| c.is_ascii_alphanumeric() || c == '_');
                (Some(Token::Word(&rest[..len])), len)
            }
            c if c.is_ascii_digit() || c == '-' => {
                // Signs inside are kept so that `1-2` is refused as a number, not re-split.
                let len = take_while(|c| c.is_ascii_digit() || c == '-');
                (Some(Token::Number(&rest[..len])), len)
            }
            '<' | '>' | '=' | '!' => {
                let len = take_while(|c| matches!(c, '<' | '>' | '=' | '!'));
                (Some(Token::Operator(&rest[..len])), len)
            }
            other => (Some(Token::Other(other)), other.len_utf8()),
        };
        tokens.extend(token);
        rest = &rest[len..];
    }
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spelling_is_free() {
        for ql in [
            "select * where timestamp>1403164734226",
            "SELECT * WHERE TIMESTAMP > 1403164734226",
            "  select   *   where\ttimestamp >1403164734226  ",
            "Select * Where timeStamp> 1403164734226",
        ] {
            assert_eq!(Comparison::parse(ql), Ok(Comparison::After(1_403_164_734_226)), "{ql}");
        }
        assert_eq!(
            Comparison::parse("select * where timestamp<5"),
            Ok(Comparison::Before(5))
        );
        assert_eq!(
            Comparison::parse("select * where timestamp>-5"),
            Ok(Comparison::After(-5))
        );
    }

    #[test]
    fn meaning_is_strict() {
        let cases = [
            ("select * where timestamp<1 and timestamp>0", "and/or"),
            ("select * where timestamp<1 OR timestamp>0", "and/or"),
            ("select * where created>1", "timestamp field"),
            ("select * where timestamp>=1", "operators"),
            ("select * where timestamp=1", "operators"),
            ("select * where timestamp!=1", "operators"),
            ("select * where timestamp<>1", "operators"),
            ("select * where timestamp>", "ql must be"),
            ("select * where timestamp>x", "ql must be"),
            ("select msg_id where timestamp>1", "ql must be"),
            ("select * where timestamp>1 order by timestamp desc", "ql must be"),
            ("select * from x where timestamp>1", "ql must be"),
            ("select * where timestamp>'1'", "ql must be"),
            ("select * where timestamp>99999999999999999999", "not a timestamp"),
            ("select * where timestamp>1-2", "not a timestamp"),
            ("", "ql must be"),
            ("时间>1", "ql must be"),
        ];
        for (ql, why) in cases {
            let err = Comparison::parse(ql).unwrap_err();
            assert!(err.contains(why), "{ql}: {err}");
        }
    }
}
