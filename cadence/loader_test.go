package cadence

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseExample(t *testing.T) {
	// The example of issue 2 and the README.
	cs, err := Parse("cadences.yaml", []byte(`cadences:
  - id: quick-check
    name: Quick check
    trigger: custom
    goal: book a call
    steps:
      - gap: 0
        channel: email
        purpose: recap_next_step
        guidance: Recap the call and propose two times.
      - gap: 1m
        channel: linkedin
        purpose: share_context
      - gap: 2bd
        channel: email
        purpose: close_loop
`))
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 1 {
		t.Fatalf("got %d cadences", len(cs))
	}
	c := cs[0]
	if c.ID != "quick-check" || c.Name != "Quick check" || c.Trigger != TriggerCustom || c.Goal != "book a call" ||
		len(c.Steps) != 3 || c.Steps[1].Gap.String() != "1m" || c.Steps[2].Gap.String() != "2bd" ||
		c.Steps[0].Guidance != "Recap the call and propose two times." || c.Builtin {
		t.Errorf("parsed %+v", c)
	}
	if strings.Join(stopStrings(c.StopOn), ",") != "replied,meeting_booked,deal_closed" {
		t.Errorf("default StopOn = %v", c.StopOn)
	}
}

func TestParseOptional(t *testing.T) {
	cs, err := Parse("c.yaml", []byte(`cadences:
  - id: renewals
    stop_on: [deal_closed]
    steps:
      - {gap: 1w, channel: in_person, purpose: custom, purpose_text: Visit the site}
  - id: nostop
    stop_on: []
    steps:
      - {gap: 0, channel: sms, purpose: close_loop}
`))
	if err != nil {
		t.Fatal(err)
	}
	if got := stopStrings(cs[0].StopOn); len(got) != 1 || got[0] != "deal_closed" {
		t.Errorf("stop_on = %v", got)
	}
	if cs[0].Steps[0].PurposeLabel() != "Visit the site" {
		t.Errorf("purpose text = %q", cs[0].Steps[0].PurposeText)
	}
	if cs[1].StopOn == nil || len(cs[1].StopOn) != 0 || cs[1].StopsOn(StopReplied) {
		t.Errorf("empty stop_on = %#v", cs[1].StopOn)
	}
	for _, empty := range []string{"", "# nothing yet\n", "cadences:\n", "cadences: []\n"} {
		if cs, err := Parse("c.yaml", []byte(empty)); err != nil || len(cs) != 0 {
			t.Errorf("Parse(%q) = %v, %v", empty, cs, err)
		}
	}
}

