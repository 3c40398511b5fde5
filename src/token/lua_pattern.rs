//! Lua's `string.match`, because Jitsi's "regex" room claims are Lua patterns, not regexes.
//!
//! When a token has `context.room.regex = true`, Prosody matches the room name with
//! `room_node:match(auth_room)` (jitsi-meet token/util.lib.lua:371-377) and then compares the
//! *matched text* with the room. To say what Prosody says, this module re-implements the
//! matcher of Lua 5.4 (`lstrlib.c`: classes `%a %c %d %g %l %p %s %u %w %x`, sets, `* + - ?`
//! quantifiers, `^`/`$` anchors, captures, position captures, `%b`, `%f`, back-references) over
//! bytes in the C locale. Errors Lua would raise (a malformed pattern) are returned as `Err` with
//! Lua's message: in Prosody they abort the room join.

const L_ESC: u8 = b'%';
const MAX_CALLS: usize = 200;
const CAP_UNFINISHED: isize = -1;
const CAP_POSITION: isize = -2;

struct State<'a> {
    src: &'a [u8],
    pat: &'a [u8],
    depth: usize,
    captures: Vec<(usize, isize)>,
}

/// `string.match(s, pattern)`: the first capture (or the whole match when the pattern has none);
/// `Ok(None)` when it does not match. A position capture is returned as its decimal number.
pub fn lua_match(s: &str, pattern: &str) -> Result<Option<String>, String> {
    let src = s.as_bytes();
    let pat = pattern.as_bytes();
    let (anchor, pstart) = if pat.first() == Some(&b'^') {
        (true, 1)
    } else {
        (false, 0)
    };
    let mut s1 = 0;
    loop {
        let mut st = State {
            src,
            pat,
            depth: 0,
            captures: Vec::new(),
        };
        if let Some(end) = st.do_match(s1, pstart)? {
            let value = match st.captures.first() {
                None => Some(&src[s1..end]).map(|b| String::from_utf8_lossy(b).into_owned()),
                Some(&(init, len)) => {
                    if len == CAP_UNFINISHED {
                        return Err("unfinished capture".to_string());
                    } else if len == CAP_POSITION {
                        Some((init + 1).to_string())
                    } else {
                        Some(String::from_utf8_lossy(&src[init..init + len as usize]).into_owned())
                    }
                }
            };
            return Ok(value);
        }
        s1 += 1;
        if anchor || s1 > src.len() {
            return Ok(None);
        }
    }
}

