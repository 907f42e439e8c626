package main

import (
	"errors"
	"strings"
	"testing"
)

func TestDomainStopSetting(t *testing.T) {
	for v, want := range map[string]bool{"on": true, "ON": true, "true": true, "1": true, "off": false, "": false, "no": false} {
		raw := defaults()
		raw["FOLLOWUP_DOMAIN_STOP"] = v
		c, err := raw.load()
		if err != nil || c.DomainStop != want {
			t.Errorf("FOLLOWUP_DOMAIN_STOP=%q: DomainStop %v, %v; want %v", v, c.DomainStop, err, want)
		}
	}
	_, stderr, err := runCmd(t, map[string]string{"FOLLOWUP_DOMAIN_STOP": "sometimes"}, "check")
	if !errors.Is(err, errReported) || !strings.Contains(stderr, "FOLLOWUP_DOMAIN_STOP") {
		t.Errorf("check err = %v, output:\n%s", err, stderr)
	}
}
