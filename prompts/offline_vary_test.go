package prompts

import (
	"context"
	"strings"
	"testing"

	"github.com/followup-bot/followup/cadence"
	"github.com/followup-bot/followup/prompts/profile"
)

func offlineText(t *testing.T, r Request) string {
	t.Helper()
	d, err := Offline{}.Draft(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	if err := Check(r, d); err != nil {
		t.Errorf("draft fails Check: %v\n%s", err, d.Text())
	}
	return d.Text()
}

// TestOfflineVariesAcrossContacts: the same step for different contacts does not read the same,
// while one contact always gets the same draft.
func TestOfflineVariesAcrossContacts(t *testing.T) {
	bodies := map[string]bool{}
	for _, name := range []string{"Dana Lee", "Ana Cruz", "Tom Hart", "Li Wei", "Jane Smith", "Omar Aziz"} {
		r := sampleRequest(cadence.ChannelEmail, cadence.PurposeCloseLoop)
		r.Contact.Name = name
		a, b := offlineText(t, r), offlineText(t, r)
		if a != b {
			t.Fatalf("not deterministic for %s:\n%s\n---\n%s", name, a, b)
		}
		bodies[strings.ReplaceAll(a, GivenName(name), "X")] = true
	}
	if len(bodies) < 2 {
		t.Errorf("six contacts got one phrasing")
	}
}

// TestOfflineNoBareSignoff: without a rep name or signature the email ends on the seller's
// company, or on the ask when there is none; never on a lone "Best".
func TestOfflineNoBareSignoff(t *testing.T) {
	r := sampleRequest(cadence.ChannelEmail, cadence.PurposeRecapNextStep)
	r.RepName, r.Signature = "", ""
	if got := offlineText(t, r); strings.HasSuffix(strings.TrimSpace(got), "Best") {
		t.Errorf("bare sign-off:\n%s", got)
	}
	r.Profile = &profile.Profile{Company: "Acme Support"}
	if got := offlineText(t, r); !strings.HasSuffix(got, "Best,\nAcme Support") {
		t.Errorf("want the seller's company as sign-off:\n%s", got)
	}
}

// TestOfflineNoMismatchedAsset: notes naming no known concern get no asset tagged with another
// concern (no security overview for lost tickets), but an untagged one is still fine.
func TestOfflineNoMismatchedAsset(t *testing.T) {
	r := sampleRequest(cadence.ChannelEmail, cadence.PurposeShareContext)
	r.Note, r.Signals = "her team loses tickets between email and chat", nil
	r.Profile = &profile.Profile{Company: "Acme Support", Assets: []profile.Asset{
		{Title: "Our security overview", URL: "https://acme.example/security", Concerns: []string{"security"}}}}
	if got := offlineText(t, r); strings.Contains(got, "security") {
		t.Errorf("mismatched asset attached:\n%s", got)
	}
	r.Profile.Assets = append(r.Profile.Assets, profile.Asset{Title: "Our product tour", URL: "https://acme.example/tour"})
	if got := offlineText(t, r); !strings.Contains(got, "https://acme.example/tour") || strings.Contains(got, "security") {
		t.Errorf("want the untagged asset only:\n%s", got)
	}
}

// TestOfflineOneWordNote: a one-word note is said plainly, never "summed it up in one word".
func TestOfflineOneWordNote(t *testing.T) {
	r := sampleRequest(cadence.ChannelEmail, cadence.PurposeRecapNextStep)
	r.Note, r.Signals = "pain", nil
	got := offlineText(t, r)
	if strings.Contains(got, "one word") || !strings.Contains(got, "You said pain was the issue") {
		t.Errorf("one-word note:\n%s", got)
	}
}
