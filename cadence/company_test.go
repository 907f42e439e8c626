package cadence

import "testing"

func TestCompanyDomain(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"dana@acme.com": "acme.com", "Lee@Acme.COM ": "acme.com", "x@gmail.com": "", "y@outlook.com": "",
		"": "", "nodomain": "", "z@sub.acme.co.uk": "sub.acme.co.uk",
	} {
		if got := CompanyDomain(in); got != want {
			t.Errorf("CompanyDomain(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestGuessTrigger(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]Trigger{
		"Sorry I missed our call yesterday, can we reschedule?":      TriggerMissedMeeting,
		"New inbound: Dana filled in the contact form":               TriggerFormFill,
		"Thanks for the demo! One question: does it support SSO?":    TriggerDemo,
		"Could you send the proposal with the pricing for 50 seats?": TriggerProposal,
		"Great to meet you at the booth at SaaStr":                   TriggerEventChat,
		"Our platform needs information about the renewal":           TriggerCustomerCheckin,
		"Our former vendor eventually formalized the format":         TriggerCustomerCheckin,
		"They filled in two forms and asked for quotes":              TriggerFormFill,
		"Happy to be introduced to your CTO":                         TriggerColdEmail,
		"See you at the events next month":                           TriggerEventChat,
		"":                                                           TriggerCustomerCheckin,
	} {
		if got := GuessTrigger(in); got != want {
			t.Errorf("GuessTrigger(%q) = %q, want %q", in, got, want)
		}
	}
}
