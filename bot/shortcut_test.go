package bot

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/followup-bot/followup/bot/slacktest"
)

// dana is a Slack Connect user of another organization whose email is visible.
const (
	danaExt = "U0DANAEXT1"
	kimExt  = "U0KIMEXT01"
)

func addExternalUsers(h *harness) {
	h.slack.AddUser(slacktest.User{ID: danaExt, Name: "dana", RealName: "Dana Lee", Email: "dana@acme.com", TeamID: "T0ACMECORP"})
	h.slack.AddUser(slacktest.User{ID: kimExt, Name: "kim", RealName: "Kim Park", TeamID: "T0ACMECORP"}) // email hidden
}

// modalView is the part of an opened add modal the tests look at.
type modalView struct {
	PrivateMetadata string `json:"private_metadata"`
	Blocks          []struct {
		Type     string `json:"type"`
		BlockID  string `json:"block_id"`
		Elements []struct {
			Text string `json:"text"`
		} `json:"elements"`
		Element struct {
			InitialValue  string `json:"initial_value"`
			InitialOption *struct {
				Value string `json:"value"`
			} `json:"initial_option"`
		} `json:"element"`
	} `json:"blocks"`
}

func (m modalView) initial(block string) string {
	for _, b := range m.Blocks {
		if b.BlockID == block {
			if b.Element.InitialOption != nil {
				return b.Element.InitialOption.Value
			}
			return b.Element.InitialValue
		}
	}
	return ""
}

func (m modalView) context() string {
	var out []string
	for _, b := range m.Blocks {
		if b.Type == "context" {
			for _, e := range b.Elements {
				out = append(out, e.Text)
			}
		}
	}
	return strings.Join(out, "\n")
}

// shortcutModal sends a message shortcut and returns the add modal it opened.
func (h *harness) shortcutModal(t *testing.T, m slacktest.MessageShortcut) (slacktest.View, modalView) {
	t.Helper()
	n := len(h.slack.CallsTo("views.open"))
	ack, err := h.slack.SendMessageShortcut(h.ctx, m)
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
	v := views[len(views)-1]
	var mv modalView
	if err := json.Unmarshal(v.JSON, &mv); err != nil {
		t.Fatal(err)
	}
	return v, mv
}

func TestMessageShortcutPrefillsAndLinksBack(t *testing.T) {
	t.Parallel()
	h := newDispatchHarness(t)
	addExternalUsers(h)
	text := "Thanks for the demo! One question: does it work with <https://acme.com/sso|our SSO> &amp; Okta?"
	v, mv := h.shortcutModal(t, slacktest.MessageShortcut{UserID: alice, ChannelID: "C0ACMESHRD", Author: danaExt,
		Text: text, Ts: "1772546400.000100"})
	link := h.slack.Permalink("C0ACMESHRD", "1772546400.000100")
	if got := mv.initial("name"); got != "Dana Lee" {
		t.Errorf("name = %q", got)
	}
	if got := mv.initial("email"); got != "dana@acme.com" {
		t.Errorf("email = %q", got)
	}
	if got := mv.initial("note"); got != "Thanks for the demo! One question: does it work with our SSO (https://acme.com/sso) & Okta?" {
		t.Errorf("note = %q", got)
	}
	if got := mv.initial("cadence"); got != "demo" {
		t.Errorf("guessed cadence = %q, want demo", got)
	}
	mustContain(t, mv.context(), link, "Slack Connect")
	if !strings.Contains(mv.PrivateMetadata, link) {
		t.Errorf("private_metadata %q lacks the permalink", mv.PrivateMetadata)
	}

	ack := h.submitView(t, slacktest.ViewSubmission{UserID: alice, ViewID: v.ID, Values: modalValues(map[string]string{
		"name": "Dana Lee", "email": "dana@acme.com", "cadence": "demo", "intent": "warm", "note": mv.initial("note"),
	})})
	if errs := viewErrors(t, ack); errs != nil {
		t.Fatalf("submission refused: %v", errs)
	}
	got, err := h.store.ListEnrollments(h.ctx, alice)
	if err != nil || len(got) != 1 {
		t.Fatalf("enrollments = %v, %v", got, err)
	}
	id := got[0].Enrollment.ID
	if l, err := h.store.Link(h.ctx, id); err != nil || l != link {
		t.Errorf("stored link = %q, %v; want %q", l, err, link)
	}
	mustContain(t, h.slash(t, alice, "show "+id), "<"+link+"|")

	// Every reminder links back to the message.
	before := len(h.dms(alice))
	h.advanceTo(t, got[0].Open.Due)
	h.pass(t)
	dms := h.waitDM(t, alice, before+1)
	mustContain(t, dmText(dms[len(dms)-1]), "Follow up with Dana Lee", "<"+link+"|")
}

