//! Jitsi Meet's `config.js` as the browser reads it: `config.hosts.*`, whether the file sets them
//! in the `var config = { hosts: { ... } }` literal (the Debian package) or with
//! `config.hosts.x = ...;` statements (docker-jitsi-meet).

use crate::document::js::{Assignment, Comment, Document, Object, Property, Value};
use crate::document::text;

/// A parsed config.js.
#[derive(Debug, Clone)]
pub struct MeetConfig {
    pub doc: Document,
}

/// Where the effective value of a `config.hosts` key comes from.
#[derive(Debug, Clone, Copy)]
pub enum HostsEntry<'a> {
    /// A property of the `hosts` object literal.
    Property(&'a Property),
    /// A `config.hosts.KEY = value;` statement after the literal.
    Statement(&'a Assignment),
}

impl<'a> HostsEntry<'a> {
    pub fn value(&self) -> &'a Value {
        match self {
            HostsEntry::Property(p) => &p.value,
            HostsEntry::Statement(a) => &a.value,
        }
    }

    /// Where to point a reader: the value.
    pub fn offset(&self) -> usize {
        self.value().span.start
    }
}

impl MeetConfig {
    pub fn parse(source: &str) -> Result<Self, crate::document::SyntaxError> {
        Ok(MeetConfig {
            doc: crate::document::js::parse(source)?,
        })
    }

    pub fn source(&self) -> &str {
        self.doc.source()
    }

    /// The `hosts` object literal inside `var config = {...}`.
    pub fn hosts_object(&self) -> Option<&Object> {
        self.doc.object_at("config", &["hosts"])
    }

    /// Top-level `config.hosts.*` statements (docker-jitsi-meet style), in order.
    pub fn hosts_statements(&self) -> impl Iterator<Item = &Assignment> {
        self.doc.assignments().iter().filter(|a| {
            !a.nested && a.target.len() == 3 && a.target[0] == "config" && a.target[1] == "hosts"
        })
    }

    /// The effective `config.hosts.KEY`: the last top-level statement, else the literal's
    /// property.
    pub fn hosts_entry(&self, key: &str) -> Option<HostsEntry<'_>> {
        self.hosts_statements()
            .filter(|a| a.target[2] == key)
            .last()
            .map(HostsEntry::Statement)
            .or_else(|| {
                self.hosts_object()
                    .and_then(|o| o.property(key))
                    .map(HostsEntry::Property)
            })
    }

    /// The string value of `config.hosts.KEY`, when it is a plain string.
    pub fn hosts_str(&self, key: &str) -> Option<&str> {
        self.hosts_entry(key)
            .and_then(|e| self.plain_str(e.value()))
    }

    /// The text of a string literal, unless a server-side include directive sits inside it
    /// (`'conference.<!--# echo var="subdomain" default="" -->meet.jitsi'`): what the browser
    /// gets is only known once nginx serves the file.
    pub fn plain_str<'a>(&self, value: &'a Value) -> Option<&'a str> {
        let inside =
            |r: &std::ops::Range<usize>| r.start < value.span.end && value.span.start < r.end;
        if self.doc.ssi_directives().iter().any(inside) {
            return None;
        }
        value.as_str()
    }

    /// A commented-out `// KEY: '...',` line inside the hosts literal (the stock template).
    /// Only a comment that starts its line: one after code (`muc: 'x' // anonymousdomain: 'g'`
    /// with the comma on the next line) is a remark, and uncommenting it in place would put the
    /// property before the separator of the one it follows.
    pub fn commented_hosts_property(&self, key: &str) -> Option<&Comment> {
        let hosts = self.hosts_object()?;
        // Between hosts' own properties: one inside a property's value (a nested object) is
        // not a property of hosts, and one before a property's comma (`oma` + line break +
        // `// anonymousdomain: 'g',` + line break + `,`) would precede that separator.
        let properties = || {
            hosts
                .properties
                .iter()
                .map(|p| p.span.start..p.comma.as_ref().map_or(p.span.end, |c| c.start))
        };
        self.doc.comments_in(hosts.span.clone()).find(|c| {
            !c.block
                && is_commented_property(&c.text, key)
                && text::own_line_between(self.source(), c.span.start, properties())
        })
    }
}

