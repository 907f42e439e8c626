package classify

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"html"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"regexp"
	"strings"

	"golang.org/x/text/encoding/htmlindex"
)

// maxPart bounds what is read of one MIME part, and maxParts the parts looked at: a message of
// 10 MB or of a thousand attachments is read no further than its text.
const (
	maxPart  = 256 << 10
	maxParts = 32
)

// Parse reads an RFC 5322 message (as from a mail server) into a Message: its From, Subject,
// headers and plain-text body, the text/plain part preferred, else the HTML turned into text.
// Encoded words, quoted-printable, base64 and the common charsets are decoded; an unknown charset
// is read as UTF-8 with bad bytes replaced. It fails only on a message without a header block.
func Parse(r io.Reader) (Message, error) {
	msg, err := mail.ReadMessage(io.LimitReader(r, 16<<20))
	if err != nil {
		return Message{}, fmt.Errorf("read message: %w", err)
	}
	m := Message{Headers: map[string]string{}}
	dec := mime.WordDecoder{CharsetReader: charsetReader}
	for k, vs := range msg.Header {
		if len(vs) > 0 {
			v, err := dec.DecodeHeader(vs[0])
			if err != nil {
				v = vs[0]
			}
			m.Headers[textproto.CanonicalMIMEHeaderKey(k)] = v
		}
	}
	m.From, m.Subject = m.Headers["From"], m.Headers["Subject"]
	if d, err := msg.Header.Date(); err == nil {
		m.Date = d
	}
	parts := 0
	m.Body = bodyText(msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body, &parts)
	return m, nil
}

// bodyText returns the text of one part, walking into multiparts.
func bodyText(ctype, cte string, r io.Reader, parts *int) string {
	*parts++
	if *parts > maxParts {
		return ""
	}
	mt, params, err := mime.ParseMediaType(ctype)
	if err != nil {
		mt, params = "text/plain", map[string]string{}
	}
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(r, params["boundary"])
		var plain, htm, other string
		for {
			p, err := mr.NextRawPart()
			if err != nil {
				break
			}
			t := bodyText(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p, parts)
			pt, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
			switch {
			case pt == "text/plain" && plain == "":
				plain = t
			case pt == "text/html" && htm == "":
				htm = t
			case other == "" && t != "":
				other = t
			}
		}
		switch {
		case plain != "":
			return plain
		case htm != "":
			return htm
		}
		return other
	}
	if !strings.HasPrefix(mt, "text/") && mt != "message/delivery-status" && !strings.HasPrefix(mt, "message/") {
		return ""
	}
	var data []byte
	switch strings.ToLower(strings.TrimSpace(cte)) {
	case "quoted-printable":
		data, _ = io.ReadAll(io.LimitReader(quotedprintable.NewReader(r), maxPart))
	case "base64":
		data, _ = io.ReadAll(io.LimitReader(base64.NewDecoder(base64.StdEncoding, newlineStripper{r}), maxPart))
	default:
		data, _ = io.ReadAll(io.LimitReader(r, maxPart))
	}
	return TextOf(ctype, data)
}

// TextOf turns the decoded bytes of one part of type ctype into plain text: the charset converted
// to UTF-8, HTML to text.
func TextOf(ctype string, data []byte) string {
	mt, params, err := mime.ParseMediaType(ctype)
	if err != nil {
		mt, params = "text/plain", map[string]string{}
	}
	s := decodeCharset(params["charset"], data)
	if mt == "text/html" {
		return HTMLText(s)
	}
	return s
}

func decodeCharset(cs string, data []byte) string {
	cs = strings.ToLower(strings.TrimSpace(cs))
	if cs != "" && cs != "utf-8" && cs != "us-ascii" && cs != "utf8" {
		if e, err := htmlindex.Get(cs); err == nil {
			if out, err := e.NewDecoder().Bytes(data); err == nil {
				return string(out)
			}
		}
	}
	return strings.ToValidUTF8(string(data), "\uFFFD")
}

func charsetReader(cs string, r io.Reader) (io.Reader, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxPart))
	if err != nil {
		return nil, err
	}
	return strings.NewReader(decodeCharset(cs, data)), nil
}

// newlineStripper drops CR and LF, which base64 bodies wrap with.
type newlineStripper struct{ r io.Reader }

func (n newlineStripper) Read(p []byte) (int, error) {
	k, err := n.r.Read(p)
	out := p[:0]
	for _, c := range p[:k] {
		if c != '\r' && c != '\n' {
			out = append(out, c)
		}
	}
	return len(out), err
}

var (
	dropRE  = regexp.MustCompile(`(?is)<(script|style|head)\b.*?</(?:script|style|head)\s*>`)
	quoteRE = regexp.MustCompile(`(?is)<blockquote\b.*?</blockquote\s*>`)
	breakRE = regexp.MustCompile(`(?i)<(?:br|/p|/div|/tr|/li|/h\d)\b[^>]*>`)
	tagRE   = regexp.MustCompile(`(?s)<[^>]*>`)
	// unsubLinkRE is a link whose text is an unsubscribe: a footer's, never the sender's words.
	unsubLinkRE = regexp.MustCompile(`(?is)<a\b[^>]*>[^<]{0,80}?(?:unsubscribe|abmelden|abbestellen|désabonner|desabonner|désinscri|desinscri|baja|descadastr|disiscri|afmelden|uitschrijven|opt[ -]out)[^<]{0,80}</a\s*>`)
)

// HTMLText turns an HTML body into plain text: scripts, styles, quoted blocks and unsubscribe
// links dropped, line breaks kept, entities decoded. It is not a renderer; it only needs the words.
func HTMLText(s string) string {
	if len(s) > maxPart {
		s = s[:maxPart]
	}
	s = dropRE.ReplaceAllString(s, " ")
	s = quoteRE.ReplaceAllString(s, "\n")
	s = unsubLinkRE.ReplaceAllString(s, " ")
	s = breakRE.ReplaceAllString(s, "\n")
	s = tagRE.ReplaceAllString(s, "")
	s = html.UnescapeString(s)
	var b bytes.Buffer
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			b.WriteString(l)
			b.WriteByte('\n')
		}
	}
	return b.String()
}
