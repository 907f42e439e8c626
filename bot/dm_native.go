package bot

import (
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"github.com/followup-bot/followup/cadence"
	"github.com/followup-bot/followup/prompts"
)

// maxDraftChars bounds the draft shown in a DM; drafts are far shorter (an email is at most 120
// words), so only a broken drafter's output is ever cut.
const maxDraftChars = 3000

// draftBlocks shows the draft so that it copies cleanly: a line saying who wrote it, then a
// rich_text block with the email's subject on its own line and the message itself as
// rich_text_preformatted text, sent as it is (rich text needs no escaping), so one copy of the
// block puts exactly the message on the clipboard.
func (v dmView) draftBlocks() []slack.Block {
	t := v.Touch
	if strings.TrimSpace(t.Draft) == "" {
		return []slack.Block{slack.NewSectionBlock(mrkdwn("*Draft:* _none yet: write your own, or press New draft._"), nil, nil)}
	}
	by := "offline template"
	if t.DraftSource == prompts.SourceLLM {
		by = "LLM"
		if t.DraftModel != "" {
			by += " " + truncate(t.DraftModel, 60)
		}
	}
	head := slack.NewSectionBlock(mrkdwn("*Draft* ("+escapeText(by)+")"), nil, nil)
	subject, body := splitSubject(t.Draft)
	var els []slack.RichTextElement
	if subject != "" {
		els = append(els, slack.NewRichTextSection(
			slack.NewRichTextSectionTextElement("Subject: ", &slack.RichTextSectionTextStyle{Bold: true}),
			slack.NewRichTextSectionTextElement(truncate(subject, maxHeaderChars*2), nil),
		))
	}
	if body == "" {
		body = " "
	}
	els = append(els, &slack.RichTextPreformatted{Type: slack.RTEPreformatted,
		Elements: []slack.RichTextSectionElement{slack.NewRichTextSectionTextElement(truncate(body, maxDraftChars), nil)}})
	return []slack.Block{head, slack.NewRichTextBlock("tp.draft", els...)}
}

// splitSubject separates an email draft's "Subject: …" first line from its body; a draft without
// one is all body.
func splitSubject(draft string) (subject, body string) {
	d := strings.Trim(draft, "\n")
	first, rest, _ := strings.Cut(d, "\n")
	if s, ok := strings.CutPrefix(strings.TrimSpace(first), "Subject:"); ok && strings.TrimSpace(s) != "" {
		return strings.TrimSpace(s), strings.Trim(rest, "\n")
	}
	return "", d
}

// originLines are the DM's lines about where the follow-up came from and what happened at the
// contact's company since the previous touch: "\n*From:* <link|the Slack message>" and
// "\n*At Acme:* Dana Lee replied on Tue 3 Mar". Empty when there is neither.
func (v dmView) originLines() string {
	var b strings.Builder
	if v.Link != "" && strings.HasPrefix(v.Link, "https://") && !strings.ContainsAny(v.Link, "<>| \n") {
		b.WriteString("\n*From:* <" + v.Link + "|the Slack message it started on>")
	}
	for _, n := range v.newsSinceLastTouch() {
		what := "replied"
		if n.Outcome == cadence.OutcomeMeetingBooked {
			what = "booked a meeting"
		}
		fmt.Fprintf(&b, "\n:office: *%s at %s %s on %s* — consider whether this follow-up still fits.",
			escapeText(truncate(orDash(n.Who), maxFieldChars)), escapeText(truncate(n.Company, maxFieldChars)), what,
			fmtDay(n.At.In(orUTC(v.Loc)), v.Now))
	}
	return b.String()
}

// newsSinceLastTouch is the company news of the DM's follow-up that came after its previous
// touch was logged: news is shown in the next reminder, not in every one after it.
func (v dmView) newsSinceLastTouch() []cadence.CompanyNews {
	var since cadence.Touchpoint
	for _, t := range v.Earlier {
		if t.DoneAt.After(since.DoneAt) {
			since = t
		}
	}
	var out []cadence.CompanyNews
	for _, n := range v.News {
		if since.DoneAt.IsZero() || n.At.After(since.DoneAt) {
			out = append(out, n)
		}
	}
	if len(out) > maxDMSignals {
		out = out[len(out)-maxDMSignals:]
	}
	return out
}