func TestParseErrors(t *testing.T) {
	step := "\n    steps:\n      - {gap: 0, channel: email, purpose: close_loop}\n"
	tests := []struct {
		name, yaml string
		want       []string // "line: field: message" fragments, one per problem, in order
	}{
		{"unknown channel", "cadences:\n  - id: a\n    steps:\n      - gap: 0\n        channel: email\n        purpose: recap_next_step\n      - gap: 1d\n        channel: fax\n        purpose: close_loop\n",
			[]string{`8: steps[1].channel: unknown channel "fax"; use email, phone, linkedin, sms or in_person`}},
		{"unknown purpose", "cadences:\n  - id: a\n    steps:\n      - {gap: 0, channel: email, purpose: nag}\n",
			[]string{`4: steps[0].purpose: unknown purpose "nag"`}},
		{"unknown trigger", "cadences:\n  - id: a\n    trigger: webinar" + step,
			[]string{`3: trigger: unknown trigger "webinar"; use demo, cold_email`}},
		{"bad gap", "cadences:\n  - id: a\n    steps:\n      - {gap: 2x, channel: email, purpose: close_loop}\n      - {gap: -1d, channel: email, purpose: close_loop}\n      - {gap: 99999d, channel: email, purpose: close_loop}\n      - {gap: 1.5d, channel: email, purpose: close_loop}\n",
			[]string{`4: steps[0].gap: unknown gap "2x"`, `5: steps[1].gap: gap "-1d" can't be negative`, `6: steps[2].gap: gap "99999d" is too long`, `7: steps[3].gap: gap "1.5d" must be a whole number`}},
		{"empty gap", "cadences:\n  - id: a\n    steps:\n      - {gap: , channel: email, purpose: close_loop}\n",
			[]string{`4: steps[0].gap: a gap can't be empty`}},
		{"empty cadence", "cadences:\n  - id: a\n    steps: []\n",
			[]string{`3: steps: empty; a cadence needs at least one step`}},
		{"no steps key", "cadences:\n  - id: a\n    name: A\n",
			[]string{`2: steps: missing`}},
		{"too many steps", "cadences:\n  - id: a\n    steps:\n" + strings.Repeat("      - {gap: 1d, channel: email, purpose: share_context}\n", 13),
			[]string{`3: steps: 13 steps; a cadence has at most 12`}},
		{"duplicate id", "cadences:\n  - id: a" + step + "  - id: a" + step,
			[]string{`5: id: duplicate id "a"; first defined at line 2`}},
		{"missing id", "cadences:\n  - name: Nameless" + step,
			[]string{`2: id: missing`}},
		{"bad id", "cadences:\n  - id: Quick Check" + step,
			[]string{`2: id: "Quick Check" is not a valid id`}},
		{"custom purpose without text", "cadences:\n  - id: a\n    steps:\n      - {gap: 0, channel: email, purpose: custom}\n",
			[]string{`4: steps[0].purpose_text: missing; purpose: custom needs purpose_text:`}},
		{"purpose text without custom", "cadences:\n  - id: a\n    steps:\n      - {gap: 0, channel: email, purpose: close_loop, purpose_text: hi}\n",
			[]string{`4: steps[0].purpose_text: only used with purpose: custom`}},
		{"unknown keys", "cadences:\n  - id: a\n    color: blue\n    steps:\n      - gap: 0\n        chanel: email\n        channel: email\n        purpose: close_loop\n",
			[]string{`3: color: unknown key; use id, name, trigger, goal, stop_on or steps`, `6: steps[0].chanel: unknown key; use gap, channel, purpose, purpose_text or guidance`}},
		{"unknown top-level key", "cadence:\n  - id: a\n", []string{`1: cadence: unknown key; use cadences`}},
		{"step missing fields", "cadences:\n  - id: a\n    steps:\n      - guidance: hello\n",
			[]string{`4: steps[0].gap: missing`, `4: steps[0].channel: missing`, `4: steps[0].purpose: missing`}},
		{"bad stop_on", "cadences:\n  - id: a\n    stop_on: [replied, opted_out, lunch]" + step,
			[]string{`3: stop_on[1]: "opted_out" always ends a cadence`, `3: stop_on[2]: unknown stop reason "lunch"; use replied, meeting_booked or deal_closed`}},
		{"key given twice", "cadences:\n  - id: a\n    id: b" + step, []string{`3: id: given twice`}},
		{"steps not a list", "cadences:\n  - id: a\n    steps: soon\n", []string{`3: steps: must be a list of steps`}},
		{"cadences not a list", "cadences: demo\n", []string{`1: cadences: must be a list`}},
		{"not a mapping", "- id: a\n", []string{`1: the file must start with cadences:`}},
		{"malformed YAML", "cadences:\n  - id: a\n    steps: [\n", []string{`malformed YAML`}},
		{"malformed YAML with a line", "cadences:\n  - id: a\n    steps: x: y\n", []string{`3: malformed YAML: mapping values are not allowed`}},
		{"several problems in several cadences", "cadences:\n  - id: a\n    trigger: nope" + step + "  - id: B" + step,
			[]string{`3: trigger: unknown trigger`, `6: id: "B" is not a valid id`}},
	}
	for _, tt := range tests {
		cs, err := Parse("cadences.yaml", []byte(tt.yaml))
		var verrs ValidationErrors
		if !errors.As(err, &verrs) {
			t.Errorf("%s: error %v (%T), want ValidationErrors", tt.name, err, err)
			continue
		}
		if cs != nil {
			t.Errorf("%s: cadences returned with errors", tt.name)
		}
		wantCode(t, err, EINVALID)
		if len(verrs) != len(tt.want) {
			t.Errorf("%s: %d problems, want %d:\n%v", tt.name, len(verrs), len(tt.want), err)
			continue
		}
		for i, v := range verrs {
			if !strings.HasPrefix(v.Error(), "cadences.yaml:") || !strings.Contains(v.Error(), tt.want[i]) {
				t.Errorf("%s: problem %d = %q, want it to contain %q", tt.name, i, v.Error(), tt.want[i])
			}
		}
	}
}

func TestLoadFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "cadences.yaml")
	if err := os.WriteFile(path, []byte("cadences:\n  - id: a\n    steps:\n      - {gap: 0, channel: fax, purpose: close_loop}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := LoadFile(path)
	if want := path + `:4: steps[0].channel: unknown channel "fax"`; err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("LoadFile error = %v, want prefix %q", err, want)
	}
	_, err = LoadFile(filepath.Join(dir, "missing.yaml"))
	wantCode(t, err, EINVALID)
}

func FuzzParse(f *testing.F) {
	f.Add(libraryYAML)
	for _, s := range []string{
		"", "cadences:\n", "cadences: []\n", "cadences: demo\n", "- a\n",
		"cadences:\n  - id: a\n    steps:\n      - {gap: 0, channel: fax, purpose: close_loop}\n",
		"cadences:\n  - &x {id: a, steps: [{gap: 0, channel: email, purpose: close_loop}]}\n  - *x\n",
		"cadences:\n  - id: a\n    stop_on: {a: b}\n    steps: [[1]]\n",
		"cadences: [{id: a, steps: [{gap: 1w, channel: sms, purpose: custom}]}]\n",
		"cadences:\n  - id: a\n    steps: [\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cs, err := Parse("f.yaml", data)
		if err != nil {
			var verrs ValidationErrors
			if !errors.As(err, &verrs) || len(verrs) == 0 || ErrorCode(err) != EINVALID {
				t.Fatalf("error %v is not ValidationErrors", err)
			}
			return
		}
		for _, c := range cs {
			if !validID.MatchString(c.ID) || len(c.Steps) == 0 || len(c.Steps) > MaxSteps {
				t.Fatalf("accepted an invalid cadence %+v", c)
			}
			for _, s := range c.Steps {
				if _, err := ParseGap(s.Gap.String()); err != nil {
					t.Fatalf("accepted a bad gap %+v", s.Gap)
				}
			}
		}
	})
}
