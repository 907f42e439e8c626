package prompts

import (
	"bytes"
	"embed"
	"fmt"
	"strings"
	"text/template"
	"time"
	"unicode/utf8"

	"github.com/followup-bot/followup/cadence"
)

//go:embed templates/*
var templateFS embed.FS

// templates holds the system prompt, the shared "context", "job" and "format" blocks and one
// template per purpose, parsed once. The files are embedded, so a parse error is a programming
// error caught by every test.
var templates = template.Must(template.New("prompts").Option("missingkey=error").ParseFS(templateFS, "templates/*.tmpl"))

// PromptBudget is the most estimated tokens (EstimateTokens) that Render spends on the system and
// user prompts together. Quoted data is capped to fit: the notes get their first 800 characters,
// or fewer when the other data already fills the budget, and when the notes would get fewer than
// minNoteChars the other data is cut first (see fits).
const PromptBudget = 1000

// Caps on quoted data. Text beyond a cap is cut at a word and marked with "…".
const (
	maxNoteChars     = 800 // the rep's notes: at most the first 800 characters (see PromptBudget)
	minNoteChars     = 200 // below this, earlier excerpts are dropped to make room for the notes
	maxSignals       = 3   // the three most recent signals (the last ones given)
	maxSignalChars   = 80  // per signal
	maxEarlier       = 3   // the three most recent earlier touches
	maxExcerptChars  = 600 // per earlier draft: the full text of a short message
	maxGuidanceChars = 320 // the step's guidance (the built-in library's run to about 300)
	maxPurposeChars  = 120 // a custom purpose's text
	maxGoalChars     = 100 // the cadence's goal
	maxFieldChars    = 60  // names, company, role, cadence name
)

// Limits are the channel lengths that the prompts ask for and Check enforces.
type Limits struct {
	Subject       int // email subject, in characters
	EmailWords    int // email body, in words
	LinkedIn      int // LinkedIn message, in characters
	SMS           int // SMS, in characters
	PhoneWords    int // call script and voicemail together, in words
	InPersonWords int // talking points, in words
}

// ChannelLimits are the limits every draft is held to.
var ChannelLimits = Limits{Subject: 80, EmailWords: 120, LinkedIn: 300, SMS: 160, PhoneWords: 200, InPersonWords: 150}

// purposeLabels names each purpose's job in words, for prompts and the offline drafter.
var purposeLabels = map[cadence.Purpose]string{
	cadence.PurposeRecapNextStep: "recap and suggest the next step",
	cadence.PurposeAnswerConcern: "answer a likely concern",
	cadence.PurposeShareContext:  "share useful context",
	cadence.PurposeCloseLoop:     "ask whether to close the loop",
	cadence.PurposeCustom:        "a custom job",
}

// triggerNouns names each trigger as the event it was, for prompts and the offline drafter.
var triggerNouns = map[cadence.Trigger]string{
	cadence.TriggerDemo:            "demo",
	cadence.TriggerColdEmail:       "first email",
	cadence.TriggerProposal:        "proposal",
	cadence.TriggerMissedMeeting:   "missed meeting",
	cadence.TriggerFormFill:        "form request",
	cadence.TriggerEventChat:       "event chat",
	cadence.TriggerCustomerCheckin: "customer check-in",
	cadence.TriggerCustom:          "last conversation",
}

// angleHints steer "New draft" requests; angle n uses hint (n-1) mod len.
var angleHints = []string{
	"open with the contact's own priority from the notes.",
	"open with one short question the contact can answer in a line.",
	"lead with the most recent signal, or the timing, rather than the recap.",
	"make it half as long and more direct.",
}

// askWords tell a model the ask of the step, the same ladder the offline drafter climbs.
var askWords = map[string]string{
	"times": "two times or the booking link", "question": "one easy question", "who": "who else should see this",
	"plans": "one question about their plans", "light": "something small: a 15-minute call or a short read",
	"connect": "no request, just connect", "how": "how it is going", "useful": "what would make it more useful",
	"close": "yes, no or not now",
}

// view is what the templates see: the Request, flattened, capped and with delimiters stripped.
type view struct {
	Channel, Purpose, PurposeLabel, PurposeText, Guidance, AngleHint string
	ContactName, FirstName, Company, Role, Intent                    string
	Trigger, TriggerNoun, TriggerDate, Today                         string
	CadenceName, Goal, Rep, RepFirst, Note                           string
	Decision, ContactTZ, Signature, Booking, Seller, Value           string
	Proof, Asset, Answer, Ask                                        string
	K, N                                                             int
	Signals                                                          []string
	Earlier                                                          []earlierView
	Limits                                                           Limits
	Fillers                                                          []string // examples for the system prompt, from FillerPhrases
}