impl State<'_> {
    fn p(&self, i: usize) -> u8 {
        self.pat.get(i).copied().unwrap_or(0)
    }

    fn class_end(&self, mut p: usize) -> Result<usize, String> {
        let c = self.p(p);
        p += 1;
        if c == L_ESC {
            if p >= self.pat.len() {
                return Err("malformed pattern (ends with '%')".to_string());
            }
            return Ok(p + 1);
        }
        if c == b'[' {
            if self.p(p) == b'^' {
                p += 1;
            }
            loop {
                if p >= self.pat.len() {
                    return Err("malformed pattern (missing ']')".to_string());
                }
                let cc = self.p(p);
                p += 1;
                if cc == L_ESC && p < self.pat.len() {
                    p += 1;
                }
                if self.p(p) == b']' {
                    break;
                }
            }
            return Ok(p + 1);
        }
        Ok(p)
    }

    fn single_match(&self, s: usize, p: usize, ep: usize) -> bool {
        let Some(&c) = self.src.get(s) else {
            return false;
        };
        match self.p(p) {
            b'.' => true,
            L_ESC => match_class(c, self.p(p + 1)),
            b'[' => self.match_bracket_class(c, p, ep - 1),
            pc => pc == c,
        }
    }

    /// `p` at '[', `ec` at the closing ']'.
    fn match_bracket_class(&self, c: u8, mut p: usize, ec: usize) -> bool {
        let mut sig = true;
        if self.p(p + 1) == b'^' {
            sig = false;
            p += 1;
        }
        loop {
            p += 1;
            if p >= ec {
                break;
            }
            if self.p(p) == L_ESC {
                p += 1;
                if match_class(c, self.p(p)) {
                    return sig;
                }
            } else if self.p(p + 1) == b'-' && p + 2 < ec {
                p += 2;
                if self.p(p - 2) <= c && c <= self.p(p) {
                    return sig;
                }
            } else if self.p(p) == c {
                return sig;
            }
        }
        !sig
    }

    fn do_match(&mut self, mut s: usize, mut p: usize) -> Result<Option<usize>, String> {
        self.depth += 1;
        if self.depth > MAX_CALLS {
            return Err("pattern too complex".to_string());
        }
        let result = loop {
            if p >= self.pat.len() {
                break Some(s);
            }
            match self.p(p) {
                b'(' => {
                    break if self.p(p + 1) == b')' {
                        self.start_capture(s, p + 2, CAP_POSITION)?
                    } else {
                        self.start_capture(s, p + 1, CAP_UNFINISHED)?
                    };
                }
                b')' => break self.end_capture(s, p + 1)?,
                b'$' if p + 1 == self.pat.len() => {
                    break (s == self.src.len()).then_some(s);
                }
                L_ESC if self.p(p + 1) == b'b' => match self.match_balance(s, p + 2)? {
                    Some(ns) => {
                        s = ns;
                        p += 4;
                        continue;
                    }
                    None => break None,
                },
                L_ESC if self.p(p + 1) == b'f' => {
                    p += 2;
                    if self.p(p) != b'[' {
                        return Err("missing '[' after '%f' in pattern".to_string());
                    }
                    let ep = self.class_end(p)?;
                    let previous = if s == 0 { 0 } else { self.src[s - 1] };
                    let current = self.src.get(s).copied().unwrap_or(0);
                    if !self.match_bracket_class(previous, p, ep - 1)
                        && self.match_bracket_class(current, p, ep - 1)
                    {
                        p = ep;
                        continue;
                    }
                    break None;
                }
                L_ESC if self.p(p + 1).is_ascii_digit() => {
                    match self.match_capture(s, self.p(p + 1))? {
                        Some(ns) => {
                            s = ns;
                            p += 2;
                            continue;
                        }
                        None => break None,
                    }
                }
                _ => {
                    let ep = self.class_end(p)?;
                    let epc = self.p(ep);
                    if !self.single_match(s, p, ep) {
                        if ep < self.pat.len() && matches!(epc, b'*' | b'?' | b'-') {
                            p = ep + 1;
                            continue;
                        }
                        break None;
                    }
                    match epc {
                        b'?' if ep < self.pat.len() => {
                            if let Some(r) = self.do_match(s + 1, ep + 1)? {
                                break Some(r);
                            }
                            p = ep + 1;
                            continue;
                        }
                        b'+' if ep < self.pat.len() => break self.max_expand(s + 1, p, ep)?,
                        b'*' if ep < self.pat.len() => break self.max_expand(s, p, ep)?,
                        b'-' if ep < self.pat.len() => break self.min_expand(s, p, ep)?,
                        _ => {
                            s += 1;
                            p = ep;
                            continue;
                        }
                    }
                }
            }
        };
        self.depth -= 1;
        Ok(result)
    }

    fn max_expand(&mut self, s: usize, p: usize, ep: usize) -> Result<Option<usize>, String> {
        let mut i = 0;
        while self.single_match(s + i, p, ep) {
            i += 1;
        }
        loop {
            if let Some(r) = self.do_match(s + i, ep + 1)? {
                return Ok(Some(r));
            }
            if i == 0 {
                return Ok(None);
            }
            i -= 1;
        }
    }

    fn min_expand(&mut self, mut s: usize, p: usize, ep: usize) -> Result<Option<usize>, String> {
        loop {
            if let Some(r) = self.do_match(s, ep + 1)? {
                return Ok(Some(r));
            }
            if self.single_match(s, p, ep) {
                s += 1;
            } else {
                return Ok(None);
            }
        }
    }

    fn start_capture(&mut self, s: usize, p: usize, what: isize) -> Result<Option<usize>, String> {
        self.captures.push((s, what));
        let r = self.do_match(s, p)?;
        if r.is_none() {
            self.captures.pop();
        }
        Ok(r)
    }

    fn end_capture(&mut self, s: usize, p: usize) -> Result<Option<usize>, String> {
        let l = self
            .captures
            .iter()
            .rposition(|&(_, len)| len == CAP_UNFINISHED)
            .ok_or_else(|| "invalid pattern capture".to_string())?;
        self.captures[l].1 = (s - self.captures[l].0) as isize;
        let r = self.do_match(s, p)?;
        if r.is_none() {
            self.captures[l].1 = CAP_UNFINISHED;
        }
        Ok(r)
    }

    fn match_balance(&self, s: usize, p: usize) -> Result<Option<usize>, String> {
        if p + 1 >= self.pat.len() {
            return Err("malformed pattern (missing arguments to '%b')".to_string());
        }
        let (b, e) = (self.p(p), self.p(p + 1));
        if self.src.get(s) != Some(&b) {
            return Ok(None);
        }
        let mut cont = 1;
        let mut i = s + 1;
        while i < self.src.len() {
            let c = self.src[i];
            if c == e {
                cont -= 1;
                if cont == 0 {
                    return Ok(Some(i + 1));
                }
            } else if c == b {
                cont += 1;
            }
            i += 1;
        }
        Ok(None)
    }

    fn match_capture(&self, s: usize, digit: u8) -> Result<Option<usize>, String> {
        let l = (digit as isize) - (b'1' as isize);
        if l < 0
            || l as usize >= self.captures.len()
            || self.captures[l as usize].1 == CAP_UNFINISHED
        {
            return Err(format!("invalid capture index %{}", digit as char));
        }
        let (init, len) = self.captures[l as usize];
        if len == CAP_POSITION {
            // Lua compares against a huge unsigned length: a position never matches.
            return Ok(None);
        }
        let len = len as usize;
        if self.src.len() - s >= len && self.src[init..init + len] == self.src[s..s + len] {
            Ok(Some(s + len))
        } else {
            Ok(None)
        }
    }
}

