package bot

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/followup-bot/followup/bot/internal/golden"
	"github.com/followup-bot/followup/cadence"
)

// goldenDM compares got with testdata/name, or rewrites it with -update.
func goldenDM(t *testing.T, name string, got []byte) {
	t.Helper()
	golden.Check(t, name, got)
}

// sampleDM is a reminder DM for step 2 of 4 of the built-in demo cadence.
func sampleDM(t *testing.T) dmView {
	t.Helper()
	cd, err := cadence.Builtin().Get("demo")
	if err != nil {
		t.Fatal(err)
	}
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 5, 14, 0, 0, 0, time.UTC)
	return dmView{
		Touch: cadence.Touchpoint{ID: 42, EnrollmentID: "k3f9a2", Step: 1, Due: now, State: cadence.TouchPending,
			Draft:       "Subject: Your questions from Tuesday\n\nHi Dana,\nthanks for the time on Tuesday. <b>Pricing</b> & rollout: ...\n\nBest,\nAlice",
			DraftSource: "llm", DraftModel: "gpt-4o-mini"},
		Enrollment: cadence.Enrollment{ID: "k3f9a2", Owner: alice, CadenceID: "demo", Trigger: cadence.TriggerDemo,
			TriggerAt: time.Date(2026, 3, 3, 15, 0, 0, 0, time.UTC), Intent: cadence.IntentWarm,
			Note: "Cares about SSO; <!channel> budget owner is the CFO", Status: cadence.StatusActive, Step: 1},
		Contact: cadence.Contact{ID: 7, Name: "Dana Diaz", Email: "dana@acme.com", Company: "Acme", Role: "VP Sales"},
		Cadence: cd,
		Earlier: []cadence.Touchpoint{{ID: 41, Step: 0, State: cadence.TouchDone, Outcome: cadence.OutcomeSent,
			DoneAt: time.Date(2026, 3, 3, 16, 0, 0, 0, time.UTC), DoneBy: alice}},
		Signals: []cadence.Signal{{Text: "asked for pricing"}, {Text: "opened the deck twice"}},
		Loc:     ny,
		Now:     now,
	}
}

func renderJSON(t *testing.T, v dmView) []byte {
	t.Helper()
	text, blocks := renderDM(v)
	out, err := json.MarshalIndent(map[string]any{"text": text, "blocks": blocks}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(out, '\n')
}

func TestDMGolden(t *testing.T) {
	base := sampleDM(t)
	next := cadence.Touchpoint{ID: 43, Step: 2, Due: time.Date(2026, 3, 10, 14, 0, 0, 0, time.UTC), State: cadence.TouchPending}
	cases := map[string]func(v *dmView){
		"open": func(v *dmView) {},
		"open_offline_angle2": func(v *dmView) {
			v.Touch.DraftSource, v.Touch.DraftModel, v.Angle = "offline", "", 2
			v.Signals = nil
			v.Earlier = nil
		},
		"sent": func(v *dmView) {
			v.Touch.State, v.Touch.Outcome = cadence.TouchDone, cadence.OutcomeSent
			v.Touch.DoneBy, v.Touch.DoneAt = alice, base.Now.Add(time.Hour)
			v.Touch.DMTS = "1.0"
			v.Next = &next
		},
		"replied": func(v *dmView) {
			v.Touch.State, v.Touch.Outcome = cadence.TouchDone, cadence.OutcomeReplied
			v.Touch.DoneBy, v.Touch.DoneAt = alice, base.Now.Add(time.Hour)
			v.Enrollment.Status, v.Enrollment.StopReason = cadence.StatusCompleted, cadence.StopReplied
		},
		"stopped_by_optout": func(v *dmView) {
			v.Touch.State = cadence.TouchCancelled
			v.Touch.DoneBy, v.Touch.DoneAt = bob, base.Now.Add(time.Hour)
			v.Enrollment.Status, v.Enrollment.StopReason = cadence.StatusStopped, cadence.StopOptedOut
		},
		"snoozed": func(v *dmView) {
			v.Touch.DMTS, v.Touch.Due = "1.0", base.Now.Add(72*time.Hour)
			v.By, v.At = alice, base.Now.Add(time.Hour)
		},
		"paused": func(v *dmView) {
			v.Touch.State = cadence.TouchReminded
			v.Enrollment.Status, v.Enrollment.PausedUntil = cadence.StatusPaused, time.Date(2026, 3, 20, 0, 0, 0, 0, time.UTC)
		},
	}
	for name, mod := range cases {
		t.Run(name, func(t *testing.T) {
			v := sampleDM(t)
			mod(&v)
			got := renderJSON(t, v)
			goldenDM(t, "dm_"+name+".golden.json", got)
			_, isOpen := map[string]bool{"open": true, "open_offline_angle2": true}[name]
			if hasButtons := bytes.Contains(got, []byte(`"tp.sent"`)); hasButtons != isOpen {
				t.Errorf("buttons shown: %v, want %v", hasButtons, isOpen)
			}
		})
	}
}

// TestDMLimits renders huge and hostile content and checks every Block Kit limit the fake Slack
// enforces: section text 3000, header 150, button text 75.
func TestDMLimits(t *testing.T) {
	v := sampleDM(t)
	long := strings.Repeat("very long words & <tags> ``` ", 2000)
	v.Contact.Name, v.Contact.Company, v.Contact.Role = long, long, long
	v.Enrollment.Note = long
	v.Touch.Draft = long
	v.Touch.DraftModel = long
	for i := range 50 {
		v.Signals = append(v.Signals, cadence.Signal{Text: long + string(rune('a'+i%26))})
	}
	for _, open := range []bool{true, false} {
		if !open {
			v.Touch.State, v.Touch.Outcome, v.Touch.DoneBy = cadence.TouchDone, cadence.OutcomeSent, alice
		}
		text, blocks := renderDM(v)
		if n := utf8.RuneCountInString(text); n > maxSectionText {
			t.Errorf("text is %d characters", n)
		}
		raw, _ := json.Marshal(blocks)
		var parsed []struct {
			Type string `json:"type"`
			Text *struct {
				Text string `json:"text"`
			} `json:"text"`
			Elements []struct {
				Text json.RawMessage `json:"text"`
			} `json:"elements"`
		}
		if err := json.Unmarshal(raw, &parsed); err != nil {
			t.Fatal(err)
		}
		if len(parsed) > 50 {
			t.Errorf("%d blocks", len(parsed))
		}
		for i, b := range parsed {
			if b.Text == nil {
				continue
			}
			limit := maxSectionText
			if b.Type == "header" {
				limit = maxHeaderChars
			}
			if n := utf8.RuneCountInString(b.Text.Text); n > limit {
				t.Errorf("block %d (%s): %d characters, over %d", i, b.Type, n, limit)
			}
			if b.Type != "header" && strings.Contains(b.Text.Text, "<tags>") {
				t.Errorf("block %d: unescaped < >", i)
			}
		}
		if open && !bytes.Contains(raw, []byte("…")) {
			t.Error("long content not cut with …")
		}
	}
}
