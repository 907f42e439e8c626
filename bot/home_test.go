package bot

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/followup-bot/followup/cadence"
	"github.com/followup-bot/followup/store"
)

func TestHomeStaysWithinLimits(t *testing.T) {
	now := time.Date(2026, 3, 4, 11, 0, 0, 0, time.UTC)
	d := homeData{
		Rep:    cadence.Rep{UserID: "U0ALICE001", Hours: "08:00-16:00", AwayFrom: "2026-04-06", AwayUntil: "2026-04-10"},
		Window: cadence.Window{Location: time.UTC},
		Now:    now,
		Lookup: testLookup(4),
		EndedN: 120,
	}
	long := strings.Repeat("Ü", 300)
	for i := range 500 {
		v := store.EnrollmentView{
			Enrollment: cadence.Enrollment{ID: fmt.Sprintf("e%05d", i), CadenceID: fmt.Sprintf("c%03d", i%5), Status: cadence.StatusActive},
			Contact:    cadence.Contact{Name: fmt.Sprintf("Contact %d %s", i, long), Company: long},
			Open:       &cadence.Touchpoint{ID: int64(i + 1), Step: i % 4, Due: now.Add(time.Duration(i-200) * time.Hour)},
		}
		if i%50 == 0 {
			v.Enrollment.Status, v.Enrollment.PausedUntil = cadence.StatusPaused, now.AddDate(0, 0, 3)
		}
		d.Running = append(d.Running, v)
	}
	for i := range maxHomeEnded {
		d.Ended = append(d.Ended, store.EnrollmentView{
			Enrollment: cadence.Enrollment{ID: fmt.Sprintf("x%05d", i), CadenceID: "c001", Status: cadence.StatusCompleted,
				StopReason: cadence.StopReplied, EndedAt: now.Add(-time.Duration(i) * time.Hour)},
			Contact: cadence.Contact{Name: fmt.Sprintf("Done %d", i)},
		})
	}
	view := homeView(d)
	checkBlockLimits(t, view.Blocks.BlockSet, 100)
	js, err := json.Marshal(view)
	if err != nil {
		t.Fatal(err)
	}
	if len(js) > 250_000 {
		t.Errorf("home view is %d bytes, over 250 KB", len(js))
	}
	for _, want := range []string{`"action_id":"add.open"`, `"action_id":"tp.sent"`, `"action_id":"tp.replied"`,
		`"action_id":"tp.optout"`, `"action_id":"tp.snooze.1d"`, "Overdue (", "Due today (", "Upcoming this week (",
		"Completed or stopped", "and 105 more", "08:00-16:00", "2026-04-06 to 2026-04-10", "more follow-ups"} {
		if !strings.Contains(string(js), want) {
			t.Errorf("home lacks %s", want)
		}
	}
	if n := strings.Count(string(js), `"action_id":"tp.sent"`); n != maxHomeActionable {
		t.Errorf("%d Sent buttons, want %d", n, maxHomeActionable)
	}

	empty := homeView(homeData{Window: cadence.Window{Location: time.UTC}, Now: now, Lookup: testLookup(0)})
	checkBlockLimits(t, empty.Blocks.BlockSet, 100)
}
