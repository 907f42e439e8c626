package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/followup-bot/followup/bot/internal/golden"
	"github.com/followup-bot/followup/cadence"
)

// testLookup is a cadence library of n cadences "c000"… with four steps each.
func testLookup(n int) func(string) (cadence.Cadence, bool) {
	return func(id string) (cadence.Cadence, bool) {
		var i int
		if _, err := fmt.Sscanf(id, "c%03d", &i); err != nil || i >= n {
			return cadence.Cadence{}, false
		}
		return cadence.Cadence{ID: id, Name: fmt.Sprintf("Cadence number %d with a long name", i), Steps: []cadence.Step{
			{Purpose: cadence.PurposeRecapNextStep, Channel: cadence.ChannelEmail},
			{Purpose: cadence.PurposeAnswerConcern, Channel: cadence.ChannelPhone},
			{Purpose: cadence.PurposeShareContext, Channel: cadence.ChannelLinkedIn},
			{Purpose: cadence.PurposeCloseLoop, Channel: cadence.ChannelEmail},
		}}, true
	}
}

// bigReport has n cadences and n reps, with activity everywhere.
func bigReport(n int) cadence.Report {
	from := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	to := from.AddDate(0, 0, 7)
	mk := func(scale int) cadence.Section {
		s := cadence.Section{From: from, To: to}
		for i := range n {
			c := cadence.CadenceStats{CadenceID: fmt.Sprintf("c%03d", i), Stopped: map[cadence.StopReason]int{}}
			for st := range 4 {
				c.Steps = append(c.Steps, cadence.StepStats{Step: st, Touches: 10 * scale, Replies: (i + st) % 5 * scale})
				c.Touches += 10 * scale
				c.Replies += (i + st) % 5 * scale
			}
			c.Enrolled, c.Meetings, c.OptOuts = 5*scale, scale, i%3*scale
			for _, r := range cadence.StopReasons {
				c.Stopped[r] = scale
			}
			s.Cadences = append(s.Cadences, c)
			s.Reps = append(s.Reps, cadence.RepStats{Rep: fmt.Sprintf("U%08d", i), Touches: 40 * scale, Replies: 9 * scale, Meetings: scale, Overdue: 2})
			s.Team.Touches += c.Touches
			s.Team.Replies += c.Replies
		}
		return s
	}
	prev := mk(1)
	for i := range prev.Cadences {
		prev.Cadences[i].OptOuts = 0
	}
	return cadence.Report{Now: to, Period: mk(1), Previous: prev, AllTime: mk(5)}
}

// checkLimits fails when blocks break Block Kit's limits for a message: 50 blocks, 150 characters
// a header, 3000 a section or a context element.
func checkLimits(t *testing.T, blocks []Block) {
	t.Helper()
	if len(blocks) > 50 {
		t.Errorf("%d blocks, want at most 50", len(blocks))
	}
	for i, bl := range blocks {
		limit := 3000
		if bl.Type == BlockHeader {
			limit = 150
		}
		texts := bl.Elements
		if bl.Text != nil {
			texts = append(texts, *bl.Text)
		}
		for _, tx := range texts {
			if n := utf8.RuneCountInString(tx.Text); n > limit {
				t.Errorf("block %d (%s): %d characters, want at most %d", i, bl.Type, n, limit)
			}
		}
	}
}

func TestReportBlocksStayWithinLimits(t *testing.T) {
	for _, n := range []int{0, 1, 200} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			v := View{Report: bigReport(n), Loc: time.UTC, Lookup: testLookup(n)}
			text, blocks := v.Blocks()
			checkLimits(t, blocks)
			if text == "" {
				t.Error("no notification text")
			}
			js, _ := json.Marshal(blocks)
			if n == 200 {
				for _, want := range []string{"and 180 more cadences", "more reps", "Best step this week", "Opt-outs rose in"} {
					if !bytes.Contains(js, []byte(want)) {
						t.Errorf("report lacks %q", want)
					}
				}
			}
		})
	}
}

