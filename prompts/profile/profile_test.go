package profile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/followup-bot/followup/cadence"
)

func TestParseExample(t *testing.T) {
	p, err := Load("../../testdata/profile.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if p.Company != "Acme Support" || p.Booking == "" || len(p.Proof) == 0 || len(p.Assets) == 0 || len(p.Concerns) == 0 {
		t.Fatalf("parsed %+v", p)
	}
	if c := p.ConcernIn("she wants SSO first"); c == nil || c.Name != "security" {
		t.Errorf("ConcernIn(SSO) = %+v", c)
	}
	if c := p.ConcernIn("ssolution"); c != nil {
		t.Errorf("ConcernIn matched inside a word: %+v", c)
	}
	if a := p.AssetFor(cadence.PurposeShareContext, "security", nil); a == nil || !strings.Contains(a.URL, "security") {
		t.Errorf("AssetFor(security) = %+v", a)
	}
	if a := p.AssetFor(cadence.PurposeShareContext, "price", nil); a != nil {
		t.Errorf("AssetFor(price) = %+v, want none: every asset answers another concern", a)
	}
	if got := p.Links(); len(got) != 3 {
		t.Errorf("Links = %v", got)
	}
}

// TestParseProblems: every problem is reported at once with file, line and field.
func TestParseProblems(t *testing.T) {
	for _, tc := range []struct{ name, yaml, want string }{
		{"unknown key", "company: X\nslogan: hi\n", "p.yaml:2: slogan: unknown key"},
		{"bad booking", "company: X\nbooking: ftp://x\n", "p.yaml:2: booking: \"ftp://x\" is not a web link"},
		{"bad asset url", "company: X\nassets:\n  - title: T\n    url: not a url\n", "p.yaml:4: assets[0].url: \"not a url\" is not a web link"},
		{"proof without text", "company: X\nproof:\n  - purposes: [share_context]\n", "p.yaml:3: proof[0].text: a proof point needs its text"},
		{"unknown purpose", "company: X\nproof:\n  - text: T\n    purposes: [pitch]\n", "p.yaml:4: proof[0].purposes: unknown purpose \"pitch\""},
		{"concern without answer", "company: X\nconcerns:\n  - name: price\n", "p.yaml:3: concerns[0].answer: a concern needs its answer"},
		{"no company", "value: v\n", "p.yaml:1: company: required"},
		{"malformed", "company: [\n", "p.yaml:"},
		{"proof key typo", "company: X\nproof:\n  - txt: T\n", "p.yaml:3: proof[0].txt: unknown key"},
	} {
		_, err := Parse("p.yaml", []byte(tc.yaml))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", tc.name, err, tc.want)
		}
		if cadence.ErrorCode(err) != cadence.EINVALID {
			t.Errorf("%s: code %s, want EINVALID", tc.name, cadence.ErrorCode(err))
		}
	}
}

func TestLoadTooLarge(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big.yaml")
	if err := os.WriteFile(path, []byte("company: X\nvalue: "+strings.Repeat("x", MaxBytes)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Load(path)
	if err == nil || !strings.Contains(err.Error(), "big.yaml") || !strings.Contains(err.Error(), "256 KB") {
		t.Fatalf("err = %v", err)
	}
	if _, err := Load(filepath.Join(t.TempDir(), "missing.yaml")); cadence.ErrorCode(err) != cadence.EINVALID {
		t.Errorf("missing file: %v", err)
	}
}