func TestMessageShortcutHiddenEmailAndInternalAuthor(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	addExternalUsers(h)
	_, mv := h.shortcutModal(t, slacktest.MessageShortcut{UserID: alice, Author: kimExt, Text: "Sorry I missed our call, can we find a new time?"})
	if mv.initial("name") != "Kim Park" || mv.initial("email") != "" {
		t.Errorf("name %q email %q, want Kim Park and no email", mv.initial("name"), mv.initial("email"))
	}
	if mv.initial("cadence") != "missed-meeting" {
		t.Errorf("cadence = %q, want missed-meeting", mv.initial("cadence"))
	}
	mustContain(t, mv.context(), "not visible")

	// A colleague's message: the note and the link, but the contact is for the rep to fill in.
	_, mv = h.shortcutModal(t, slacktest.MessageShortcut{UserID: alice, Author: bob, Text: "Lead from the booth: Ana at Initech wants pricing"})
	if mv.initial("name") != "" || mv.initial("email") != "" {
		t.Errorf("an internal author became the contact: %q %q", mv.initial("name"), mv.initial("email"))
	}
	if mv.initial("note") == "" {
		t.Error("no note")
	}
}

func TestMessageShortcutLongMessage(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	addExternalUsers(h)
	long := strings.Repeat("word ", 7999) + "word!" // 40,000 characters, Slack's most
	_, mv := h.shortcutModal(t, slacktest.MessageShortcut{UserID: alice, Author: danaExt, Text: long})
	note := mv.initial("note")
	if n := utf8.RuneCountInString(note); n == 0 || n > maxNoteLen {
		t.Errorf("note is %d characters, want 1 to %d", n, maxNoteLen)
	}
	mustContain(t, mv.context(), "40,000")
}

func TestMessageShortcutRefusals(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	addExternalUsers(h)
	h.slack.HideChannel("G0PRIVATE1")
	for _, tc := range []struct {
		name string
		m    slacktest.MessageShortcut
		want string
	}{
		{"bot message", slacktest.MessageShortcut{BotID: "B0OTHER001", SubType: "bot_message", Text: "New lead: Dana"}, "posted by an app"},
		{"our own reminder", slacktest.MessageShortcut{Author: slacktest.DefaultBotUserID, Text: "Follow up with Dana"}, "posted by an app"},
		{"no text", slacktest.MessageShortcut{Author: danaExt, Text: "  "}, "no text"},
		{"unreadable channel", slacktest.MessageShortcut{Author: danaExt, Text: "hi", ChannelID: "G0PRIVATE1"}, "can't read"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := tc.m
			m.UserID = alice
			m.ResponseURL = h.slack.NewResponseURL()
			opened := len(h.slack.CallsTo("views.open"))
			ack, err := h.slack.SendMessageShortcut(h.ctx, m)
			if err != nil {
				t.Fatal(err)
			}
			checkAck(t, ack)
			var body struct{ Text string }
			if err := h.waitResponse(t, m.ResponseURL).Decode(&body); err != nil {
				t.Fatal(err)
			}
			mustContain(t, body.Text, tc.want)
			if n := len(h.slack.CallsTo("views.open")); n != opened {
				t.Errorf("a modal was opened anyway")
			}
		})
	}
	if got, _ := h.store.ListEnrollments(h.ctx, ""); len(got) != 0 {
		t.Errorf("refused shortcuts enrolled %d", len(got))
	}
}

