package cadence

import (
	"strings"
	"time"
)

// freeMailDomains are mailbox providers anyone can sign up with: two contacts at gmail.com work for
// no common company, so company-wide awareness leaves them out.
var freeMailDomains = map[string]bool{
	"gmail.com": true, "googlemail.com": true, "outlook.com": true, "hotmail.com": true, "live.com": true,
	"msn.com": true, "yahoo.com": true, "yahoo.co.uk": true, "ymail.com": true, "icloud.com": true,
	"me.com": true, "mac.com": true, "aol.com": true, "proton.me": true, "protonmail.com": true,
	"pm.me": true, "gmx.com": true, "gmx.net": true, "gmx.de": true, "web.de": true, "mail.com": true,
	"yandex.com": true, "yandex.ru": true, "mail.ru": true, "zoho.com": true, "fastmail.com": true,
	"hey.com": true, "tutanota.com": true, "qq.com": true, "163.com": true, "126.com": true,
	"t-online.de": true, "orange.fr": true, "free.fr": true, "libero.it": true, "hotmail.co.uk": true,
	"outlook.de": true, "hotmail.de": true, "hotmail.fr": true, "live.co.uk": true, "yahoo.de": true,
	"yahoo.fr": true, "btinternet.com": true, "comcast.net": true, "verizon.net": true, "att.net": true,
}

// CompanyDomain returns the domain of a normalized email address when it names a company: the
// part after the @, or "" for an empty address and for free mail providers (gmail.com, outlook.com,
// …), whose users share no company.
func CompanyDomain(email string) string {
	_, domain, ok := strings.Cut(strings.ToLower(strings.TrimSpace(email)), "@")
	if !ok || domain == "" || freeMailDomains[domain] {
		return ""
	}
	return domain
}

// CompanyNews is something a contact at a company did that matters to the other follow-ups with
// people at the same company: they replied or booked a meeting. Each follow-up it concerns shows it
// in its next reminder ("Dana Lee at Acme replied on Tue 3 Mar").
type CompanyNews struct {
	EnrollmentID string    // the follow-up it is shown in
	SourceID     string    // the follow-up whose contact replied or booked
	Who          string    // the contact's name (or email)
	Company      string    // the company's name, else its email domain
	Outcome      Outcome   // OutcomeReplied or OutcomeMeetingBooked
	At           time.Time // when it was logged
}

// CompanyNewsOutcome reports whether an outcome is news for the contact's colleagues' follow-ups.
func CompanyNewsOutcome(o Outcome) bool {
	return o == OutcomeReplied || o == OutcomeMeetingBooked
}
