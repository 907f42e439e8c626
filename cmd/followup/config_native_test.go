package main

import (
	"errors"
	"strings"
	"testing"
)

func TestDomainStopSetting(t *testing.T) {
	for v, want := range map[string]bool{"on": true, "ON": true, "true": true, "1": true, "off": false, "": false, "no": false} {
		c, err := rawConfig{"FOLLOWUP_DB": "x.db", "FOLLOWUP_TIMEZONE": "UTC", "FOLLOWUP_WORK_HOURS": "09:00-17:00",
			"FOLLOWUP_WORK_DAYS": "Mon-Fri", "FOLLOWUP_TICK": "30s", "FOLLOWUP_REPORT_CRON": "0 9 * * MON",
			"SLACK_API_URL": "https://slack.com/api/", "LOG_FORMAT": "text", "FOLLOWUP_DOMAIN_STOP": v}.load()
		if err != nil || c.DomainStop != want {
			t.Errorf("FOLLOWUP_DOMAIN_STOP=%q: DomainStop %v, %v; want %v", v, c.DomainStop, err, want)
		}
	}
	_, stderr, err := runCmd(t, map[string]string{"FOLLOWUP_DOMAIN_STOP": "sometimes"}, "check")
	if !errors.Is(err, errReported) || !strings.Contains(stderr, "FOLLOWUP_DOMAIN_STOP") {
		t.Errorf("check err = %v, output:\n%s", err, stderr)
	}
}
