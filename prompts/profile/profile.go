// Package profile reads the seller's profile: the company, its value proposition, true proof
// points, assets with links, the likely concerns with their answers, and a booking link. The
// drafters may add to a draft only the facts and links the profile holds (besides the contact's own
// context), so a profile is what gives drafts substance without inventing anything.
package profile

import (
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/followup-bot/followup/cadence"
)

// MaxBytes is the largest profile file accepted.
const MaxBytes = 256 << 10

// Profile is what a team tells the drafters about itself.
type Profile struct {
	Company  string    // the seller's company: "Acme Support"
	Value    string    // a one-line value proposition
	Booking  string    // a link where a contact picks a time; a rep's own overrides it
	Proof    []Proof   // short true facts
	Assets   []Asset   // things worth sending, each with its URL
	Concerns []Concern // the likely concerns with the answer to each
}

// Proof is one short true fact, tagged with the purposes and concerns it serves (empty: any).
type Proof struct {
	Text     string
	Purposes []cadence.Purpose
	Concerns []string
}

// Asset is a resource worth sending: a case study, a security whitepaper, a pricing page.
type Asset struct {
	Title    string
	URL      string
	Purposes []cadence.Purpose
	Concerns []string
}

// Concern is a doubt buyers often have, the words that show it, and the answer to it.
type Concern struct {
	Name     string   // "switching effort"
	Keywords []string // words in notes or signals that show it: "migration", "setup"
	Answer   string   // one or two sentences
}

// Links returns every URL in the profile: the booking link and the assets'.
func (p *Profile) Links() []string {
	if p == nil {
		return nil
	}
	var out []string
	if p.Booking != "" {
		out = append(out, p.Booking)
	}
	for _, a := range p.Assets {
		out = append(out, a.URL)
	}
	return out
}

// Facts returns the profile's text that a draft may draw facts from (names, numbers): the company,
// the value line, proof points, asset titles and concern answers.
func (p *Profile) Facts() []string {
	if p == nil {
		return nil
	}
	out := []string{p.Company, p.Value}
	for _, x := range p.Proof {
		out = append(out, x.Text)
	}
	for _, a := range p.Assets {
		out = append(out, a.Title)
	}
	for _, c := range p.Concerns {
		out = append(out, c.Name, c.Answer)
	}
	return out
}

// Load reads and parses the profile file at path. It returns a coded EINVALID error when the file
// cannot be read or is larger than MaxBytes, and cadence.ValidationErrors (file:line: field:
// message, every problem at once) when its content is wrong.
func Load(path string) (*Profile, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, cadence.Errorf(cadence.EINVALID, "can't read the profile file %s: %v", path, pathErr(err))
	}
	if fi.Size() > MaxBytes {
		return nil, cadence.ValidationErrors{{File: path, Msg: fmt.Sprintf("the file has %d bytes; at most %d (256 KB)", fi.Size(), MaxBytes)}}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, cadence.Errorf(cadence.EINVALID, "can't read the profile file %s: %v", path, pathErr(err))
	}
	return Parse(path, data)
}