func TestReportHighlightsAndRates(t *testing.T) {
	sec := func(optouts int, steps ...cadence.StepStats) cadence.Section {
		c := cadence.CadenceStats{CadenceID: "c000", Steps: steps}
		c.OptOuts = optouts
		return cadence.Section{Cadences: []cadence.CadenceStats{c}}
	}
	r := cadence.Report{
		Period:   sec(3, cadence.StepStats{Step: 0, Touches: 12, Replies: 3}, cadence.StepStats{Step: 1, Touches: 4, Replies: 2}, cadence.StepStats{Step: 2, Touches: 1, Replies: 1}),
		Previous: sec(1),
		AllTime:  sec(4),
	}
	v := View{Report: r, Loc: time.UTC, Lookup: testLookup(1)}
	hs := strings.Join(v.Highlights(), "\n")
	// Step 3 has 1/1 but too few touches to be called the best; step 2 has 2/4.
	for _, want := range []string{
		"Best step this week: *Cadence number 0 with a long name*, step 2 (Answer a likely concern): 2 replies to 4 touches (2/4 (50%)).",
		"Opt-outs rose in *Cadence number 0 with a long name*: 3 this week, 1 the week before.",
	} {
		if !strings.Contains(hs, want) {
			t.Errorf("highlights lack %q:\n%s", want, hs)
		}
	}
	for _, c := range []struct {
		n, d int
		want string
	}{{3, 12, "3/12 (25%)"}, {0, 0, "0/0"}, {2, 3, "2/3 (67%)"}, {1, 0, "1/0"}} {
		if got := rate(c.n, c.d); got != c.want {
			t.Errorf("rate(%d, %d) = %q, want %q", c.n, c.d, got, c.want)
		}
	}
}

func TestReportTextCSVAndChart(t *testing.T) {
	v := View{Report: bigReport(3), Loc: time.UTC, Lookup: testLookup(3)}
	if txt := v.Text(); !strings.Contains(txt, "Replies per step") || strings.Contains(txt, "*") {
		t.Errorf("text report:\n%s", txt)
	}
	var buf bytes.Buffer
	if err := v.WriteCSV(&buf); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 1+3*4 || !strings.Contains(buf.String(), "\n2026-03-02,2026-03-09,c001,Cadence number 1 with a long name,2,Answer a likely concern,10,2,0.2000,50,10,0.2000\n") {
		t.Errorf("csv:\n%s", buf.String())
	}
	png, err := v.ChartPNG()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")) {
		t.Errorf("chart is not a PNG (%d bytes)", len(png))
	}
	empty := View{Report: cadence.Report{}, Loc: time.UTC}
	if png, err := empty.ChartPNG(); png != nil || err != nil {
		t.Errorf("empty chart = %d bytes, %v; want nothing", len(png), err)
	}
}

// TestReportCadenceSinceTheStart: every figure of a cadence is shown for the period and since the
// start, stop rules included.
func TestReportCadenceSinceTheStart(t *testing.T) {
	r := bigReport(1)
	all := &r.AllTime.Cadences[0]
	all.Complaints, all.Bounces, all.Overdue = 7, 8, 2
	all.Stopped = map[cadence.StopReason]int{cadence.StopReplied: 11, cadence.StopComplained: 7}
	r.Period.Cadences[0].Stopped = map[cadence.StopReason]int{cadence.StopBounced: 1}
	v := View{Report: r, Loc: time.UTC, Lookup: testLookup(1)}
	got := v.cadenceText("c000")
	for _, want := range []string{
		"This week: Enrolled 5 · Touches 40 · Replies 6/40 (15%) · Meetings 1 · Opt-outs 0 · Complaints 0 · Bounces 0 · Overdue now 0",
		"Since the start: Enrolled 25 · Touches 200 · Replies 30/200 (15%) · Meetings 5 · Opt-outs 0 · Complaints 7 · Bounces 8\n",
		"Ended this week: Bounced 1",
		"Ended since the start: Replied 11 · Complained 7",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("cadence section lacks %q:\n%s", want, got)
		}
	}
}

