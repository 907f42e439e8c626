package bot

import (
	"strings"
	"testing"
)

// TestOtherPeoplesTextIsEscaped: what one person typed (an opt-out reason, a contact's name)
// reaches another person's reply as text, never as a link or a mention.
func TestOtherPeoplesTextIsEscaped(t *testing.T) {
	h := newHarness(t)
	// What Slack sends when someone types "<http://evil.example|Click here to appeal> <!here>":
	// the characters escaped, which the bot reads back as typed.
	const evil = "&lt;http://evil.example|Click here to appeal&gt; &lt;!here&gt;"
	h.slash(t, bob, `optout dana@acme.com `+evil)
	got := h.slash(t, alice, "add Dana dana@acme.com cadence=demo")
	mustContain(t, got, "&lt;http://evil.example|Click here to appeal&gt; &lt;!here&gt;")
	if strings.Contains(got, "<http") || strings.Contains(got, "<!here>") {
		t.Fatalf("opt-out reason reached another rep as markup: %q", got)
	}

	h.slash(t, bob, `add "&lt;!channel&gt; Eve &amp; co" eve@acme.com cadence=demo`)
	got = h.slash(t, alice, "add Eve eve@acme.com cadence=demo")
	mustContain(t, got, "&lt;!channel&gt; Eve &amp; co", "already in follow-up")
	if strings.Contains(got, "<!channel>") {
		t.Fatalf("a contact name reached another rep as markup: %q", got)
	}
}

// TestNamesLoseBidiControls: a name with a right-to-left override is stored without it.
func TestNamesLoseBidiControls(t *testing.T) {
	h := newHarness(t)
	h.slash(t, alice, "add \"Dana \u202Egnp.exe\u202C Lee\" dana@acme.com company=\u2066Acme\u2069 cadence=demo")
	c, err := h.store.ContactByEmail(h.ctx, "dana@acme.com")
	if err != nil {
		t.Fatal(err)
	}
	if c.Name != "Dana gnp.exe Lee" || c.Company != "Acme" {
		t.Fatalf("stored name %q, company %q; want the bidirectional controls gone", c.Name, c.Company)
	}
}
