package cadence

import (
	"strings"
	"testing"
	"time"
)

func TestBuiltinLibrary(t *testing.T) {
	l := Builtin()
	wantIDs := []string{"demo", "cold-email", "proposal", "missed-meeting", "form-fill", "event-chat", "customer-checkin"}
	if got := strings.Join(l.IDs(), ","); got != strings.Join(wantIDs, ",") {
		t.Fatalf("IDs = %s, want %s", got, strings.Join(wantIDs, ","))
	}
	for i, c := range l.All() {
		if c.Trigger != Triggers[i] {
			t.Errorf("%s: trigger %s, want %s (trigger order)", c.ID, c.Trigger, Triggers[i])
		}
		if !c.Builtin || c.Name == "" || c.Name == c.ID || c.Goal == "" {
			t.Errorf("%s: Builtin %v, name %q, goal %q", c.ID, c.Builtin, c.Name, c.Goal)
		}
		if n := len(c.Steps); n < 3 || n > 5 {
			t.Errorf("%s: %d steps, want 3 to 5", c.ID, n)
		}
		if last := c.Steps[len(c.Steps)-1]; last.Purpose != PurposeCloseLoop {
			t.Errorf("%s: ends with %s, want close_loop", c.ID, last.Purpose)
		}
		for j, s := range c.Steps {
			if len(s.Guidance) < 60 {
				t.Errorf("%s step %d: guidance too thin: %q", c.ID, j, s.Guidance)
			}
			if strings.Contains(strings.ToLower(s.Guidance), "just checking in") {
				t.Errorf("%s step %d: guidance says just checking in", c.ID, j)
			}
			if s.Channel == ChannelSMS && !strings.Contains(s.Guidance, "agreed to texts") {
				t.Errorf("%s step %d: SMS without a consent note", c.ID, j)
			}
			if j > 0 && s.Purpose != PurposeCustom && s.Purpose == c.Steps[j-1].Purpose {
				t.Errorf("%s step %d: same purpose twice in a row", c.ID, j)
			}
		}
		if strings.Join(stopStrings(c.StopOn), ",") != "replied,meeting_booked,deal_closed" {
			t.Errorf("%s: StopOn %v", c.ID, c.StopOn)
		}
	}

	demo, _ := l.Get("demo")
	if g := demo.Steps[0].Gap; g.BusinessDays != 0 || g.Wall > 4*time.Hour {
		t.Errorf("demo first gap %s, want the same day (at most 4h)", g)
	}
	mm, _ := l.Get("missed-meeting")
	if g := mm.Steps[0].Gap; g.BusinessDays != 0 || g.Wall > 4*time.Hour {
		t.Errorf("missed-meeting first gap %s, want soon", g)
	}
	// A cold email gives more space than a demo.
	cold, _ := l.Get("cold-email")
	w := DefaultWindow()
	start := mustTime(t, "2026-03-09T10:00:00Z")
	demoEnd := Plan(demo, Enrollment{}, w, 0, start)
	coldEnd := Plan(cold, Enrollment{}, w, 0, start)
	if !coldEnd[len(coldEnd)-1].After(demoEnd[len(demoEnd)-1]) {
		t.Errorf("cold email cadence should span longer than the demo cadence")
	}
}

func stopStrings(rs []StopReason) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = string(r)
	}
	return out
}

func TestLibraryGetMerge(t *testing.T) {
	base := Builtin()
	_, err := base.Get("nope")
	wantCode(t, err, ENOTFOUND)
	if want := `unknown cadence "nope"; valid: demo, cold-email, proposal, missed-meeting, form-fill, event-chat, customer-checkin`; ErrorMessage(err) != want {
		t.Errorf("Get error = %q, want %q", ErrorMessage(err), want)
	}
	if c, err := base.Get(" Demo "); err != nil || c.ID != "demo" {
		t.Errorf("Get(Demo) = %v, %v", c.ID, err)
	}

	custom, err := Parse("cadences.yaml", []byte(`
cadences:
  - id: zeta
    steps: [{gap: 0, channel: email, purpose: close_loop}]
  - id: demo
    name: Our demo follow-up
    trigger: demo
    steps: [{gap: 0, channel: phone, purpose: recap_next_step}, {gap: 2d, channel: email, purpose: close_loop}]
  - id: alpha
    trigger: demo
    steps: [{gap: 0, channel: email, purpose: close_loop}]
`))
	if err != nil {
		t.Fatal(err)
	}
	l := base.Merge(custom)
	want := "demo,cold-email,proposal,missed-meeting,form-fill,event-chat,customer-checkin,alpha,zeta"
	if got := strings.Join(l.IDs(), ","); got != want {
		t.Errorf("merged IDs = %s, want %s", got, want)
	}
	demo, _ := l.Get("demo")
	if demo.Builtin || demo.Name != "Our demo follow-up" || len(demo.Steps) != 2 {
		t.Errorf("override = %+v", demo)
	}
	if c, _ := base.Get("demo"); !c.Builtin {
		t.Error("Merge changed the base library")
	}
	if c, err := l.ForTrigger(TriggerDemo); err != nil || c.ID != "demo" {
		t.Errorf("ForTrigger(demo) = %s, %v", c.ID, err)
	}
	if z, _ := l.Get("zeta"); z.Name != "zeta" || z.Trigger != TriggerCustom {
		t.Errorf("defaults: name %q trigger %q", z.Name, z.Trigger)
	}
	if _, err := l.ForTrigger(TriggerCustom); err != nil {
		t.Errorf("ForTrigger(custom): %v", err)
	}
	if _, err := base.ForTrigger(TriggerCustom); ErrorCode(err) != ENOTFOUND {
		t.Errorf("base ForTrigger(custom) = %v", err)
	}
}
