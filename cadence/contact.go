package cadence

import (
	"fmt"
	"net/url"
	"strings"
	"unicode"
)

// NormalizeEmail returns an email address trimmed and in lower case, after a basic check: one @,
// something before it, a domain with a dot that neither starts nor ends the domain, no spaces or
// control characters, no invisible format characters (bidirectional controls such as U+202E,
// zero-width marks), at most 254 characters. It does not try to be RFC 5322: it catches typing
// mistakes. It returns a coded EINVALID error such as `"dana@" is not an email address`.
func NormalizeEmail(s string) (string, error) {
	e := strings.ToLower(strings.TrimSpace(s))
	bad := Errorf(EINVALID, "%q is not an email address", s)
	local, domain, ok := strings.Cut(e, "@")
	if !ok || local == "" || domain == "" || strings.Contains(domain, "@") || len(e) > 254 {
		return "", bad
	}
	if !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") ||
		strings.Contains(domain, "..") || strings.HasPrefix(local, ".") || strings.HasSuffix(local, ".") {
		return "", bad
	}
	for _, r := range e {
		if unicode.Is(unicode.Cf, r) {
			return "", Errorf(EINVALID, "%q is not an email address: it contains the invisible character %U (text-direction or zero-width marks can make an address read differently from what it is)", s, r)
		}
		if unicode.IsSpace(r) || unicode.IsControl(r) || strings.ContainsRune(`<>()[]\,;:"`, r) {
			return "", bad
		}
	}
	return e, nil
}

// NormalizePhone returns a phone number as digits with a leading + when it had one ("00" as an
// international prefix becomes "+"): "+1 (415) 555-0123" is "+14155550123". Spaces, dots,
// dashes, slashes and parentheses are dropped; 7 to 15 digits are required (E.164 has at most 15).
// It returns a coded EINVALID error such as `"call me" is not a phone number`.
func NormalizePhone(s string) (string, error) {
	t := strings.TrimSpace(s)
	bad := Errorf(EINVALID, "%q is not a phone number", s)
	plus := false
	if strings.HasPrefix(t, "+") {
		plus, t = true, t[1:]
	}
	var digits strings.Builder
	for _, r := range t {
		switch {
		case r >= '0' && r <= '9':
			digits.WriteRune(r)
		case strings.ContainsRune(" .-/()\u00a0", r):
		default:
			return "", bad
		}
	}
	d := digits.String()
	if !plus && strings.HasPrefix(d, "00") {
		plus, d = true, d[2:]
	}
	if len(d) < 7 || len(d) > 15 {
		return "", bad
	}
	if plus {
		return "+" + d, nil
	}
	return d, nil
}

// NormalizeLinkedIn returns a LinkedIn profile URL in one form, https://www.linkedin.com/in/<slug>
// with the slug in lower case, from any of "linkedin.com/in/dana-lee", "www.linkedin.com/in/dana-lee/",
// "https://uk.linkedin.com/in/Dana-Lee?trk=x" and the like (with or without scheme or www, any
// country subdomain, query, fragment or trailing slash). It returns a coded EINVALID error for
// anything that is not a profile URL (a company page, another site, an empty slug).
func NormalizeLinkedIn(s string) (string, error) {
	t := strings.TrimSpace(s)
	bad := Errorf(EINVALID, "%q is not a LinkedIn profile URL (like https://www.linkedin.com/in/dana-lee)", s)
	if !strings.Contains(t, "://") {
		t = "https://" + t
	}
	u, err := url.Parse(t)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.User != nil || u.Port() != "" {
		return "", bad
	}
	host := strings.ToLower(u.Hostname())
	if host != "linkedin.com" && !strings.HasSuffix(host, ".linkedin.com") {
		return "", bad
	}
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	if len(parts) != 2 || parts[0] != "in" || parts[1] == "" || len(parts[1]) > 100 {
		return "", bad
	}
	slug := strings.ToLower(parts[1])
	for _, r := range slug {
		if !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_' || r == '.') {
			return "", bad
		}
	}
	return "https://www.linkedin.com/in/" + url.PathEscape(slug), nil
}

// Label names the contact for people: the name, else whatever identifies them (email, phone,
// LinkedIn URL), else "contact N".
func (ct Contact) Label() string {
	for _, s := range []string{ct.Name, ct.Email, ct.Phone, ct.LinkedIn} {
		if s != "" {
			return s
		}
	}
	return fmt.Sprintf("contact %d", ct.ID)
}

// Handle returns the address to use for the contact on a channel: the email for email, the phone
// number for phone and SMS, the LinkedIn URL for LinkedIn; "" for in person and when the contact
// has no such address.
func (ct Contact) Handle(ch Channel) string {
	switch ch {
	case ChannelEmail:
		return ct.Email
	case ChannelPhone, ChannelSMS:
		return ct.Phone
	case ChannelLinkedIn:
		return ct.LinkedIn
	}
	return ""
}