fn match_class(c: u8, cl: u8) -> bool {
    let res = match cl.to_ascii_lowercase() {
        b'a' => c.is_ascii_alphabetic(),
        b'c' => c < 32 || c == 127,
        b'd' => c.is_ascii_digit(),
        b'g' => c.is_ascii_graphic(),
        b'l' => c.is_ascii_lowercase(),
        b'p' => c.is_ascii_punctuation(),
        b's' => matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r'),
        b'u' => c.is_ascii_uppercase(),
        b'w' => c.is_ascii_alphanumeric(),
        b'x' => c.is_ascii_hexdigit(),
        _ => return cl == c,
    };
    if cl.is_ascii_uppercase() { !res } else { res }
}

#[cfg(test)]
mod tests {
    use super::lua_match;

    /// Cases checked against Lua 5.4's `string.match`; [`same_as_real_lua`] re-checks them
    /// against `lua5.4` where one is installed.
    const CASES: &[(&str, &str, Option<&str>)] = &[
        ("testroom", "^test.*", Some("testroom")),
        ("mytestroom", "test", Some("test")),
        ("mytestroom", "^test", None),
        ("room-1", "room%-%d", Some("room-1")),
        ("room-1", "^room%-%d$", Some("room-1")),
        ("room-12", "^room%-%d$", None),
        ("abc", "[a-b]+", Some("ab")),
        ("abc", "[^a]+", Some("bc")),
        ("a]b", "[]]", Some("]")),
        ("sales-room", "^(sales)%-", Some("sales")),
        ("xyz", "()y", Some("2")),
        ("f(a(b)c)d", "%b()", Some("(a(b)c)")),
        ("THE (quick) fox", "%f[%a]%a+", Some("THE")),
        ("aa-aa", "(a+)%-%1", Some("aa")),
        ("aaa", "a-b", None),
        ("aaab", "a-b", Some("aaab")),
        ("", "x*", Some("")),
        ("room", ".?.?", Some("ro")),
        ("a.b", "%.", Some(".")),
        ("Ab1 _", "%w+", Some("Ab1")),
        ("Ab1 _", "%W", Some(" ")),
        ("xx", "()%1", None),
    ];

    #[test]
    fn matches_like_lua() {
        for (s, p, want) in CASES {
            assert_eq!(
                lua_match(s, p).unwrap().as_deref(),
                *want,
                "string.match({s:?}, {p:?})"
            );
        }
    }

    #[test]
    fn malformed_patterns_are_errors() {
        for p in ["room%", "[abc", "(r", "r)", "%1", "%f"] {
            assert!(lua_match("room", p).is_err(), "{p:?} should be an error");
        }
    }

    /// The same cases through a real Lua, when `lua5.4` is on PATH (Debian package `lua5.4`).
    #[test]
    fn same_as_real_lua() {
        let script = "local ok, r = pcall(string.match, arg[1], arg[2]) \
                      if not ok then print('ERR') elseif r == nil then print('<nil>') \
                      else print(tostring(r)) end";
        for (s, p, want) in CASES {
            use std::io::Write;
            use std::process::{Command, Stdio};
            // `lua5.4 - ARGS` reads the script from stdin and passes ARGS as `arg`.
            let child = Command::new("lua5.4")
                .args(["-", s, p])
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn();
            let Ok(mut child) = child else {
                eprintln!("NOTE: lua5.4 not installed; Lua pattern cross-check skipped");
                return;
            };
            child
                .stdin
                .take()
                .unwrap()
                .write_all(script.as_bytes())
                .unwrap();
            let out = child.wait_with_output().unwrap();
            let got = String::from_utf8_lossy(&out.stdout);
            let got = got.strip_suffix('\n').unwrap_or(&got);
            assert_eq!(
                got,
                want.unwrap_or("<nil>"),
                "lua5.4 string.match({s:?}, {p:?})"
            );
        }
    }
}
