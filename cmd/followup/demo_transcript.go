package main

// The demo's transcript: Block Kit (as the bot posts it to the fake Slack) rendered as plain text,
// with every button numbered so that a person can click it by its number.

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// kbBlock is the part of a Block Kit block the transcript shows.
type kbBlock struct {
	Type     string      `json:"type"`
	BlockID  string      `json:"block_id"`
	Text     *kbText     `json:"text"`
	Fields   []kbText    `json:"fields"`
	Elements []kbElement `json:"elements"`
	AltText  string      `json:"alt_text"`
	Title    *kbText     `json:"title"`
}

type kbText struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

// kbElement is an element of a context block (a text object or an image) or of an actions block
// (a button, whose text is itself a text object).
type kbElement struct {
	Type     string          `json:"type"`
	Text     json.RawMessage `json:"text"`
	ActionID string          `json:"action_id"`
	Value    string          `json:"value"`
	URL      string          `json:"url"`
	AltText  string          `json:"alt_text"`
}

// label returns the element's text, whether it is a string (a text object) or an object (a button).
func (e kbElement) label() string {
	var s string
	if json.Unmarshal(e.Text, &s) == nil {
		return s
	}
	var t kbText
	if json.Unmarshal(e.Text, &t) == nil {
		return t.Text
	}
	return ""
}

// demoButton is a button of a shown message, numbered from 1 in the order it appears.
type demoButton struct {
	Label, ActionID, BlockID, Value string
}

// textRenderer turns Slack markup into plain text: mentions become @names, channel links #names.
type textRenderer struct {
	names map[string]string // user or channel id → name, without the @ or #
}

var (
	reUser    = regexp.MustCompile(`<@([UW][A-Z0-9]+)(?:\|[^>]*)?>`)
	reChannel = regexp.MustCompile(`<#([CGD][A-Z0-9]+)(?:\|([^>]*))?>`)
	reLink    = regexp.MustCompile(`<((?:https?|mailto|tel):[^|>]+)(?:\|([^>]*))?>`)
	reSpecial = regexp.MustCompile(`<!([a-z]+)(?:\^[^|>]*)?(?:\|([^>]*))?>`)
)

// inline renders one piece of mrkdwn: links and mentions resolved, entities unescaped. Bold and
// italics keep their * and _ markers, which read well as plain text.
func (r textRenderer) inline(s string) string {
	s = reUser.ReplaceAllStringFunc(s, func(m string) string {
		id := reUser.FindStringSubmatch(m)[1]
		if n, ok := r.names[id]; ok {
			return "@" + n
		}
		return "@" + id
	})
	s = reChannel.ReplaceAllStringFunc(s, func(m string) string {
		sub := reChannel.FindStringSubmatch(m)
		if sub[2] != "" {
			return "#" + sub[2]
		}
		if n, ok := r.names[sub[1]]; ok {
			return "#" + n
		}
		return "#" + sub[1]
	})
	s = reLink.ReplaceAllStringFunc(s, func(m string) string {
		sub := reLink.FindStringSubmatch(m)
		url := strings.TrimPrefix(strings.TrimPrefix(sub[1], "mailto:"), "tel:")
		if sub[2] == "" || sub[2] == url {
			return url
		}
		return sub[2] + " (" + url + ")"
	})
	s = reSpecial.ReplaceAllStringFunc(s, func(m string) string {
		sub := reSpecial.FindStringSubmatch(m)
		if sub[2] != "" {
			return sub[2]
		}
		return "@" + sub[1]
	})
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&",
		":white_check_mark:", "✅", ":tada:", "🎉", ":no_entry_sign:", "🚫", ":zzz:", "💤",
		":fast_forward:", "⏩", ":double_vertical_bar:", "⏸").Replace(s)
}

// mrkdwn renders a text object's text as lines; the lines of a ``` code block (a draft) are set
// off with a bar.
func (r textRenderer) mrkdwn(s string) []string {
	var out []string
	for i, part := range strings.Split(s, "```") {
		part = strings.Trim(part, "\n")
		if part == "" {
			continue
		}
		for _, line := range strings.Split(r.inline(part), "\n") {
			if i%2 == 1 {
				line = "│ " + line
			}
			out = append(out, line)
		}
	}
	return out
}

// blocks renders a blocks array as lines of text and returns its buttons in order; the n-th
// button is shown as [n]. It returns nil lines for an empty or unreadable array.
func (r textRenderer) blocks(raw json.RawMessage) (lines []string, buttons []demoButton) {
	var bs []kbBlock
	if len(raw) == 0 || json.Unmarshal(raw, &bs) != nil {
		return nil, nil
	}
	var raws []json.RawMessage
	_ = json.Unmarshal(raw, &raws)
	for i, b := range bs {
		switch b.Type {
		case "rich_text":
			lines = append(lines, richTextLines(raws[i])...)
		case "header":
			if b.Text != nil {
				lines = append(lines, "== "+strings.ToUpper(r.inline(b.Text.Text))+" ==")
			}
		case "section":
			if b.Text != nil {
				lines = append(lines, r.mrkdwn(b.Text.Text)...)
			}
			for i := 0; i < len(b.Fields); i += 2 {
				row := r.inline(b.Fields[i].Text)
				if i+1 < len(b.Fields) {
					row += "   " + r.inline(b.Fields[i+1].Text)
				}
				lines = append(lines, strings.Split(row, "\n")...)
			}
		case "context":
			var parts []string
			for _, e := range b.Elements {
				if t := e.label(); t != "" {
					parts = append(parts, r.inline(t))
				} else if e.AltText != "" {
					parts = append(parts, "["+e.AltText+"]")
				}
			}
			if len(parts) > 0 {
				lines = append(lines, "› "+strings.Join(parts, " · "))
			}
		case "divider":
			lines = append(lines, strings.Repeat("─", 40))
		case "image":
			alt := b.AltText
			if b.Title != nil && b.Title.Text != "" {
				alt = b.Title.Text
			}
			lines = append(lines, "[image: "+alt+"]")
		case "actions":
			var row []string
			for _, e := range b.Elements {
				if e.Type != "button" {
					continue
				}
				buttons = append(buttons, demoButton{Label: e.label(), ActionID: e.ActionID, BlockID: b.BlockID, Value: e.Value})
				row = append(row, fmt.Sprintf("[%d] %s", len(buttons), e.label()))
			}
			if len(row) > 0 {
				lines = append(lines, strings.Join(row, "  "))
			}
		}
	}
	return lines, buttons
}

// message renders a message's blocks, or its text when it has none.
func (r textRenderer) message(text string, blocks json.RawMessage) ([]string, []demoButton) {
	lines, buttons := r.blocks(blocks)
	if len(lines) == 0 {
		lines = r.mrkdwn(text)
	}
	return lines, buttons
}

// richTextLines renders a rich_text block: sections as they read, preformatted text (a draft) set
// off with a bar like a code block.
func richTextLines(raw json.RawMessage) []string {
	var b struct {
		Elements []struct {
			Type     string `json:"type"`
			Elements []struct {
				Text string `json:"text"`
			} `json:"elements"`
		} `json:"elements"`
	}
	if json.Unmarshal(raw, &b) != nil {
		return nil
	}
	var out []string
	for _, e := range b.Elements {
		var s strings.Builder
		for _, t := range e.Elements {
			s.WriteString(t.Text)
		}
		for _, line := range strings.Split(strings.Trim(s.String(), "\n"), "\n") {
			if e.Type == "rich_text_preformatted" {
				line = "│ " + line
			}
			out = append(out, line)
		}
	}
	return out
}
