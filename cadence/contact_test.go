package cadence

import (
	"strings"
	"testing"
)

func TestNormalizeEmail(t *testing.T) {
	good := map[string]string{
		" Dana.Lee@Example.COM ":  "dana.lee@example.com",
		"a+tag@sub.example.co.uk": "a+tag@sub.example.co.uk",
	}
	for in, want := range good {
		if got, err := NormalizeEmail(in); err != nil || got != want {
			t.Errorf("NormalizeEmail(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "dana@", "@example.com", "dana", "dana@example", "dana@@example.com", "da na@example.com",
		"dana@example.com.", "dana@.example.com", "dana@exa..mple.com", "Dana <dana@example.com>"} {
		_, err := NormalizeEmail(in)
		wantCode(t, err, EINVALID)
	}
	_, err := NormalizeEmail("dana@")
	if ErrorMessage(err) != `"dana@" is not an email address` {
		t.Errorf("message = %q", ErrorMessage(err))
	}
}

func TestNormalizeEmailRefusesInvisibleCharacters(t *testing.T) {
	for in, char := range map[string]string{
		"jane\u202Egnp.exe@acme.com": "U+202E", // right-to-left override: displays as "janeexe.png@acme.com"-like text
		"jane@acme\u202D.com":        "U+202D",
		"\u2066jane@acme.com\u2069":  "U+2066",
		"ja\u200Bne@acme.com":        "U+200B",
		"jane\u200F@acme.com":        "U+200F",
		"\uFEFFjane@acme.com":        "U+FEFF",
	} {
		_, err := NormalizeEmail(in)
		wantCode(t, err, EINVALID)
		if msg := ErrorMessage(err); !strings.Contains(msg, "invisible character "+char) {
			t.Errorf("NormalizeEmail(%q) message = %q; want it to name %s", in, msg, char)
		}
	}
}

func TestNormalizePhone(t *testing.T) {
	good := map[string]string{
		"+1 (415) 555-0123": "+14155550123",
		"0049 30 1234567":   "+49301234567",
		"030/123 4567":      "0301234567",
		"415.555.0123":      "4155550123",
	}
	for in, want := range good {
		if got, err := NormalizePhone(in); err != nil || got != want {
			t.Errorf("NormalizePhone(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "call me", "12345", "+1234567890123456", "555-CALL-NOW", "++14155550123"} {
		_, err := NormalizePhone(in)
		wantCode(t, err, EINVALID)
	}
}

func TestNormalizeLinkedIn(t *testing.T) {
	const want = "https://www.linkedin.com/in/dana-lee"
	for _, in := range []string{
		"linkedin.com/in/dana-lee", "www.linkedin.com/in/dana-lee/", "https://www.linkedin.com/in/Dana-Lee",
		"http://linkedin.com/in/dana-lee?trk=abc", "https://uk.linkedin.com/in/dana-lee#about", " https://www.linkedin.com/in/dana-lee/ ",
	} {
		if got, err := NormalizeLinkedIn(in); err != nil || got != want {
			t.Errorf("NormalizeLinkedIn(%q) = %q, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "dana-lee", "https://www.linkedin.com/company/acme", "https://www.linkedin.com/in/",
		"https://evil.com/in/dana-lee", "https://linkedin.com.evil.com/in/dana", "ftp://linkedin.com/in/dana", "https://www.linkedin.com/in/dana/details"} {
		_, err := NormalizeLinkedIn(in)
		wantCode(t, err, EINVALID)
	}
}

func TestContactHandle(t *testing.T) {
	ct := Contact{Email: "dana@example.com", Phone: "+14155550123", LinkedIn: "https://www.linkedin.com/in/dana-lee"}
	want := map[Channel]string{ChannelEmail: ct.Email, ChannelPhone: ct.Phone, ChannelSMS: ct.Phone, ChannelLinkedIn: ct.LinkedIn, ChannelInPerson: ""}
	for ch, w := range want {
		if got := ct.Handle(ch); got != w {
			t.Errorf("Handle(%s) = %q, want %q", ch, got, w)
		}
	}
}

func TestContactLabel(t *testing.T) {
	for _, tc := range []struct {
		c    Contact
		want string
	}{
		{Contact{ID: 1, Name: "Dana Lee", Email: "dana@acme.com"}, "Dana Lee"},
		{Contact{ID: 2, Email: "dana@acme.com", Phone: "+15551234567"}, "dana@acme.com"},
		{Contact{ID: 3, Phone: "+15551234567"}, "+15551234567"},
		{Contact{ID: 4, LinkedIn: "https://www.linkedin.com/in/dana"}, "https://www.linkedin.com/in/dana"},
		{Contact{ID: 5}, "contact 5"},
	} {
		if got := tc.c.Label(); got != tc.want {
			t.Errorf("%+v.Label() = %q, want %q", tc.c, got, tc.want)
		}
	}
}
