package bot

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/followup-bot/followup/cadence"
)

// The pure renderers of the App Home, /followup show and the lines of /followup list against
// golden files in testdata (go test ./bot -run Golden -update rewrites them). The reminder DM's
// are in dm_test.go.

// viewsFixture is a rep in Berlin on Wednesday 4 March 2026, 11:00, with the built-in demo cadence.
func viewsFixture(t *testing.T) (cadence.Cadence, cadence.Window, time.Time) {
	t.Helper()
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip("no tzdata")
	}
	cd, err := cadence.Builtin().Get("demo")
	if err != nil {
		t.Fatal(err)
	}
	w := cadence.DefaultWindow()
	w.Location = berlin
	return cd, w, time.Date(2026, 3, 4, 11, 0, 0, 0, berlin)
}

// viewsRunning is a queue of follow-ups: one overdue, one due today, one later this week, one
// paused, one whose cadence is gone, and a name that tries to ping the channel.
func viewsRunning(cd cadence.Cadence, now time.Time) []cadence.EnrollmentView {
	mk := func(id, name, company string, step int, due time.Time) cadence.EnrollmentView {
		return cadence.EnrollmentView{
			Enrollment: cadence.Enrollment{ID: id, Owner: "U0ALICE001", CadenceID: cd.ID, Step: step, Status: cadence.StatusActive},
			Contact:    cadence.Contact{Name: name, Company: company, Email: strings.ToLower(strings.Fields(name)[0]) + "@example.com"},
			Open:       &cadence.Touchpoint{ID: int64(len(id)*100 + step), EnrollmentID: id, Step: step, Due: due, State: cadence.TouchPending},
		}
	}
	paused := mk("e0004", "Priya Shah", "Globex", 2, now.AddDate(0, 0, 3))
	paused.Enrollment.Status, paused.Enrollment.PausedUntil = cadence.StatusPaused, now.AddDate(0, 0, 10)
	gone := mk("e0005", "Sam Roe", "", 1, now.AddDate(0, 0, 5))
	gone.Enrollment.CadenceID = "retired"
	return []cadence.EnrollmentView{
		mk("e0001", "Dana Lee", "Acme", 1, now.Add(-26*time.Hour)),
		mk("e0002", "<!channel> & co", "Initech", 0, now.Add(3*time.Hour)),
		mk("e0003", "Jo Park", "Umbrella", 3, now.AddDate(0, 0, 2)),
		paused,
		gone,
	}
}

func TestHomeGolden(t *testing.T) {
	cd, w, now := viewsFixture(t)
	lookup := func(id string) (cadence.Cadence, bool) { return cd, id == cd.ID }
	ended := cadence.EnrollmentView{
		Enrollment: cadence.Enrollment{ID: "e0009", CadenceID: cd.ID, Status: cadence.StatusCompleted, StopReason: cadence.StopReplied, EndedAt: now.Add(-30 * time.Hour)},
		Contact:    cadence.Contact{Name: "Lee Chen", Company: "Hooli"},
	}
	for name, d := range map[string]homeData{
		"home_full": {Rep: cadence.Rep{UserID: "U0ALICE001", TimeZone: "Europe/Berlin", Hours: "08:00-16:00"}, Window: w, Now: now, Lookup: lookup,
			Running: viewsRunning(cd, now), Ended: []cadence.EnrollmentView{ended}, EndedN: 1, Mailbox: "alice@example.com (Gmail)"},
		"home_empty": {Rep: cadence.Rep{UserID: "U0BOB00001"}, Window: w, Now: now, Lookup: lookup},
	} {
		t.Run(name, func(t *testing.T) {
			goldenDM(t, name+".golden.json", viewJSON(t, homeView(d)))
		})
	}
}

func TestShowGolden(t *testing.T) {
	cd, w, now := viewsFixture(t)
	v := viewsRunning(cd, now)[0]
	v.Contact.Role, v.Contact.Phone, v.Contact.TimeZone = "VP Sales", "+4930123456", "America/New_York"
	v.Enrollment.Intent, v.Enrollment.DecisionDate = cadence.IntentWarm, time.Date(2026, 3, 31, 0, 0, 0, 0, time.UTC)
	v.Enrollment.Note = "Cares about <b>onboarding</b> time\nand price"
	start := now.AddDate(0, 0, -7)
	touches := []cadence.Touchpoint{
		{ID: 1, EnrollmentID: v.Enrollment.ID, Step: 0, Due: start, State: cadence.TouchDone, Outcome: cadence.OutcomeSent, DoneAt: start.Add(time.Hour), DoneBy: "U0ALICE001"},
		*v.Open,
	}
	signals := []cadence.Signal{{EnrollmentID: v.Enrollment.ID, Text: "Opened the pricing page <twice>", At: now.Add(-48 * time.Hour), By: "U0ALICE001"}}
	ended := v
	ended.Enrollment.Status, ended.Enrollment.StopReason, ended.Open = cadence.StatusStopped, cadence.StopOptedOut, nil
	skipped := []cadence.Touchpoint{touches[0], {ID: 2, EnrollmentID: v.Enrollment.ID, Step: 1, Due: start.AddDate(0, 0, 3), State: cadence.TouchDone,
		Outcome: cadence.OutcomeSkipped, DoneAt: start.AddDate(0, 0, 3), DoneBy: "bot"}}
	for name, d := range map[string]showData{
		"show_active": {View: v, Window: w, Touches: touches, Signals: signals, Link: "https://acme.slack.com/archives/C0SALES001/p1772600000000100",
			Cadence: cd, Now: now},
		"show_ended":        {View: ended, Window: w, Touches: skipped, SkipWhy: map[int]string{1: "no consent to texts"}, Cadence: cd, Now: now},
		"show_cadence_gone": {View: v, Window: w, Touches: touches[:1], CadenceErr: errors.New("gone"), Now: now},
	} {
		t.Run(name, func(t *testing.T) {
			goldenDM(t, name+".golden.json", viewJSON(t, showReply(d)))
		})
	}
}

func TestListLinesGolden(t *testing.T) {
	cd, w, now := viewsFixture(t)
	var lines []string
	for _, v := range viewsRunning(cd, now) {
		steps := 0
		if v.Enrollment.CadenceID == cd.ID {
			steps = len(cd.Steps)
		}
		lines = append(lines, listLine(v, steps, w.Location, now))
	}
	goldenDM(t, "list_lines.golden.txt", []byte(strings.Join(lines, "\n")+"\n"))
}

// viewJSON is v as indented JSON with <, > and & as they are, so that the golden files read as
// what Slack receives.
func viewJSON(t *testing.T, v any) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
