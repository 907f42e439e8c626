package bot

import (
	"html"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/followup-bot/followup/cadence"
)

// maxCommandLen bounds the text of a slash command. Anything longer is refused before it is
// parsed: no field needs more (a note is at most maxNoteLen), and a paste of a whole email thread
// is a mistake best caught early.
const maxCommandLen = 4000

// token is one word of a command: a plain word, a "double-quoted value", or key=value (whose
// value may be quoted). Slack's markup is already unwrapped: <mailto:a@b.co|a@b.co> is
// "a@b.co", <https://x.co|x.co> is "https://x.co", <tel:+1555|…> is "+1555" and <@U123|dana>
// is "<@U123>" (a user reference, see userRef).
type token struct {
	Key   string // lower case; "" for a positional word
	Value string
}

// String renders the token as typed (without quotes), for messages.
func (t token) String() string {
	if t.Key == "" {
		return t.Value
	}
	return t.Key + "=" + t.Value
}

// tokenize splits a command's text into tokens. Double quotes group words (also the curly quotes
// a Mac or phone may substitute); a quote left open is an EINVALID error, as is text over
// maxCommandLen.
func tokenize(text string) ([]token, error) {
	if n := utf8.RuneCountInString(text); n > maxCommandLen {
		return nil, cadence.Errorf(cadence.EINVALID, "That command is %d characters long; the limit is %d. Put long notes in the form instead: `/followup add` with nothing after it.", n, maxCommandLen)
	}
	var (
		out    []token
		cur    strings.Builder
		key    string
		inWord bool
		plain  = true // the word so far is plain letters, so a '=' makes it a key
	)
	flush := func() {
		if inWord {
			out = append(out, token{Key: key, Value: html.UnescapeString(cur.String())})
		}
		cur.Reset()
		key, inWord, plain = "", false, true
	}
	rs := []rune(text)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case unicode.IsSpace(r):
			flush()
		case isOpenQuote(r):
			inWord, plain = true, false
			j := i + 1
			for j < len(rs) && !isCloseQuote(rs[j]) {
				j++
			}
			if j == len(rs) {
				return nil, cadence.Errorf(cadence.EINVALID, "A double quote (\") is not closed. Put quotes around a value with spaces, like note=\"wants pricing\".")
			}
			cur.WriteString(unwrapLinks(string(rs[i+1 : j])))
			i = j
		case r == '<':
			j := i + 1
			for j < len(rs) && rs[j] != '>' {
				j++
			}
			if j == len(rs) { // not Slack markup (Slack escapes a typed '<'); keep it as typed
				inWord, plain = true, false
				cur.WriteRune(r)
				continue
			}
			inWord, plain = true, false
			cur.WriteString(unwrapSlack(string(rs[i+1 : j])))
			i = j
		case r == '=' && plain && inWord && key == "":
			key = strings.ToLower(cur.String())
			cur.Reset()
			plain = false
		default:
			inWord = true
			if !isKeyRune(r) {
				plain = false
			}
			cur.WriteRune(r)
		}
	}
	flush()
	return out, nil
}

func isOpenQuote(r rune) bool  { return r == '"' || r == '“' || r == '”' }
func isCloseQuote(r rune) bool { return r == '"' || r == '”' || r == '“' }
func isKeyRune(r rune) bool    { return r < utf8.RuneSelf && (unicode.IsLetter(r) || r == '_') }

// unwrapSlack turns the inside of one piece of Slack markup into what the person meant:
// a link's target (without mailto: or tel:), or "<@U123>" for a user mention.
func unwrapSlack(inner string) string {
	target, _, _ := strings.Cut(inner, "|")
	switch {
	case strings.HasPrefix(target, "@"):
		return "<" + target + ">"
	case strings.HasPrefix(target, "#"), strings.HasPrefix(target, "!"):
		_, label, ok := strings.Cut(inner, "|")
		if ok {
			return label
		}
		return target
	case strings.HasPrefix(target, "mailto:"):
		return strings.TrimPrefix(target, "mailto:")
	case strings.HasPrefix(target, "tel:"):
		return strings.TrimPrefix(target, "tel:")
	}
	return target
}

// unwrapLinks unwraps every piece of Slack markup inside a quoted value.
func unwrapLinks(s string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '<')
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		j := strings.IndexByte(s[i:], '>')
		if j < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		b.WriteString(unwrapSlack(s[i+1 : i+j]))
		s = s[i+j+1:]
	}
}

// userRef reads a Slack user reference: a mention ("<@U123>", as tokenize leaves it) or a bare
// user id. ok is false for anything else, such as "@dana" typed without Slack turning it into a
// mention.
func userRef(s string) (id string, ok bool) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "<@") && strings.HasSuffix(s, ">") {
		s = s[2 : len(s)-1]
	}
	if len(s) < 3 || (s[0] != 'U' && s[0] != 'W') {
		return "", false
	}
	for _, r := range s {
		if !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return "", false
		}
	}
	return s, true
}

// splitArgs separates positional words from key=value options, refusing keys not in allowed
// (with a suggestion) and keys given twice.
func splitArgs(toks []token, allowed ...string) (pos []string, opts map[string]string, err error) {
	opts = map[string]string{}
	for _, t := range toks {
		if t.Key == "" {
			pos = append(pos, t.Value)
			continue
		}
		if !slices.Contains(allowed, t.Key) {
			if len(allowed) == 0 {
				return nil, nil, cadence.Errorf(cadence.EINVALID, "This command takes no key=value options (got `%s=`). Put quotes around text with an = sign.", t.Key)
			}
			msg := "Unknown option `" + t.Key + "=`."
			if s := nearest(t.Key, allowed); s != "" {
				msg += " Did you mean `" + s + "=`?"
			}
			return nil, nil, cadence.Errorf(cadence.EINVALID, "%s Options here: %s.", msg, codeList(allowed, "="))
		}
		if _, dup := opts[t.Key]; dup {
			return nil, nil, cadence.Errorf(cadence.EINVALID, "`%s=` is given twice.", t.Key)
		}
		opts[t.Key] = t.Value
	}
	return pos, opts, nil
}

// codeList renders words as `a`, `b`, `c` with suffix after each.
func codeList(words []string, suffix string) string {
	parts := make([]string, len(words))
	for i, w := range words {
		parts[i] = "`" + w + suffix + "`"
	}
	return strings.Join(parts, ", ")
}

// nearest returns the candidate closest to s by edit distance, or "" when none is close enough
// to be a plausible typo (more than a third of the word changed).
func nearest(s string, candidates []string) string {
	best, bestD := "", -1
	for _, c := range candidates {
		d := editDistance(strings.ToLower(s), c)
		if bestD < 0 || d < bestD {
			best, bestD = c, d
		}
	}
	limit := max(2, (utf8.RuneCountInString(s)+2)/3)
	if bestD < 0 || bestD > limit {
		return ""
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, in runes.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