type earlierView struct {
	Step                      int
	Channel, Purpose, Outcome string
	Excerpt                   string
}

// Render returns the system and user prompts for r. It returns EOPTEDOUT when the contact is
// marked do-not-contact and EINVALID for an unknown channel or purpose.
func Render(r Request) (system, user string, err error) {
	v, err := newView(r)
	if err != nil {
		return "", "", err
	}
	// Render without the notes to learn how much room they have; while the notes would get less
	// than minNoteChars, shrink the other data step by step (fits), then quote the notes.
	note := data(r.Note)
	const overhead = len("\n<<<NOTES\n\nNOTES>>>")
	for i, fit := range fits {
		fit(&v)
		v.Note = ""
		if system, user, err = execute(v); err != nil {
			return "", "", err
		}
		room := PromptBudget*4 - 8 - len(system) - len(user) - overhead
		if note == "" && room >= 0 {
			return system, user, nil
		}
		if room >= min(len(note), minNoteChars+16) || i == len(fits)-1 {
			if note == "" {
				return system, user, nil
			}
			v.Note = clip(note, min(maxNoteChars, max(room, 0)))
			return execute(v)
		}
	}
	panic("unreachable")
}

// fits are the steps Render takes, in order, to make room for the notes within PromptBudget: the
// first changes nothing; then the excerpts of earlier drafts go (their step, channel, purpose and
// outcome stay); then the guidance, goal and purpose text are cut; then the signals; then the
// names. With every step taken, the largest data the caps allow leaves the notes well over
// minNoteChars (TestPromptBudgetMaximal).
var fits = []func(*view){
	func(*view) {},
	func(v *view) {
		for i := range v.Earlier {
			v.Earlier[i].Excerpt = clip(v.Earlier[i].Excerpt, 200)
		}
	},
	func(v *view) {
		for i := range v.Earlier {
			v.Earlier[i].Excerpt = ""
		}
	},
	func(v *view) {
		v.Guidance, v.Goal, v.PurposeText = clip(v.Guidance, 160), clip(v.Goal, 60), clip(v.PurposeText, 60)
	},
	func(v *view) {
		if len(v.Signals) > 2 {
			v.Signals = v.Signals[len(v.Signals)-2:]
		}
		for i, s := range v.Signals {
			v.Signals[i] = clip(s, 40)
		}
	},
	func(v *view) {
		v.ContactName, v.Company, v.Role = clip(v.ContactName, 30), clip(v.Company, 30), clip(v.Role, 30)
		v.CadenceName, v.Rep = clip(v.CadenceName, 30), clip(v.Rep, 30)
		v.Value, v.Proof, v.Asset, v.Answer = clip(v.Value, 60), "", clip(v.Asset, 100), ""
		v.Signature, v.Booking, v.Guidance = clip(v.Signature, 40), clip(v.Booking, 100), clip(v.Guidance, 100)
	},
}

func execute(v view) (system, user string, err error) {
	var sb, ub bytes.Buffer
	if err := templates.ExecuteTemplate(&sb, "system.tmpl", v); err != nil {
		return "", "", fmt.Errorf("render system prompt: %w", err)
	}
	if err := templates.ExecuteTemplate(&ub, v.Purpose+".tmpl", v); err != nil {
		return "", "", fmt.Errorf("render %s prompt: %w", v.Purpose, err)
	}
	return strings.TrimSpace(sb.String()), strings.TrimSpace(ub.String()), nil
}

// validate returns the coded error for a request that must not or cannot be drafted.
func validate(r Request) error {
	if r.Contact.DoNotContact {
		return cadence.Errorf(cadence.EOPTEDOUT, "%s asked not to be contacted; no draft is made", orDefault(r.Contact.Name, "This contact"))
	}
	if !knownChannel(r.Step.Channel) {
		return cadence.Errorf(cadence.EINVALID, "unknown channel %q", r.Step.Channel)
	}
	if _, ok := purposeLabels[r.Step.Purpose]; !ok {
		return cadence.Errorf(cadence.EINVALID, "unknown purpose %q", r.Step.Purpose)
	}
	return nil
}

func knownChannel(c cadence.Channel) bool {
	for _, k := range cadence.Channels {
		if c == k {
			return true
		}
	}
	return false
}