/// `text` is ` KEY: 'value',` (a property that was commented out), quotes of either kind.
fn is_commented_property(text: &str, key: &str) -> bool {
    let Some(rest) = text.trim().strip_prefix(key) else {
        return false;
    };
    let Some(rest) = rest.trim_start().strip_prefix(':') else {
        return false;
    };
    let rest = rest.trim().trim_end_matches(',').trim_end();
    let quoted = |q: char| {
        rest.len() >= 2
            && rest.starts_with(q)
            && rest.ends_with(q)
            && !rest[1..rest.len() - 1].contains([q, '\\'])
    };
    quoted('\'') || quoted('"')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_override_the_literal() {
        let cfg = MeetConfig::parse(
            "var config = { hosts: { domain: 'a',\n// anonymousdomain: 'g.a',\n } };\n\
             config.hosts.domain = 'b';\n",
        )
        .unwrap();
        assert_eq!(cfg.hosts_str("domain"), Some("b"));
        assert!(cfg.commented_hosts_property("anonymousdomain").is_some());
        assert!(cfg.commented_hosts_property("domain").is_none());
    }

    #[test]
    fn a_string_with_a_server_side_include_is_not_plain() {
        let cfg = MeetConfig::parse(
            "var config = { hosts: { domain: 'a' } };\n\
             config.hosts.muc = 'conference.<!--# echo var=\"subdomain\" default=\"\" -->a';\n",
        )
        .unwrap();
        assert_eq!(cfg.hosts_str("domain"), Some("a"));
        assert_eq!(cfg.hosts_str("muc"), None);
    }

    #[test]
    fn recognises_commented_properties() {
        assert!(is_commented_property(
            " anonymousdomain: 'guest.example.com',",
            "anonymousdomain"
        ));
        assert!(is_commented_property(
            "anonymousdomain : \"x\"",
            "anonymousdomain"
        ));
        assert!(!is_commented_property(
            " anonymousdomain is for guests",
            "anonymousdomain"
        ));
        assert!(!is_commented_property(
            " anonymousdomainx: 'a'",
            "anonymousdomain"
        ));
    }

    /// Regression (issue 6, found by tests/fuzz.rs): a commented-out anonymousdomain inside an
    /// object nested in hosts was uncommented there, and hosts still had none.
    #[test]
    fn a_commented_property_of_a_nested_object_is_not_hosts_own() {
        let nested = MeetConfig::parse(
            "var config = {\n  hosts: {\n    p2p: {\n      // anonymousdomain: 'x',\n    },\n  },\n};\n",
        )
        .unwrap();
        assert!(nested.commented_hosts_property("anonymousdomain").is_none());
        let own = MeetConfig::parse(
            "var config = {\n  hosts: {\n    p2p: {},\n    // anonymousdomain: 'x',\n  },\n};\n",
        )
        .unwrap();
        assert!(own.commented_hosts_property("anonymousdomain").is_some());
    }

    /// Regression (issue 6, found by the long fuzz round): a commented-out property after
    /// code on its line, or between a property and its comma, was uncommented in place and the
    /// result did not parse (install's own verification refused it).
    #[test]
    fn a_commented_property_before_a_comma_or_after_code_is_not_a_line() {
        for src in [
            "var config = {\n  hosts: {\n    muc: 'c.a' // anonymousdomain: 'g.a',\n    ,\n  },\n};\n",
            "var config = {\n  hosts: {\n    oma\n    // anonymousdomain: 'g.a',\n    ,\n  },\n};\n",
            "var config = {\n  hosts: {\n    muc: 'c.a' // anonymousdomain: 'g.a',\n  },\n};\n",
        ] {
            let cfg = MeetConfig::parse(src).unwrap();
            assert!(
                cfg.commented_hosts_property("anonymousdomain").is_none(),
                "{src}"
            );
        }
    }
}