// TestReportNamesItsRange: a report over another range than a week does not call it "this week".
func TestReportNamesItsRange(t *testing.T) {
	r := bigReport(2)
	r.Period.To = r.Period.From.AddDate(0, 0, 30)
	r.Previous.Cadences[0].OptOuts = 0
	r.Period.Cadences[0].OptOuts = 1
	v := View{Report: r, Loc: time.UTC, Lookup: testLookup(2)}
	txt := v.Text()
	if strings.Contains(txt, "this week") || strings.Contains(txt, "This week") {
		t.Errorf("a 30-day report speaks of this week:\n%s", txt)
	}
	for _, want := range []string{"These 30 days: Enrolled", "1 these 30 days, 0 the 30 days before", "Best step these 30 days"} {
		if !strings.Contains(txt, want) {
			t.Errorf("text lacks %q:\n%s", want, txt)
		}
	}
	_, blocks := v.Blocks()
	js, _ := json.Marshal(blocks)
	if !bytes.Contains(js, []byte("*Team these 30 days*")) || !bytes.Contains(js, []byte("*Reps these 30 days*")) {
		t.Errorf("blocks do not name the range:\n%s", js)
	}
}

// TestGolden: the report's Block Kit message, plain text and CSV for a small report and an empty
// one, against testdata/*.golden.*.
func TestGolden(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip("no tzdata")
	}
	small := bigReport(3)
	small.Period.Cadences[2].OptOuts = 2
	small.Period.Cadences[1].Complaints = 1
	small.Period.Team.Overdue = 4
	small.Period.Cadences = append(small.Period.Cadences, cadence.CadenceStats{CadenceID: "gone <!channel>", Counts: cadence.Counts{Touches: 1}})
	small.AllTime.Cadences = append(small.AllTime.Cadences, cadence.CadenceStats{CadenceID: "gone <!channel>", Counts: cadence.Counts{Touches: 1},
		Steps: []cadence.StepStats{{Step: 5, Touches: 1}}})
	for name, v := range map[string]View{
		"small": {Report: small, Loc: berlin, Lookup: testLookup(3)},
		"empty": New(cadence.Report{Period: cadence.Section{From: small.Period.From, To: small.Period.To}}, nil, nil),
	} {
		t.Run(name, func(t *testing.T) {
			text, blocks := v.Blocks()
			js, err := json.MarshalIndent(struct {
				Text   string  `json:"text"`
				Blocks []Block `json:"blocks"`
			}{text, blocks}, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			golden.Check(t, name+".golden.json", append(js, '\n'))
			golden.Check(t, name+".golden.txt", []byte(v.Text()))
			var csv bytes.Buffer
			if err := v.WriteCSV(&csv); err != nil {
				t.Fatal(err)
			}
			golden.Check(t, name+".golden.csv", csv.Bytes())
		})
	}
}

// TestOnlyRep: a rep who is not an admin sees their own row and the team's numbers.
func TestOnlyRep(t *testing.T) {
	v := View{Report: bigReport(3), Loc: time.UTC, Lookup: testLookup(3)}.OnlyRep("U00000001")
	for _, s := range []cadence.Section{v.Report.Period, v.Report.Previous, v.Report.AllTime} {
		if len(s.Reps) != 1 || s.Reps[0].Rep != "U00000001" || len(s.Cadences) != 3 {
			t.Errorf("reps %+v, %d cadences; want U00000001's alone and every cadence", s.Reps, len(s.Cadences))
		}
	}
	if full := (View{Report: bigReport(3)}); len(full.Report.Period.Reps) != 3 {
		t.Error("OnlyRep changed the report it was called on")
	}
}
