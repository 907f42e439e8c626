package bot

import (
	"reflect"
	"strings"
	"testing"

	"github.com/followup-bot/followup/cadence"
)

func TestTokenize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want []token
	}{
		{"", nil},
		{"  list  ", []token{{"", "list"}}},
		{`add "Dana Lee" dana@acme.com company=Acme note="response time is a challenge"`,
			[]token{{"", "add"}, {"", "Dana Lee"}, {"", "dana@acme.com"}, {"company", "Acme"}, {"note", "response time is a challenge"}}},
		{`add “Dana Lee” Cadence=demo`, []token{{"", "add"}, {"", "Dana Lee"}, {"cadence", "demo"}}},
		{`add Dana <mailto:dana@acme.com|dana@acme.com>`, []token{{"", "add"}, {"", "Dana"}, {"", "dana@acme.com"}}},
		{`add Dana email=<mailto:dana@acme.com|dana@acme.com> phone=<tel:+15551234|+1 555 1234>`,
			[]token{{"", "add"}, {"", "Dana"}, {"email", "dana@acme.com"}, {"phone", "+15551234"}}},
		{`add Dana linkedin=<https://www.linkedin.com/in/dana?x=1|linkedin.com/in/dana label>`,
			[]token{{"", "add"}, {"", "Dana"}, {"linkedin", "https://www.linkedin.com/in/dana?x=1"}}},
		{`reassign k3f9a2 <@U0BOB0001|bob>`, []token{{"", "reassign"}, {"", "k3f9a2"}, {"", "<@U0BOB0001>"}}},
		{`add "Tom &amp; Jerry" note="a &lt;b&gt; c"`, []token{{"", "add"}, {"", "Tom & Jerry"}, {"note", "a <b> c"}}},
		{`add 🚀 "שלום עולם"`, []token{{"", "add"}, {"", "🚀"}, {"", "שלום עולם"}}},
		{`a=b=c x="" https://x.co/?a=b`, []token{{"a", "b=c"}, {"x", ""}, {"", "https://x.co/?a=b"}}},
	}
	for _, tt := range tests {
		got, err := tokenize(tt.in)
		if err != nil {
			t.Errorf("tokenize(%q): %v", tt.in, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("tokenize(%q)\n got %q\nwant %q", tt.in, got, tt.want)
		}
	}
}

func TestTokenizeErrors(t *testing.T) {
	t.Parallel()
	for _, in := range []string{`add "Dana Lee`, `add Dana note="open`, strings.Repeat("x", maxCommandLen+1)} {
		_, err := tokenize(in)
		if cadence.ErrorCode(err) != cadence.EINVALID {
			t.Errorf("tokenize(%.40q) = %v, want EINVALID", in, err)
		}
	}
	if _, err := tokenize(strings.Repeat("é", maxCommandLen)); err != nil {
		t.Errorf("a command of exactly the limit: %v", err)
	}
}

func TestUserRef(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"<@U0BOB0001>": "U0BOB0001", "W123ABC": "W123ABC", "@bob": "", "bob": "", "<@U1>": ""} {
		got, ok := userRef(in)
		if got != want || ok != (want != "") {
			t.Errorf("userRef(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}

func TestSplitArgs(t *testing.T) {
	t.Parallel()
	toks, _ := tokenize(`Dana x@y.co cadence=demo`)
	pos, opts, err := splitArgs(toks, "cadence", "intent")
	if err != nil || !reflect.DeepEqual(pos, []string{"Dana", "x@y.co"}) || opts["cadence"] != "demo" {
		t.Fatalf("splitArgs = %q %q %v", pos, opts, err)
	}
	toks, _ = tokenize(`Dana cadense=demo`)
	_, _, err = splitArgs(toks, "cadence", "intent")
	if msg := cadence.ErrorMessage(err); !strings.Contains(msg, "Did you mean `cadence=`") {
		t.Errorf("unknown key message = %q", msg)
	}
	toks, _ = tokenize(`Dana intent=hot intent=cold`)
	if _, _, err = splitArgs(toks, "cadence", "intent"); cadence.ErrorCode(err) != cadence.EINVALID {
		t.Errorf("duplicate key: %v", err)
	}
}

func TestNearest(t *testing.T) {
	t.Parallel()
	cmds := []string{"add", "list", "due", "show", "pause", "resume", "stop", "skip", "snooze", "signal", "optout", "reassign", "away", "settings", "cadences", "help"}
	for in, want := range map[string]string{"lsit": "list", "snoze": "snooze", "cadence": "cadences", "optot": "optout", "xyzzyplugh": "", "resme": "resume"} {
		if got := nearest(in, cmds); got != want {
			t.Errorf("nearest(%q) = %q, want %q", in, got, want)
		}
	}
}