func pathErr(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

// Parse parses a profile named name (used in the problems it reports). The format:
//
//	company: Acme Support                 # required
//	value: One inbox for email, chat and phone, set up in a day.   # one line
//	booking: https://cal.example.com/acme # optional
//	proof:                                # short true facts
//	  - text: Brightline cut first-response time from 9 hours to 2.
//	    purposes: [answer_concern, share_context]   # optional; default any
//	    concerns: [response time]                   # optional
//	assets:
//	  - title: Brightline case study
//	    url: https://acme.example.com/brightline
//	    purposes: [share_context]
//	    concerns: [response time]
//	concerns:
//	  - name: switching effort
//	    keywords: [switch, migration, setup]
//	    answer: Most teams move over in a day; we import the history for you.
//
// Unknown keys, a missing company, a URL that is not http(s), a proof point with no text, an asset
// with no title or URL, a concern with no name or answer and unknown purposes are all reported,
// with line and field.
func Parse(name string, data []byte) (*Profile, error) {
	if len(data) > MaxBytes {
		return nil, cadence.ValidationErrors{{File: name, Msg: fmt.Sprintf("the file has %d bytes; at most %d (256 KB)", len(data), MaxBytes)}}
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		line, msg := yamlErr(err)
		return nil, cadence.ValidationErrors{{File: name, Line: line, Msg: msg}}
	}
	p := &parser{file: name}
	prof := &Profile{}
	if len(doc.Content) == 0 {
		p.fail(&doc, "company", "the profile is empty; company is required")
		return nil, p.errs
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		p.fail(root, "", "the profile must be a mapping of keys (company, value, booking, proof, assets, concerns)")
		return nil, p.errs
	}
	p.fields(root, "", []string{"company", "value", "booking", "proof", "assets", "concerns"}, func(key string, k, v *yaml.Node) {
		switch key {
		case "company":
			prof.Company = p.text(v, key, 80)
		case "value":
			prof.Value = p.text(v, key, 200)
		case "booking":
			prof.Booking = p.url(v, key)
		case "proof":
			p.list(k, v, key, func(i int, n *yaml.Node, f string) {
				var x Proof
				p.fields(n, f, []string{"text", "purposes", "concerns"}, func(key string, _, v *yaml.Node) {
					switch key {
					case "text":
						x.Text = p.text(v, f+".text", 240)
					case "purposes":
						x.Purposes = p.purposes(v, f+".purposes")
					case "concerns":
						x.Concerns = p.words(v, f+".concerns")
					}
				})
				if x.Text == "" {
					p.fail(n, f+".text", "a proof point needs its text")
				}
				prof.Proof = append(prof.Proof, x)
			})
		case "assets":
			p.list(k, v, key, func(i int, n *yaml.Node, f string) {
				var x Asset
				p.fields(n, f, []string{"title", "url", "purposes", "concerns"}, func(key string, _, v *yaml.Node) {
					switch key {
					case "title":
						x.Title = p.text(v, f+".title", 100)
					case "url":
						x.URL = p.url(v, f+".url")
					case "purposes":
						x.Purposes = p.purposes(v, f+".purposes")
					case "concerns":
						x.Concerns = p.words(v, f+".concerns")
					}
				})
				if x.Title == "" {
					p.fail(n, f+".title", "an asset needs a title")
				}
				if x.URL == "" {
					p.fail(n, f+".url", "an asset needs a URL")
				}
				prof.Assets = append(prof.Assets, x)
			})
		case "concerns":
			p.list(k, v, key, func(i int, n *yaml.Node, f string) {
				var x Concern
				p.fields(n, f, []string{"name", "keywords", "answer"}, func(key string, _, v *yaml.Node) {
					switch key {
					case "name":
						x.Name = p.text(v, f+".name", 60)
					case "keywords":
						x.Keywords = p.words(v, f+".keywords")
					case "answer":
						x.Answer = p.text(v, f+".answer", 300)
					}
				})
				if x.Name == "" {
					p.fail(n, f+".name", "a concern needs a name")
				}
				if x.Answer == "" {
					p.fail(n, f+".answer", "a concern needs its answer")
				}
				prof.Concerns = append(prof.Concerns, x)
			})
		}
	})
	if prof.Company == "" && len(p.errs) == 0 {
		p.fail(root, "company", "required: the name of your company")
	}
	if len(p.errs) > 0 {
		return nil, p.errs
	}
	return prof, nil
}

type parser struct {
	file string
	errs cadence.ValidationErrors
}

func (p *parser) fail(n *yaml.Node, field, format string, args ...any) {
	p.errs = append(p.errs, cadence.ValidationError{File: p.file, Line: n.Line, Field: field, Msg: fmt.Sprintf(format, args...)})
}

func (p *parser) fields(m *yaml.Node, prefix string, allowed []string, fn func(key string, k, v *yaml.Node)) {
	if m.Kind != yaml.MappingNode {
		p.fail(m, prefix, "must be a mapping with %s", strings.Join(allowed, ", "))
		return
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		field := k.Value
		if prefix != "" {
			field = prefix + "." + k.Value
		}
		known := false
		for _, a := range allowed {
			known = known || a == k.Value
		}
		switch {
		case k.Kind != yaml.ScalarNode || !known:
			p.fail(k, field, "unknown key; use %s", strings.Join(allowed, ", "))
		case seen[k.Value]:
			p.fail(k, field, "given twice")
		default:
			seen[k.Value] = true
			fn(k.Value, k, v)
		}
	}
}

func (p *parser) text(v *yaml.Node, field string, max int) string {
	if v.Kind == yaml.ScalarNode && v.Tag == "!!null" {
		return ""
	}
	if v.Kind != yaml.ScalarNode {
		p.fail(v, field, "must be a single value, not a list or a mapping")
		return ""
	}
	s := strings.Join(strings.Fields(v.Value), " ")
	if n := len([]rune(s)); n > max {
		p.fail(v, field, "too long (%d characters); at most %d", n, max)
	}
	return s
}

func (p *parser) url(v *yaml.Node, field string) string {
	s := p.text(v, field, 500)
	if s == "" {
		return ""
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || strings.ContainsAny(s, " <>\"") {
		p.fail(v, field, "%q is not a web link; write it as https://…", s)
		return ""
	}
	return s
}

func (p *parser) list(k, v *yaml.Node, field string, fn func(i int, n *yaml.Node, field string)) {
	if v.Kind == yaml.ScalarNode && v.Tag == "!!null" {
		return
	}
	if v.Kind != yaml.SequenceNode {
		p.fail(k, field, "must be a list")
		return
	}
	for i, n := range v.Content {
		fn(i, n, field+"["+strconv.Itoa(i)+"]")
	}
}

func (p *parser) words(v *yaml.Node, field string) []string {
	var out []string
	add := func(n *yaml.Node) {
		if s := strings.ToLower(p.text(n, field, 60)); s != "" {
			out = append(out, s)
		}
	}
	if v.Kind == yaml.SequenceNode {
		for _, n := range v.Content {
			add(n)
		}
	} else {
		add(v)
	}
	return out
}

func (p *parser) purposes(v *yaml.Node, field string) []cadence.Purpose {
	var out []cadence.Purpose
	for _, s := range p.words(v, field) {
		ok := false
		for _, k := range cadence.Purposes {
			ok = ok || string(k) == s
		}
		if !ok {
			p.fail(v, field, "unknown purpose %q; use recap_next_step, answer_concern, share_context, close_loop or custom", s)
			continue
		}
		out = append(out, cadence.Purpose(s))
	}
	return out
}

var yamlLine = regexp.MustCompile(`^(?:yaml: )?line (\d+): `)

func yamlErr(err error) (int, string) {
	if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
		line, _ := strconv.Atoi(m[1])
		return line, "malformed YAML: " + strings.TrimPrefix(err.Error(), m[0])
	}
	return 0, "malformed YAML: " + strings.TrimPrefix(err.Error(), "yaml: ")
}