func TestGlobalShortcutOpensAddModal(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ack, err := h.slack.SendGlobalShortcut(h.ctx, slacktest.GlobalShortcut{UserID: bob})
	if err != nil {
		t.Fatal(err)
	}
	checkAck(t, ack)
	calls, err := h.slack.WaitCalls(h.ctx, "views.open", 1)
	if err != nil || calls[0].Error != "" {
		t.Fatalf("views.open: %v %+v", err, calls)
	}
	if !strings.Contains(string(calls[0].JSON), addCallbackID) {
		t.Errorf("views.open did not open the add modal: %s", calls[0].JSON)
	}
	// A shortcut from another workspace opens nothing.
	ack, err = h.slack.SendGlobalShortcut(h.ctx, slacktest.GlobalShortcut{UserID: bob, TeamID: "T0OTHER001"})
	if err != nil {
		t.Fatal(err)
	}
	checkAck(t, ack)
	ack, err = h.slack.SendGlobalShortcut(h.ctx, slacktest.GlobalShortcut{UserID: bob})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.slack.WaitCalls(h.ctx, "views.open", 2); err != nil {
		t.Fatal(err)
	}
	if n := len(h.slack.CallsTo("views.open")); n != 2 {
		t.Errorf("views.open called %d times, want 2 (the foreign shortcut refused)", n)
	}
}

// TestMessageShortcutSlackFaults: users.info failing leaves the contact for the rep to fill in;
// chat.getPermalink failing opens nothing and says so.
func TestMessageShortcutSlackFaults(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	addExternalUsers(h)
	h.slack.FailNext("users.info", 1, slacktest.ServerError(500))
	_, mv := h.shortcutModal(t, slacktest.MessageShortcut{UserID: alice, Author: danaExt, Text: "Can we get the proposal by Friday?"})
	if mv.initial("name") != "" || mv.initial("note") == "" || mv.initial("cadence") != "proposal" {
		t.Errorf("name %q note %q cadence %q", mv.initial("name"), mv.initial("note"), mv.initial("cadence"))
	}

	h.slack.FailNext("chat.getPermalink", 1, slacktest.ServerError(503))
	opened := len(h.slack.CallsTo("views.open"))
	m := slacktest.MessageShortcut{UserID: alice, Author: danaExt, Text: "hello", ResponseURL: h.slack.NewResponseURL()}
	if _, err := h.slack.SendMessageShortcut(h.ctx, m); err != nil {
		t.Fatal(err)
	}
	var body struct{ Text string }
	if err := h.waitResponse(t, m.ResponseURL).Decode(&body); err != nil {
		t.Fatal(err)
	}
	mustContain(t, body.Text, "Something went wrong", "ref")
	if n := len(h.slack.CallsTo("views.open")); n != opened {
		t.Error("a modal was opened without the link")
	}
}

// TestShortcutModalNotOpened: when Slack does not open the form (the trigger expired, or a
// failure), the person who used the shortcut is told, never left with nothing.
func TestShortcutModalNotOpened(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	addExternalUsers(h)
	h.slack.FailNext("views.open", 1, slacktest.SlackError("expired_trigger_id"))
	ack, err := h.slack.SendGlobalShortcut(h.ctx, slacktest.GlobalShortcut{UserID: bob})
	if err != nil {
		t.Fatal(err)
	}
	checkAck(t, ack)
	mustContain(t, dmText(h.waitDM(t, bob, 1)[0]), "took too long", "New follow-up")

	h.slack.FailNext("views.open", 1, slacktest.ServerError(500))
	m := slacktest.MessageShortcut{UserID: alice, Author: danaExt, Text: "hello", ResponseURL: h.slack.NewResponseURL()}
	if _, err := h.slack.SendMessageShortcut(h.ctx, m); err != nil {
		t.Fatal(err)
	}
	var body struct{ Text string }
	if err := h.waitResponse(t, m.ResponseURL).Decode(&body); err != nil {
		t.Fatal(err)
	}
	mustContain(t, body.Text, "Something went wrong", "ref")
}
