package prompts

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// guards are every guarded expression of the package, by name.
func guards() map[string]guardedRe {
	m := map[string]guardedRe{"mention": mentionRe, "link": linkRe, "tracking": trackingRe}
	for i, g := range placeholderRes {
		m["placeholder"+string(rune('0'+i))] = g
	}
	return m
}

// guardTexts are texts each expression matches, in the shapes drafts and notes take, with the
// case and Unicode folds a case-insensitive expression also matches.
var guardTexts = []string{
	"Hi [Name], see {company} and {{x}}", "Dear <first name>,", "TODO: fix", "it is TBD.", "INSERT here",
	"lorem ipsum dolor", "LOREM IPSUM", "%!s(MISSING)", "Hi first_name,", "Hi COMPANY_NAME", "from sender name",
	"before the decision date", "THE DECISION DATE", "at your company name", "the contact's name",
	"<!channel> hi", "<@U123> look", "<#C1|x>", "hey @here", "@everyone", "hello @Channel",
	"see https://acme.example/x", "HTTP://x.y", "http://intranet", "HTTPS://acme", "book at https://calendly/sam", "www.acme.com", "calendly.com/sam", "Acme.IO", "acme.uſ",
	"docs.acme.co.uk/page", "a.b.link", "you visited our pricing page", "you've recently opened my email",
	"i saw you were looking at", "noticed that you viewed", "you spent time on the page", "you had read our post",
	"you just clicked", "you already downloaded", "you browsed", "you watched the demo", "you looked at",
	"you checked out", "you read my note", "you were on the site",
}

// TestGuardsNeverHideAMatch checks each guard against texts its expression matches: the fixed
// ones above, every stored golden draft, and random splices of the fixed ones, folded and not.
func TestGuardsNeverHideAMatch(t *testing.T) {
	texts := append([]string(nil), guardTexts...)
	files, _ := filepath.Glob(filepath.Join("testdata", "*", "*"))
	more, _ := filepath.Glob(filepath.Join("testdata", "*"))
	for _, f := range append(files, more...) {
		if b, err := os.ReadFile(f); err == nil {
			texts = append(texts, string(b))
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 300 { // splices of the short texts, whose matches are near the cuts
		a, b := guardTexts[rng.IntN(len(guardTexts))], guardTexts[rng.IntN(len(guardTexts))]
		i, j := rng.IntN(len(a)+1), rng.IntN(len(b)+1)
		texts = append(texts, a[:i]+b[j:], strings.ToUpper(a[i:]+" "+b[:j]), fold(a+" "+b))
	}
	matched := map[string]int{}
	for name, g := range guards() {
		for _, s := range texts {
			if g.re.MatchString(s) {
				matched[name]++
				if !g.may(s) {
					t.Errorf("%s: the guard rules out %q, which the expression matches", name, s)
				}
				if g.FindString(s) != g.re.FindString(s) {
					t.Errorf("%s: FindString(%q) differs from the expression's", name, s)
				}
			}
		}
	}
	for name := range guards() {
		if matched[name] == 0 {
			t.Errorf("%s: no test text matches; the check above proved nothing for it", name)
		}
	}
}

// TestGuardsRuleOutPlainText checks the guards do their job: a plain draft passes none of them.
func TestGuardsRuleOutPlainText(t *testing.T) {
	plain := "Hi Dana,\n\nThanks for the time on Tuesday. You asked how the rollout would work for a team of 40; " +
		"the short answer is a pilot with one region first.\n\nWould Thursday at 10 suit you?\n\nBest,\nSam"
	for name, g := range guards() {
		if g.may(plain) {
			t.Errorf("%s: the guard lets a plain draft through to the expression", name)
		}
	}
}

// FuzzGuards looks for a text an expression matches that its guard rules out.
func FuzzGuards(f *testing.F) {
	for _, s := range guardTexts {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for name, g := range guards() {
			if g.re.MatchString(s) && !g.may(s) {
				t.Fatalf("%s: the guard rules out %q, which the expression matches", name, s)
			}
		}
	})
}

// TestFillerSeesThroughLongS: "ſ" is an "s" to the filler rule, as (?i) makes it one elsewhere.
func TestFillerSeesThroughLongS(t *testing.T) {
	if got := findFiller("Juſt following up."); got == "" {
		t.Error(`"Juſt following up." passed the filler rule`)
	}
}
