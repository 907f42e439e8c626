package bot

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/followup-bot/followup/bot/slacktest"
	"github.com/followup-bot/followup/cadence"
)

// openModal runs "/followup add" from a channel and returns the modal it opened.
func (h *harness) openModal(t *testing.T, user string) slacktest.View {
	t.Helper()
	n := len(h.slack.CallsTo("views.open"))
	ack, err := h.slack.SendSlashCommand(h.ctx, slacktest.SlashCommand{UserID: user, Text: "add", ChannelID: "C0SALES001"})
	if err != nil {
		t.Fatal(err)
	}
	checkAck(t, ack)
	calls, err := h.slack.WaitCalls(h.ctx, "views.open", n+1)
	if err != nil {
		t.Fatal(err)
	}
	if c := calls[n]; c.Error != "" {
		t.Fatalf("views.open failed: %s", c.Error)
	}
	views := h.slack.Views()
	return views[len(views)-1]
}

// modalValues fills the add modal's state: a block id → value map, where dates and selects
// are recognised by their block.
func modalValues(fields map[string]string) map[string]map[string]any {
	out := map[string]map[string]any{}
	for block, v := range fields {
		switch block {
		case "cadence", "intent":
			out[block] = map[string]any{modalValue: slacktest.StaticSelect(v)}
		case "decision", "start", "on":
			out[block] = map[string]any{modalValue: slacktest.DatePicker(v)}
		case "sms":
			out[block] = map[string]any{modalValue: slacktest.Checkboxes(v)}
		default:
			out[block] = map[string]any{modalValue: slacktest.TextInput(v)}
		}
	}
	return out
}

func TestModalOpensWithEveryField(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	v := h.openModal(t, alice)
	var view struct {
		Title           struct{ Text string }
		CallbackID      string `json:"callback_id"`
		PrivateMetadata string `json:"private_metadata"`
		Blocks          []struct {
			BlockID  string `json:"block_id"`
			Optional bool
			Element  struct {
				Type          string
				Options       []struct{ Value string }
				InitialOption *struct{ Value string } `json:"initial_option"`
				Multiline     bool
				MaxLength     int `json:"max_length"`
			}
		}
	}
	if err := json.Unmarshal(v.JSON, &view); err != nil {
		t.Fatal(err)
	}
	if view.Title.Text != "New follow-up" || view.CallbackID != addCallbackID || view.PrivateMetadata != "C0SALES001" {
		t.Errorf("title %q callback %q metadata %q", view.Title.Text, view.CallbackID, view.PrivateMetadata)
	}
	var ids []string
	for _, b := range view.Blocks {
		ids = append(ids, b.BlockID)
		switch b.BlockID {
		case "name":
			if b.Optional {
				t.Error("the name is optional")
			}
		case "cadence":
			if len(b.Element.Options) != len(cadence.Builtin().IDs()) {
				t.Errorf("cadence options %v", b.Element.Options)
			}
		case "intent":
			if b.Element.InitialOption == nil || b.Element.InitialOption.Value != "warm" {
				t.Errorf("intent default %+v", b.Element.InitialOption)
			}
		case "note":
			if !b.Element.Multiline || b.Element.MaxLength != 2000 {
				t.Errorf("note element %+v", b.Element)
			}
		case "decision", "start":
			if b.Element.Type != "datepicker" || !b.Optional {
				t.Errorf("%s element %+v", b.BlockID, b.Element)
			}
		}
	}
	if got := strings.Join(ids, ","); got != "name,email,phone,linkedin,company,role,cadence,intent,decision,note,start,on,sms" {
		t.Errorf("blocks %s", got)
	}
}

func TestModalSubmitValid(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	v := h.openModal(t, alice)
	ack := h.submitView(t, slacktest.ViewSubmission{UserID: alice, ViewID: v.ID, Values: modalValues(map[string]string{
		"name": "Dana Lee 🚀", "email": "Dana@Acme.com", "phone": "+1 (555) 010-0199", "linkedin": "https://linkedin.com/in/dana-lee",
		"company": "Acme", "role": "CTO", "cadence": "proposal", "intent": "hot", "decision": "2026-04-30",
		"note": "cares about response time", "start": "",
	})})
	if errs := viewErrors(t, ack); errs != nil {
		t.Fatalf("modal kept open: %v", errs)
	}
	dm := h.waitDM(t, alice, 1)[0]
	text := blockText(dm.Blocks)
	mustContain(t, text, "Enrolled *Dana Lee 🚀* (Acme) in *", "Follow-up id: `", "*Planned schedule*", "1. Wed 4 Mar 09:00 · Email", "4. Thu 12 Mar", "decision date Thu 30 Apr")
	id := idRE.FindStringSubmatch(text)[1]
	got, err := h.store.Enrollment(h.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	c := got.Contact
	if c.Email != "dana@acme.com" || c.Phone == "" || c.LinkedIn == "" || c.Role != "CTO" || got.Enrollment.CadenceID != "proposal" ||
		got.Enrollment.Intent != cadence.IntentHot || got.Enrollment.Note != "cares about response time" {
		t.Errorf("stored %+v %+v", c, got.Enrollment)
	}
}

func TestModalSubmitInvalidKeepsItOpen(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	v := h.openModal(t, alice)
	h.slash(t, alice, "settings") // Alice's settings come into being on first use
	before := h.snapshot(t, alice)
	ack := h.submitView(t, slacktest.ViewSubmission{UserID: alice, ViewID: v.ID, Values: modalValues(map[string]string{
		"name": "  ", "email": "not-an-email", "phone": "call me", "linkedin": "https://example.com/dana", "cadence": "webinar",
		"intent": "lukewarm", "decision": "2020-01-01", "note": strings.Repeat("n", 2001), "start": "2020-01-01",
	})})
	errs := viewErrors(t, ack)
	for _, f := range []string{"name", "email", "phone", "linkedin", "cadence", "intent", "decision", "note", "start"} {
		if errs[f] == "" {
			t.Errorf("no error on %s: %v", f, errs)
		}
	}
	if !strings.Contains(errs["cadence"], "demo") {
		t.Errorf("cadence error lists no ids: %q", errs["cadence"])
	}
	// A refusal by the store (an opted-out contact) also keeps the modal open.
	id := h.mustAdd(t, bob, "Dana dana@acme.com cadence=demo")
	ack = h.submitView(t, slacktest.ViewSubmission{UserID: alice, ViewID: v.ID, Values: modalValues(map[string]string{
		"name": "Dana", "email": "dana@acme.com", "cadence": "demo", "intent": "warm"})})
	if errs := viewErrors(t, ack); !strings.Contains(errs["name"], id) {
		t.Errorf("duplicate enrollment errors %v", errs)
	}
	if after := h.snapshot(t, alice); after != before {
		t.Errorf("an invalid submission changed the state")
	}
	if ms := h.slack.Messages(alice); len(ms) != 0 {
		t.Errorf("DMs after an invalid submission: %v", ms)
	}
}

func TestAddOpenButtonOpensModal(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ack, err := h.slack.SendBlockAction(h.ctx, slacktest.BlockAction{UserID: alice, ChannelID: alice, ActionID: actionAddOpen})
	if err != nil {
		t.Fatal(err)
	}
	checkAck(t, ack)
	if _, err := h.slack.WaitCalls(h.ctx, "views.open", 1); err != nil {
		t.Fatal(err)
	}
}
