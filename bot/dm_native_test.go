package bot

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/followup-bot/followup/cadence"
)

// richTextOf returns the text of a rich_text block: each section or preformatted element on its
// own line, its text elements joined.
func richTextOf(raw json.RawMessage) string {
	var b struct {
		Elements []struct {
			Type     string `json:"type"`
			Elements []struct {
				Type string `json:"type"`
				Text string `json:"text"`
			} `json:"elements"`
		} `json:"elements"`
	}
	_ = json.Unmarshal(raw, &b)
	var lines []string
	for _, e := range b.Elements {
		var s strings.Builder
		for _, t := range e.Elements {
			s.WriteString(t.Text)
		}
		lines = append(lines, s.String())
	}
	return strings.Join(lines, "\n")
}

// draftBlock finds the rich_text block of a rendered DM.
func draftBlock(t *testing.T, v dmView) (subject, body string, raw json.RawMessage) {
	t.Helper()
	_, blocks := renderDM(v)
	all, _ := json.Marshal(blocks)
	var bs []json.RawMessage
	_ = json.Unmarshal(all, &bs)
	for _, b := range bs {
		var head struct {
			Type     string `json:"type"`
			Elements []struct {
				Type     string `json:"type"`
				Elements []struct {
					Text string `json:"text"`
				} `json:"elements"`
			} `json:"elements"`
		}
		_ = json.Unmarshal(b, &head)
		if head.Type != "rich_text" {
			continue
		}
		for _, e := range head.Elements {
			var s strings.Builder
			for _, x := range e.Elements {
				s.WriteString(x.Text)
			}
			switch e.Type {
			case "rich_text_section":
				subject = s.String()
			case "rich_text_preformatted":
				body = s.String()
			}
		}
		return subject, body, b
	}
	t.Fatalf("no rich_text block in %s", all)
	return "", "", nil
}

func TestDMDraftCopiesCleanly(t *testing.T) {
	v := sampleDM(t)
	subject, body, _ := draftBlock(t, v)
	if subject != "Subject: Your questions from Tuesday" {
		t.Errorf("subject line = %q", subject)
	}
	// Exactly the message: no escaping, no code fences, nothing around it.
	want := "Hi Dana,\nthanks for the time on Tuesday. <b>Pricing</b> & rollout: ...\n\nBest,\nAlice"
	if body != want {
		t.Errorf("preformatted body = %q, want %q", body, want)
	}
	// A draft without a subject (a LinkedIn note, a call script) is all preformatted.
	v.Touch.Draft = "Hi Dana — ``` and <tags> stay as typed."
	subject, body, _ = draftBlock(t, v)
	if subject != "" || body != v.Touch.Draft {
		t.Errorf("subject %q body %q", subject, body)
	}
}

func TestDMShowsLinkAndCompanyNews(t *testing.T) {
	v := sampleDM(t)
	v.Link = "https://fakeco.slack.com/archives/C0ACME/p1772546400000100"
	lastDone := v.Earlier[0].DoneAt
	v.News = []cadence.CompanyNews{
		{Who: "Old News", Company: "Acme", Outcome: cadence.OutcomeReplied, At: lastDone.Add(-time.Hour)},
		{Who: "Kim Park", Company: "Acme", Outcome: cadence.OutcomeMeetingBooked, At: lastDone.Add(time.Hour)},
	}
	_, blocks := renderDM(v)
	raw, _ := json.Marshal(blocks)
	text := blockText(raw)
	mustContain(t, text, "<"+v.Link+"|", "Kim Park at Acme booked a meeting on Tue 3 Mar")
	if strings.Contains(text, "Old News") {
		t.Error("news from before the previous touch is shown again")
	}
	// A link that is not a plain https URL is left out rather than break the markup.
	v.Link = "https://x|<!channel>"
	_, blocks = renderDM(v)
	raw, _ = json.Marshal(blocks)
	if strings.Contains(string(raw), "x|") {
		t.Errorf("a malformed link was rendered: %s", raw)
	}
}
