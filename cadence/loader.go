package cadence

import (
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// MaxSteps is the most steps a cadence may have: beyond that it is no longer a cadence.
const MaxSteps = 12

// Bounds of a cadence file, so that a large or hostile file (a YAML alias bomb) is refused at
// once rather than parsed for minutes: its size, the cadences in it, and YAML aliases, which are
// refused (a cadence file has no use for them).
const (
	MaxFileSize = 1 << 20
	MaxCadences = 200
)

// Limits on the free text of a cadence file, which ends up in prompts and Slack messages.
const (
	maxNameLen     = 100
	maxGoalLen     = 300
	maxGuidanceLen = 2000
)

// ValidationError is one problem in a cadence file: the file, the line (0 when unknown), the field
// ("steps[1].channel"; empty for the file as a whole) and a message for a person.
type ValidationError struct {
	File  string
	Line  int
	Field string
	Msg   string
}

// Error returns "file:line: field: message", leaving out the parts that are unknown.
func (e ValidationError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		b.WriteString(":" + strconv.Itoa(e.Line))
	}
	b.WriteString(": ")
	if e.Field != "" {
		b.WriteString(e.Field + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// ValidationErrors is every problem found in a cadence file, in file order. Parse and LoadFile
// return it (never empty) as their error. It counts as a coded EINVALID error: ErrorCode returns
// EINVALID and ErrorMessage the problems, one a line.
type ValidationErrors []ValidationError

// Error returns the problems, one a line.
func (v ValidationErrors) Error() string {
	lines := make([]string, len(v))
	for i, e := range v {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// As lets errors.As see the problems as a coded EINVALID *Error.
func (v ValidationErrors) As(target any) bool {
	if p, ok := target.(**Error); ok {
		*p = &Error{Code: EINVALID, Message: v.Error()}
		return true
	}
	return false
}

// LoadFile reads and parses a cadence file (see Parse); problems name the file by path as given.
// It returns a coded EINVALID error when the file cannot be read, and ValidationErrors listing
// every problem in it.
func LoadFile(path string) ([]Cadence, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, Errorf(EINVALID, "can't read the cadence file %s: %v", path, unwrapPathErr(err))
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1)) // no more than one byte past the cap
	if err != nil {
		return nil, Errorf(EINVALID, "can't read the cadence file %s: %v", path, unwrapPathErr(err))
	}
	return Parse(path, data)
}

func unwrapPathErr(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

// Parse parses a cadence file named name (used in the problems it reports). The format, also that
// of the built-in library:
//
//	cadences:
//	  - id: quick-check           # required: lowercase letters, digits and dashes
//	    name: Quick check         # optional, default: the id
//	    trigger: custom           # optional, default custom; one of the Triggers
//	    goal: book a call         # optional
//	    stop_on: [replied, meeting_booked, deal_closed]  # optional, this is the default
//	    steps:                    # 1 to 12
//	      - gap: 0                # required: 0, 30m, 4h, 2d, 1w or 3bd
//	        channel: email        # required: email, phone, linkedin, sms or in_person
//	        purpose: custom       # required: recap_next_step, answer_concern, share_context, close_loop or custom
//	        purpose_text: ...     # required with purpose custom, and only then
//	        guidance: ...         # optional advice for the writer
//
// An empty stop_on list means replies, meetings and closed deals do not end the cadence (opt-outs,
// complaints, bounces, the final step and a passed decision date always do).
//
// Parse returns every problem at once as ValidationErrors, each with its line and field: malformed
// YAML, unknown keys, a missing, malformed or duplicate id, an unknown trigger, channel, purpose or
// stop reason, a bad gap, no steps or more than MaxSteps, a custom purpose without purpose_text.
// An empty file holds no cadences.
func Parse(name string, data []byte) ([]Cadence, error) {
	p := &parser{file: name, seen: map[string]int{}}
	if len(data) > MaxFileSize {
		return nil, ValidationErrors{{File: name, Msg: fmt.Sprintf("the file is larger than %d KB; a cadence file is a few KB", MaxFileSize>>10)}}
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		line, msg := yamlErr(err)
		return nil, ValidationErrors{{File: name, Line: line, Msg: msg}}
	}
	if a := firstAlias(&doc); a != nil {
		return nil, ValidationErrors{{File: name, Line: a.Line, Msg: fmt.Sprintf("YAML alias *%s: aliases are not allowed in a cadence file; write each value out", a.Value)}}
	}
	if len(doc.Content) == 0 {
		return nil, nil
	}
	var out []Cadence
	root := deref(doc.Content[0])
	if root.Kind != yaml.MappingNode {
		p.fail(root, "", "the file must start with cadences: followed by a list of cadences")
		return nil, p.errs
	}
	p.fields(root, "", []string{"cadences"}, func(key string, k, v *yaml.Node) {
		if isNull(v) {
			return
		}
		if v.Kind != yaml.SequenceNode {
			p.fail(v, "cadences", "must be a list of cadences, each starting with - id:")
			return
		}
		items := v.Content
		if len(items) > MaxCadences {
			p.fail(v, "cadences", "%d cadences; a file holds at most %d", len(items), MaxCadences)
			items = items[:MaxCadences]
		}
		for i, item := range items {
			if c, ok := p.cadence(deref(item), i); ok {
				out = append(out, c)
			}
		}
	})
	if len(p.errs) > 0 {
		return nil, p.errs
	}
	return out, nil
}

var yamlLine = regexp.MustCompile(`^(?:yaml: )?line (\d+): `)

// yamlErr returns the line and the message of a YAML syntax error.
func yamlErr(err error) (int, string) {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
		line, _ := strconv.Atoi(m[1])
		return line, "malformed YAML: " + strings.TrimPrefix(err.Error(), m[0])
	}
	return 0, "malformed YAML: " + msg
}

// parser collects the problems of one file.
type parser struct {
	file string
	errs ValidationErrors
	seen map[string]int // id -> line of its first definition
}

func (p *parser) fail(n *yaml.Node, field, format string, args ...any) {
	p.errs = append(p.errs, ValidationError{File: p.file, Line: n.Line, Field: field, Msg: fmt.Sprintf(format, args...)})
}

// firstAlias returns the first alias node in n's tree, in document order, or nil. It does not
// follow aliases, so its cost is the size of the file.
func firstAlias(n *yaml.Node) *yaml.Node {
	if n == nil {
		return nil
	}
	if n.Kind == yaml.AliasNode {
		return n
	}
	for _, c := range n.Content {
		if a := firstAlias(c); a != nil {
			return a
		}
	}
	return nil
}

// deref follows a YAML alias to the node it names.
func deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.Tag == "!!null" }

func join(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}

// fields calls fn for each key of the mapping m that is in allowed, in file order, and reports
// unknown, repeated and non-text keys.
func (p *parser) fields(m *yaml.Node, prefix string, allowed []string, fn func(key string, k, v *yaml.Node)) {
	seen := map[string]bool{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := deref(m.Content[i]), deref(m.Content[i+1])
		if k.Kind != yaml.ScalarNode {
			p.fail(k, prefix, "keys must be plain words; use %s", orList(allowed))
			continue
		}
		field := join(prefix, k.Value)
		known := false
		for _, a := range allowed {
			known = known || a == k.Value
		}
		switch {
		case !known:
			p.fail(k, field, "unknown key; use %s", orList(allowed))
		case seen[k.Value]:
			p.fail(k, field, "given twice")
		default:
			seen[k.Value] = true
			fn(k.Value, k, v)
		}
	}
}

// text returns the trimmed text of a scalar, or reports that the field must be one.
func (p *parser) text(v *yaml.Node, field string) (string, bool) {
	if isNull(v) {
		return "", true
	}
	if v.Kind != yaml.ScalarNode {
		p.fail(v, field, "must be a single value, not a list or a mapping")
		return "", false
	}
	return strings.TrimSpace(v.Value), true
}

// limited returns the text of a free-text field of at most max characters.
func (p *parser) limited(v *yaml.Node, field string, max int) string {
	s, _ := p.text(v, field)
	if n := len([]rune(s)); n > max {
		p.fail(v, field, "too long (%d characters); at most %d", n, max)
	}
	return s
}

var validID = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,39}$`)

// cadence parses the i-th cadence of the file.
func (p *parser) cadence(n *yaml.Node, i int) (Cadence, bool) {
	before := len(p.errs)
	if n.Kind != yaml.MappingNode {
		p.fail(n, fmt.Sprintf("cadences[%d]", i), "must be a cadence: a mapping with id, name, trigger, goal, stop_on and steps")
		return Cadence{}, false
	}
	c := Cadence{Trigger: TriggerCustom}
	hasID, hasSteps, hasStopOn := false, false, false
	p.fields(n, "", []string{"id", "name", "trigger", "goal", "stop_on", "steps"}, func(key string, k, v *yaml.Node) {
		switch key {
		case "id":
			hasID = true
			p.id(&c, v)
		case "name":
			c.Name = p.limited(v, "name", maxNameLen)
		case "trigger":
			if s, ok := p.text(v, "trigger"); ok && s != "" {
				t, err := ParseTrigger(s)
				if err != nil {
					p.fail(v, "trigger", "%s", ErrorMessage(err))
				}
				c.Trigger = t
			}
		case "goal":
			c.Goal = p.limited(v, "goal", maxGoalLen)
		case "stop_on":
			hasStopOn = true
			c.StopOn = p.stopOn(v)
		case "steps":
			hasSteps = true
			c.Steps = p.steps(k, v)
		}
	})
	if !hasID {
		p.fail(n, "id", "missing; every cadence needs an id of lowercase letters, digits and dashes")
	}
	if !hasSteps {
		p.fail(n, "steps", "missing; a cadence needs at least one step")
	}
	if !hasStopOn {
		c.StopOn = DefaultStopOn()
	}
	if c.Name == "" {
		c.Name = c.ID
	}
	return c, len(p.errs) == before
}

func (p *parser) id(c *Cadence, v *yaml.Node) {
	s, ok := p.text(v, "id")
	switch {
	case !ok:
	case s == "":
		p.fail(v, "id", "empty; every cadence needs an id of lowercase letters, digits and dashes")
	case !validID.MatchString(s):
		p.fail(v, "id", "%q is not a valid id; use up to 40 lowercase letters, digits and dashes, like quick-check", s)
	default:
		if first, dup := p.seen[s]; dup {
			p.fail(v, "id", "duplicate id %q; first defined at line %d", s, first)
		} else {
			p.seen[s] = v.Line
		}
		c.ID = s
	}
}

func (p *parser) stopOn(v *yaml.Node) []StopReason {
	out := []StopReason{}
	if isNull(v) {
		return out
	}
	if v.Kind != yaml.SequenceNode {
		p.fail(v, "stop_on", "must be a list, like [replied, meeting_booked, deal_closed]")
		return out
	}
	for i, item := range v.Content {
		item = deref(item)
		field := fmt.Sprintf("stop_on[%d]", i)
		s, ok := p.text(item, field)
		if !ok {
			continue
		}
		r, err := parseEnum("stop reason", s, stopOnChoices)
		if err != nil {
			if all, err2 := ParseStopReason(s); err2 == nil {
				p.fail(item, field, "%q always ends a cadence; stop_on lists only %s", all, orList(stopOnChoices))
			} else {
				p.fail(item, field, "%s", ErrorMessage(err))
			}
			continue
		}
		out = append(out, r)
	}
	return out
}

// steps parses the steps list v of the key k (whose line problems with the list as a whole name).
func (p *parser) steps(k, v *yaml.Node) []Step {
	if isNull(v) || (v.Kind == yaml.SequenceNode && len(v.Content) == 0) {
		p.fail(k, "steps", "empty; a cadence needs at least one step")
		return nil
	}
	if v.Kind != yaml.SequenceNode {
		p.fail(k, "steps", "must be a list of steps, each starting with - gap:")
		return nil
	}
	if len(v.Content) > MaxSteps {
		p.fail(k, "steps", "%d steps; a cadence has at most %d", len(v.Content), MaxSteps)
		return nil // the steps past the limit are not read
	}
	var out []Step
	for i, item := range v.Content {
		out = append(out, p.step(deref(item), fmt.Sprintf("steps[%d]", i)))
	}
	return out
}

func (p *parser) step(n *yaml.Node, prefix string) Step {
	var s Step
	if n.Kind != yaml.MappingNode {
		p.fail(n, prefix, "must be a step: a mapping with gap, channel, purpose, purpose_text and guidance")
		return s
	}
	has := map[string]*yaml.Node{}
	p.fields(n, prefix, []string{"gap", "channel", "purpose", "purpose_text", "guidance"}, func(key string, k, v *yaml.Node) {
		has[key] = v
		field := join(prefix, key)
		switch key {
		case "gap":
			if t, ok := p.text(v, field); ok {
				g, err := ParseGap(t)
				if err != nil {
					p.fail(v, field, "%s", ErrorMessage(err))
				}
				s.Gap = g
			}
		case "channel":
			if t, ok := p.text(v, field); ok {
				ch, err := ParseChannel(t)
				if err != nil {
					p.fail(v, field, "%s", ErrorMessage(err))
				}
				s.Channel = ch
			}
		case "purpose":
			if t, ok := p.text(v, field); ok {
				pu, err := ParsePurpose(t)
				if err != nil {
					p.fail(v, field, "%s", ErrorMessage(err))
				}
				s.Purpose = pu
			}
		case "purpose_text":
			s.PurposeText = p.limited(v, field, maxGuidanceLen)
		case "guidance":
			s.Guidance = p.limited(v, field, maxGuidanceLen)
		}
	})
	for _, key := range []string{"gap", "channel", "purpose"} {
		if has[key] == nil {
			p.fail(n, join(prefix, key), "missing; every step needs a gap, a channel and a purpose")
		}
	}
	switch {
	case s.Purpose == PurposeCustom && s.PurposeText == "":
		p.fail(n, join(prefix, "purpose_text"), "missing; purpose: custom needs purpose_text: saying what the message is for")
	case s.Purpose != PurposeCustom && s.Purpose != "" && s.PurposeText != "":
		p.fail(has["purpose_text"], join(prefix, "purpose_text"), "only used with purpose: custom; use guidance: for advice")
	}
	return s
}
