package cadence

import (
	"strings"
	"testing"
)

func TestParseEnums(t *testing.T) {
	for _, tr := range Triggers {
		if got, err := ParseTrigger(string(tr)); err != nil || got != tr {
			t.Errorf("ParseTrigger(%q) = %q, %v", tr, got, err)
		}
		if tr.Label() == string(tr) {
			t.Errorf("trigger %q has no label", tr)
		}
	}
	for _, c := range Channels {
		if got, err := ParseChannel(string(c)); err != nil || got != c {
			t.Errorf("ParseChannel(%q) = %q, %v", c, got, err)
		}
		if c.Label() == string(c) {
			t.Errorf("channel %q has no label", c)
		}
	}
	for _, p := range Purposes {
		if got, err := ParsePurpose(string(p)); err != nil || got != p {
			t.Errorf("ParsePurpose(%q) = %q, %v", p, got, err)
		}
		if p.Label() == string(p) {
			t.Errorf("purpose %q has no label", p)
		}
	}
	for _, in := range Intents {
		if got, err := ParseIntent(string(in)); err != nil || got != in {
			t.Errorf("ParseIntent(%q) = %q, %v", in, got, err)
		}
	}
	for _, o := range Outcomes {
		if got, err := ParseOutcome(string(o)); err != nil || got != o {
			t.Errorf("ParseOutcome(%q) = %q, %v", o, got, err)
		}
		if o.Label() == string(o) {
			t.Errorf("outcome %q has no label", o)
		}
	}
	for _, r := range StopReasons {
		if got, err := ParseStopReason(string(r)); err != nil || got != r {
			t.Errorf("ParseStopReason(%q) = %q, %v", r, got, err)
		}
		if r.Label() == string(r) {
			t.Errorf("stop reason %q has no label", r)
		}
	}
	// People type dashes, spaces and capitals.
	if got, err := ParseTrigger(" Cold-Email "); err != nil || got != TriggerColdEmail {
		t.Errorf("ParseTrigger(Cold-Email) = %q, %v", got, err)
	}
	if got, err := ParseOutcome("meeting booked"); err != nil || got != OutcomeMeetingBooked {
		t.Errorf("ParseOutcome(meeting booked) = %q, %v", got, err)
	}
}

func TestParseEnumErrors(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{second(ParseIntent("lukewarm")), `unknown intent "lukewarm"; use hot, warm or cold`},
		{second(ParseChannel("fax")), `unknown channel "fax"; use email, phone, linkedin, sms or in_person`},
		{second(ParsePurpose("nag")), `unknown purpose "nag"; use recap_next_step, answer_concern, share_context, close_loop or custom`},
		{second(ParseTrigger("")), `unknown trigger ""; use demo, cold_email, proposal, missed_meeting, form_fill, event_chat, customer_checkin or custom`},
		{second(ParseOutcome("ghosted")), `unknown outcome "ghosted"; use sent, replied, meeting_booked, opted_out, bounced, complained, snoozed, skipped or deal_closed`},
	}
	for _, tt := range tests {
		wantCode(t, tt.err, EINVALID)
		if got := ErrorMessage(tt.err); got != tt.want {
			t.Errorf("message = %q, want %q", got, tt.want)
		}
	}
}

func second[T any](_ T, err error) error { return err }

func TestLabels(t *testing.T) {
	if got := PurposeRecapNextStep.Label(); got != "Recap and next step" {
		t.Errorf("recap label = %q", got)
	}
	s := Step{Purpose: PurposeCustom, PurposeText: "Invite to the user group"}
	if got := s.PurposeLabel(); got != "Invite to the user group" {
		t.Errorf("custom purpose label = %q", got)
	}
	if got := (Step{Purpose: PurposeCloseLoop}).PurposeLabel(); got != "Close the loop" {
		t.Errorf("close loop label = %q", got)
	}
	for _, l := range []string{TriggerDemo.Label(), ChannelSMS.Label(), StopTimelinePassed.Label(), OutcomeDealClosed.Label()} {
		if l == "" || strings.ToUpper(l[:1]) != l[:1] {
			t.Errorf("label %q should start with a capital", l)
		}
	}
}

func TestStopReasonCompletes(t *testing.T) {
	completes := map[StopReason]bool{StopReplied: true, StopMeetingBooked: true, StopDealClosed: true, StopFinalSent: true}
	for _, r := range StopReasons {
		if got := r.Completes(); got != completes[r] {
			t.Errorf("%s.Completes() = %v, want %v", r, got, completes[r])
		}
		want := StatusStopped
		if completes[r] {
			want = StatusCompleted
		}
		if got := r.Status(); got != want {
			t.Errorf("%s.Status() = %s, want %s", r, got, want)
		}
	}
}

func TestStopsOn(t *testing.T) {
	def := Cadence{}
	only := Cadence{StopOn: []StopReason{StopDealClosed}}
	none := Cadence{StopOn: []StopReason{}}
	tests := []struct {
		c    Cadence
		r    StopReason
		want bool
	}{
		{def, StopReplied, true},
		{def, StopMeetingBooked, true},
		{only, StopReplied, false},
		{only, StopDealClosed, true},
		{none, StopDealClosed, false},
		{none, StopOptedOut, true},
		{none, StopBounced, true},
	}
	for _, tt := range tests {
		if got := tt.c.StopsOn(tt.r); got != tt.want {
			t.Errorf("StopOn %v: StopsOn(%s) = %v, want %v", tt.c.StopOn, tt.r, got, tt.want)
		}
	}
}