func newView(r Request) (view, error) {
	if err := validate(r); err != nil {
		return view{}, err
	}
	v := view{
		Channel:      string(r.Step.Channel),
		Purpose:      string(r.Step.Purpose),
		PurposeLabel: purposeLabels[r.Step.Purpose],
		PurposeText:  clip(data(r.Step.PurposeText), maxPurposeChars),
		Guidance:     clip(data(r.Step.Guidance), maxGuidanceChars),
		ContactName:  orDefault(clip(data(r.Contact.Name), maxFieldChars), "the contact"),
		Company:      clip(data(r.Contact.Company), maxFieldChars),
		Role:         clip(data(r.Contact.Role), maxFieldChars),
		Intent:       string(r.Intent),
		Trigger:      orDefault(string(r.Trigger), "custom"),
		TriggerNoun:  triggerNoun(r.Trigger),
		TriggerDate:  formatDate(r.TriggerAt, r.Location),
		Today:        orDefault(formatDate(r.Now, r.Location), "unknown"),
		CadenceName:  clip(data(r.CadenceName), maxFieldChars),
		Goal:         clip(data(r.Goal), maxGoalChars),
		Rep:          orDefault(clip(data(r.RepName), maxFieldChars), "the rep"),
		K:            max(r.StepIndex, 1),
		N:            max(r.StepCount, r.StepIndex, 1),
		Limits:       ChannelLimits,
		Fillers:      FillerPhrases[:PromptFillers],
	}
	v.FirstName = orDefault(firstName(v.ContactName), "the contact")
	if r.Contact.Name == "" {
		v.FirstName = "the contact"
	}
	v.RepFirst = orDefault(firstName(data(r.RepName)), "the rep")
	if g := GivenName(r.Contact.Name); g != "" {
		v.FirstName = g
	} else {
		v.FirstName = "no usable given name: write \"Hi,\""
	}
	if !r.DecisionDate.IsZero() {
		v.Decision = formatDate(r.DecisionDate, r.Location)
	}
	v.ContactTZ = clip(data(r.ContactTimeZone), 40)
	v.Ask = askWords[askFor(r)]
	v.Signature = clip(data(r.Signature), 80)
	v.Booking = clip(data(r.booking()), 200)
	if p := r.Profile; p != nil {
		c := newComposer(r)
		v.Seller, v.Value = clip(data(p.Company), 60), clip(data(p.Value), 200)
		if c.proof != nil {
			v.Proof = clip(data(c.proof.Text), 240)
		}
		if c.asset != nil {
			v.Asset = clip(data(c.asset.Title+" "+c.asset.URL), 240)
		}
		v.Answer = clip(data(c.answer), 300)
	}
	if r.Angle > 0 {
		v.AngleHint = angleHints[(r.Angle-1)%len(angleHints)]
	}
	sig := r.Signals
	if len(sig) > maxSignals {
		sig = sig[len(sig)-maxSignals:]
	}
	for _, s := range sig {
		if s = clip(data(s), maxSignalChars); s != "" {
			v.Signals = append(v.Signals, s)
		}
	}
	earlier := r.sent()
	if len(earlier) > maxEarlier {
		earlier = earlier[len(earlier)-maxEarlier:]
	}
	for _, e := range earlier {
		v.Earlier = append(v.Earlier, earlierView{
			Step: e.Step, Channel: string(e.Channel), Purpose: string(e.Purpose), Outcome: string(e.Outcome),
			Excerpt: clip(data(e.Draft), maxExcerptChars),
		})
	}
	return v, nil
}

func triggerNoun(t cadence.Trigger) string {
	if n, ok := triggerNouns[t]; ok {
		return n
	}
	return "last conversation"
}

// formatDate formats t as "Tue 3 Mar 2026" in loc (UTC when nil), or "" for the zero time.
func formatDate(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	if loc == nil {
		loc = time.UTC
	}
	return t.In(loc).Format("Mon 2 Jan 2006")
}

// data prepares rep-supplied text for quoting inside a prompt: it removes the block delimiters
// "<<<" and ">>>" (repeatedly, so that removal cannot form new ones) so the text cannot close its
// block and pose as instructions, and folds all whitespace, newlines included, to single spaces.
func data(s string) string {
	for strings.Contains(s, "<<<") || strings.Contains(s, ">>>") {
		s = strings.ReplaceAll(strings.ReplaceAll(s, "<<<", ""), ">>>", "")
	}
	return strings.Join(strings.Fields(s), " ")
}

// clip cuts s to at most n bytes, at a word boundary when there is one in the last fifth, valid
// UTF-8, and marks the cut with "…".
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	if n < len("…")+1 {
		return ""
	}
	cut := n - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	if i := strings.LastIndexByte(s[:cut], ' '); i > cut*4/5 {
		cut = i
	}
	return strings.TrimRight(s[:cut], " ,;:.") + "…"
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
