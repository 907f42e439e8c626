package slacktest

import (
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// Block Kit limits the server enforces, from Slack's documentation.
const (
	maxMessageBlocks = 50
	maxViewBlocks    = 100
	maxSectionText   = 3000
	maxSectionField  = 2000
	maxHeaderText    = 150
	maxButtonText    = 75
	maxButtonValue   = 2000
	maxButtonURL     = 3000
	maxID            = 255
	maxViewTitle     = 24
	maxPrivateMeta   = 3000
	maxViewBytes     = 250 * 1024

	maxContextElements = 10
)

// textObj is a Block Kit text object.
type textObj struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

// element is the subset of a Block Kit element the server checks.
type element struct {
	Type     string   `json:"type"`
	ActionID string   `json:"action_id"`
	Text     *textObj `json:"text"`
	Value    string   `json:"value"`
	URL      string   `json:"url"`
}

// block is the subset of a layout block the server checks.
type block struct {
	Type      string    `json:"type"`
	BlockID   string    `json:"block_id"`
	Text      *textObj  `json:"text"`
	Fields    []textObj `json:"fields"`
	Accessory *element  `json:"accessory"`
	// Elements stays raw: their shape depends on the block (buttons in actions blocks, text
	// objects and images in context blocks, nested elements in rich_text blocks).
	Elements []json.RawMessage `json:"elements"`
	Element  *element          `json:"element"`
	Label    *textObj          `json:"label"`
}

// validateBlocks checks a JSON array of blocks against Slack's limits and
// returns Slack-style messages ("… [json-pointer:/blocks/0/text/text]"); none
// means the blocks are valid. ptr is the JSON pointer of the array.
func validateBlocks(raw string, maxBlocks int, ptr string) []string {
	var blocks []block
	if err := json.Unmarshal([]byte(raw), &blocks); err != nil {
		return []string{fmt.Sprintf("invalid JSON: %v [json-pointer:%s]", err, ptr)}
	}
	var msgs []string
	tooLong := func(s string, limit int, at string) {
		if utf8.RuneCountInString(s) > limit {
			msgs = append(msgs, fmt.Sprintf("must be less than %d characters [json-pointer:%s]", limit+1, at))
		}
	}
	if len(blocks) > maxBlocks {
		msgs = append(msgs, fmt.Sprintf("no more than %d items allowed [json-pointer:%s]", maxBlocks, ptr))
	}
	checkElement := func(e *element, at string) {
		tooLong(e.ActionID, maxID, at+"/action_id")
		if e.Type != "button" {
			return
		}
		if e.Text != nil {
			tooLong(e.Text.Text, maxButtonText, at+"/text/text")
		}
		tooLong(e.Value, maxButtonValue, at+"/value")
		tooLong(e.URL, maxButtonURL, at+"/url")
	}
	for i, b := range blocks {
		at := fmt.Sprintf("%s/%d", ptr, i)
		if b.Type == "" {
			msgs = append(msgs, fmt.Sprintf("missing required field: type [json-pointer:%s]", at))
		}
		tooLong(b.BlockID, maxID, at+"/block_id")
		switch b.Type {
		case "section":
			if b.Text != nil {
				tooLong(b.Text.Text, maxSectionText, at+"/text/text")
			}
			for j, f := range b.Fields {
				tooLong(f.Text, maxSectionField, fmt.Sprintf("%s/fields/%d/text", at, j))
			}
		case "header":
			if b.Text != nil {
				tooLong(b.Text.Text, maxHeaderText, at+"/text/text")
			}
		case "input":
			if b.Label != nil {
				tooLong(b.Label.Text, maxSectionField, at+"/label/text")
			}
		}
		if b.Accessory != nil {
			checkElement(b.Accessory, at+"/accessory")
		}
		if b.Element != nil {
			checkElement(b.Element, at+"/element")
		}
		switch b.Type {
		case "actions":
			seen := map[string]bool{}
			for j, raw := range b.Elements {
				var e element
				if err := json.Unmarshal(raw, &e); err != nil {
					msgs = append(msgs, fmt.Sprintf("invalid element: %v [json-pointer:%s/elements/%d]", err, at, j))
					continue
				}
				checkElement(&e, fmt.Sprintf("%s/elements/%d", at, j))
				if e.ActionID != "" && seen[e.ActionID] {
					msgs = append(msgs, fmt.Sprintf("action_id must be unique in the block [json-pointer:%s/elements/%d/action_id]", at, j))
				}
				seen[e.ActionID] = true
			}
		case "rich_text":
			msgs = append(msgs, checkRichText(b.Elements, at)...)
		case "context":
			if len(b.Elements) > maxContextElements {
				msgs = append(msgs, fmt.Sprintf("no more than %d items allowed [json-pointer:%s/elements]", maxContextElements, at))
			}
			for j, raw := range b.Elements {
				var t textObj
				if json.Unmarshal(raw, &t) == nil && (t.Type == "mrkdwn" || t.Type == "plain_text") {
					tooLong(t.Text, maxSectionText, fmt.Sprintf("%s/elements/%d/text", at, j))
				}
			}
		}
	}
	return msgs
}

// richTextContainers are the element types a rich_text block holds.
var richTextContainers = map[string]bool{"rich_text_section": true, "rich_text_list": true,
	"rich_text_preformatted": true, "rich_text_quote": true}

// checkRichText checks a rich_text block's elements: at least one, each a known container
// holding typed leaves, text leaves with a string text.
func checkRichText(elements []json.RawMessage, at string) []string {
	if len(elements) == 0 {
		return []string{fmt.Sprintf("must provide at least 1 item [json-pointer:%s/elements]", at)}
	}
	var msgs []string
	for i, raw := range elements {
		var c struct {
			Type     string `json:"type"`
			Elements []struct {
				Type string  `json:"type"`
				Text *string `json:"text"`
			} `json:"elements"`
		}
		ptr := fmt.Sprintf("%s/elements/%d", at, i)
		if err := json.Unmarshal(raw, &c); err != nil || !richTextContainers[c.Type] {
			msgs = append(msgs, fmt.Sprintf("must be a rich text element [json-pointer:%s/type]", ptr))
			continue
		}
		if c.Type == "rich_text_list" {
			continue // a list holds sections; not used by the bot
		}
		for j, leaf := range c.Elements {
			switch {
			case leaf.Type == "":
				msgs = append(msgs, fmt.Sprintf("missing required field: type [json-pointer:%s/elements/%d]", ptr, j))
			case leaf.Type == "text" && (leaf.Text == nil || *leaf.Text == ""):
				msgs = append(msgs, fmt.Sprintf("must be more than 0 characters [json-pointer:%s/elements/%d/text]", ptr, j))
			}
		}
	}
	return msgs
}
