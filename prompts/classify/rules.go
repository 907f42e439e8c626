package classify

import (
	"regexp"
	"strings"
)

// The words of the rules, folded (lower case, plain apostrophes). Kept in one place so a missed
// phrase is one line to add, with a case in testdata/cases to prove it.
var (
	// autoSubjects are subjects of out-of-office and other automatic replies.
	autoSubjects = []string{
		"out of office", "out of the office", "automatic reply", "auto-reply", "autoreply", "auto reply",
		"away from the office", "on vacation", "on holiday", "on leave",
		"abwesenheitsnotiz", "automatische antwort", "abwesend", "nicht im büro", "urlaub",
		"réponse automatique", "reponse automatique", "absence du bureau", "absent du bureau", "absente du bureau", "en congé", "en congés",
		"respuesta automática", "respuesta automatica", "fuera de la oficina", "fuera de oficina", "ausente", "de vacaciones",
		"resposta automática", "resposta automatica", "fora do escritório", "ausência", "ausencia", "em férias", "de férias",
		"risposta automatica", "fuori sede", "fuori ufficio", "assente", "in ferie",
		"automatisch antwoord", "afwezig", "niet aanwezig", "niet op kantoor", "met vakantie",
	}
	// autoBodies are sentences of automatic replies found in the body.
	autoBodies = []string{
		"i am out of the office", "i'm out of the office", "i am currently out of the office", "i'm currently out of the office",
		"i am away", "i'm away", "i am on vacation", "i'm on vacation", "i am on holiday", "i'm on holiday", "i am on leave", "i'm on leave",
		"with limited access to email", "limited access to my email", "this is an automatic reply", "this is an automated response",
		"ich bin bis", "bin ich nicht im büro", "ich bin derzeit nicht", "ich bin nicht im büro", "abwesend",
		"je suis absent", "je suis absente", "je serai absent", "je serai absente", "je suis en congé", "je suis actuellement absent",
		"estoy fuera de la oficina", "estaré fuera", "estoy de vacaciones", "me encuentro fuera",
		"estou fora do escritório", "estou de férias", "estarei ausente", "encontro-me ausente",
		"sono fuori ufficio", "sono in ferie", "sarò assente", "sono assente",
		"ik ben afwezig", "ik ben met vakantie", "ik ben niet op kantoor", "ik ben tot en met",
	}
	// optOutPhrases ask never to be contacted again.
	optOutPhrases = []string{
		"unsubscribe", "remove me", "take me off", "opt me out", "opt-out", "opt out",
		"stop emailing", "stop e-mailing", "stop contacting", "stop sending", "stop writing", "stop messaging",
		"do not contact me", "don't contact me", "do not email me", "don't email me", "do not e-mail me",
		"never contact me", "no more emails", "no more e-mails", "leave me alone", "off your list", "off your mailing list",
		"abmelden", "austragen", "abbestellen", "keine weiteren e-mails", "keine e-mails mehr", "nicht mehr kontaktieren", "entfernen sie mich",
		"désabonner", "désinscrire", "desinscrire", "désinscrivez", "retirez-moi", "retirez moi", "ne plus recevoir", "ne me contactez plus", "cessez de m'écrire", "arrêtez de m'écrire",
		"darme de baja", "dar de baja", "denme de baja", "no me escriba", "no me contacte", "elimíname", "eliminadme", "dejen de escribirme", "deje de escribirme",
		"descadastrar", "descadastre", "remover da lista", "remova-me", "removam-me", "parem de enviar", "pare de enviar", "não me contate", "não quero receber",
		"cancellami", "disiscrivere", "disiscrivermi", "non scrivermi più", "non contattatemi", "rimuovetemi", "rimuovermi", "smettete di scrivermi",
		"uitschrijven", "afmelden", "verwijder mij", "verwijder me", "stop met mailen", "niet meer mailen", "geen e-mails meer", "neem geen contact meer",
	}
	// optOutSubjects are subjects that are an opt-out on their own.
	optOutSubjects = []string{"unsubscribe", "remove me", "opt out", "abmelden", "désinscription", "baja", "descadastrar", "disiscrizione", "afmelden", "uitschrijven"}
	// referralPhrases point to someone else.
	referralPhrases = []string{
		"talk to", "speak to", "speak with", "reach out to", "contact my colleague", "get in touch with", "loop in", "looping in",
		"cc'ing", "copying", "better person", "right person", "in charge of", "responsible for", "handles this", "who handles", "owns this",
		"forwarded", "forwarding", "no longer with", "no longer at", "has left", "left the company", "colleague",
		"wenden sie sich an", "kollegin", "kollege", "zuständig", "ansprechpartner",
		"mon collègue", "ma collègue", "contactez", "s'occupe", "responsable", "interlocuteur",
		"mi compañero", "mi compañera", "mi colega", "contacte con", "póngase en contacto", "encargado", "encargada",
		"meu colega", "minha colega", "fale com", "falar com", "responsável",
		"il mio collega", "la mia collega", "contatti", "si occupa", "referente",
		"mijn collega", "neem contact op met", "verantwoordelijk", "aanspreekpunt",
	}
	// meetingPhrases ask for a meeting.
	meetingPhrases = []string{
		"let's meet", "let us meet", "set up a call", "schedule a call", "book a call", "hop on a call", "jump on a call",
		"set up a meeting", "schedule a meeting", "book a meeting", "find a time", "send me an invite", "send an invite",
		"calendar invite", "are you free", "are you available", "does that work for a call", "call next week", "call on",
		"termin", "rendez-vous", "reunión", "reunião", "riunione", "afspraak",
	}
	// bounceSubjects are subjects of delivery status notifications.
	bounceSubjects = []string{
		"undeliverable", "undelivered mail", "delivery status notification", "mail delivery failed", "delivery failure",
		"failure notice", "returned mail", "delivery has failed", "could not be delivered", "nicht zustellbar", "unzustellbar",
		"non remis", "échec de la remise", "no se puede entregar", "não entregue", "non recapitabile", "onbestelbaar",
	}
	// bounceSenders are the local parts of mail systems that send bounces.
	bounceSenders = []string{"mailer-daemon", "postmaster", "mail-daemon", "mailerdaemon"}
)

// BounceSender reports an address (bare, lower case) of a mail system that sends delivery status
// notifications: mailer-daemon@, postmaster@ (Exchange Online's "Microsoft Outlook"), and
// on-premises Exchange's MicrosoftExchange<id>@.
func BounceSender(addr string) bool {
	local, _, _ := strings.Cut(addr, "@")
	if strings.HasPrefix(local, "microsoftexchange") && len(local) > len("microsoftexchange") {
		return true
	}
	for _, s := range bounceSenders {
		if local == s {
			return true
		}
	}
	return false
}

// bounce reports a delivery status notification that names the contact's address. A notice
// that does not name the contact stops nothing: it is KindNone.
func bounce(m Message, from, contact, lowSubj, body string) (Result, bool) {
	ct := fold(m.Headers["Content-Type"])
	isReport := strings.Contains(ct, "multipart/report") && strings.Contains(ct, "delivery-status")
	sender := BounceSender(from)
	subj, _ := findPhrase(lowSubj, bounceSubjects)
	if !isReport && !(sender && subj != "") && !(sender && strings.Contains(fold(body), "status: 5.")) {
		return Result{}, false
	}
	if contact == "" || !namesFailed(m.Headers, body, contact) {
		return Result{Kind: KindNone, Reason: "a delivery notice that does not name the contact"}, true
	}
	if permanent := !transient(fold(body)); !permanent {
		return Result{Kind: KindNone, Reason: "a delay notice: the mail may still be delivered"}, true
	}
	why := "a delivery status notification naming " + contact
	return Result{Kind: KindBounce, Reason: why}, true
}

// transient reports a delay notice ("Status: 4.4.7", "will retry") rather than a failure.
func transient(low string) bool {
	if strings.Contains(low, "status: 5.") || strings.Contains(low, "action: failed") {
		return false
	}
	return strings.Contains(low, "status: 4.") || strings.Contains(low, "action: delayed") ||
		strings.Contains(low, "will retry") || strings.Contains(low, "delivery delayed") || strings.Contains(low, "has been delayed")
}

// autoReply reports an automatic reply by its headers, subject or opening words.
func autoReply(h map[string]string, lowSubj, lowBody string) (string, bool) {
	if v := fold(strings.TrimSpace(h["Auto-Submitted"])); v != "" && v != "no" {
		return "header Auto-Submitted: " + v, true
	}
	for _, k := range []string{"X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress-Reply"} {
		if strings.TrimSpace(h[k]) != "" {
			return "header " + k, true
		}
	}
	if p := fold(strings.TrimSpace(h["Precedence"])); p == "auto_reply" {
		return "header Precedence: auto_reply", true
	}
	if p, ok := findPhrase(lowSubj, autoSubjects); ok {
		return "subject says “" + p + "”", true
	}
	head := lowBody
	if len(head) > 600 {
		head = head[:600]
	}
	if p, ok := findPhrase(head, autoBodies); ok {
		return "it says “" + p + "”", true
	}
	return "", false
}

// referral finds an address other than the sender's next to words that point to someone else.
func referral(fresh, low, from string) (addr, phrase string, ok bool) {
	p, found := findPhrase(low, referralPhrases)
	if !found {
		return "", "", false
	}
	for _, a := range addrRE.FindAllString(fresh, -1) {
		a = strings.ToLower(strings.TrimRight(a, "."))
		if a != from {
			return a, p, true
		}
	}
	return "", "", false
}

var (
	timeRE     = regexp.MustCompile(`(?i)\b(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\b[^.?!\n]{0,40}?\b\d{1,2}(?::\d{2})?\s*(?:am|pm|h)?\b|\b\d{1,2}(?::\d{2})\s*(?:am|pm)?\b|\b\d{1,2}\s*(?:am|pm)\b`)
	questionRE = regexp.MustCompile(`[^.!?\n]{3,200}\?`)
	objections = []string{"too expensive", "budget", "not a priority", "not right now", "already use", "already have", "contract", "zu teuer", "trop cher", "demasiado caro", "muito caro", "troppo caro", "te duur"}
)

// meetingTime returns the time a reply names for a meeting ("Tuesday at 3pm"), or "".
func meetingTime(fresh string) string {
	return strings.TrimSpace(timeRE.FindString(fresh))
}

// question returns the first question in a reply, or else a sentence with an objection, for an
// intent signal; "" when there is neither.
func question(fresh string) string {
	if q := questionRE.FindString(fresh); q != "" {
		return strings.TrimSpace(q)
	}
	low := fold(fresh)
	for _, o := range objections {
		if i := strings.Index(low, o); i >= 0 {
			start := strings.LastIndexAny(fresh[:i], ".!?\n") + 1
			end := i + len(o)
			if j := strings.IndexAny(fresh[end:], ".!?\n"); j >= 0 {
				end += j + 1
			} else {
				end = len(fresh)
			}
			return strings.TrimSpace(fresh[start:end])
		}
	}
	return ""
}

// quoteMarks begin the quoted part of a reply: what follows them is the earlier message.
var quoteMarks = regexp.MustCompile(`(?im)^(?:-{2,}\s*(?:original message|ursprüngliche nachricht|message d'origine|mensaje original|mensagem original|messaggio originale|oorspronkelijk bericht)\s*-{2,}|_{10,}|(?:on|am|le|el|em|il|op)\s.{0,200}?(?:wrote|schrieb|a écrit|escribió|escreveu|ha scritto|schreef)\s*:|(?:from|von|de|van|da)\s*:\s.+@.+$)`)

// Unquote returns the part of a reply its sender wrote: the lines before the quoted earlier
// message ("On … wrote:", "-----Original Message-----", "From: …") and without "> " lines.
func Unquote(body string) string {
	body = strings.ReplaceAll(body, "\r\n", "\n")
	if loc := quoteMarks.FindStringIndex(body); loc != nil {
		body = body[:loc[0]]
	}
	var b strings.Builder
	for _, l := range strings.Split(body, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), ">") {
			continue
		}
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return strings.TrimSpace(b.String())
}

// namesFailed reports whether a delivery notice names contact as an address that failed: among
// the X-Failed-Recipients when the notice has them, else in the notice's own text (not in the
// copy of the returned message that follows it, whose To and Cc name everyone it went to), as a
// whole address ("bob@acme.com" is not in "bob@acme.com.au" or "jbob@acme.com").
func namesFailed(h map[string]string, body, contact string) bool {
	if failed := strings.TrimSpace(h["X-Failed-Recipients"]); failed != "" {
		return hasAddress(fold(failed), contact)
	}
	low := fold(body)
	for _, mark := range returnedCopy {
		if i := strings.Index(low, mark); i >= 0 {
			low = low[:i]
		}
	}
	return hasAddress(low, contact)
}

// returnedCopy are the lines after which a delivery notice quotes the message it returns.
var returnedCopy = []string{
	"this is a copy of the message", "original message follows", "----- original message -----",
	"below this line is a copy of the message", "original message headers", "content-type: message/rfc822",
	"--- the header of the original message", "kopie der nachricht", "copie du message",
}

// hasAddress reports whether low (folded) holds addr as a whole address.
func hasAddress(low, addr string) bool {
	for i := 0; ; {
		j := strings.Index(low[i:], addr)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(addr)
		before := start == 0 || !addrByte(low[start-1])
		after := end == len(low) || !(addrByte(low[end]) || low[end] == '.' && end+1 < len(low) && alnum(low[end+1]))
		if before && after {
			return true
		}
		i = start + 1
	}
}

func addrByte(c byte) bool { return alnum(c) || strings.IndexByte("._%+-'", c) >= 0 }

func alnum(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' }

// bulk reports mass mail (a newsletter sent from the contact's address, a mailing list): not a
// reply, and its "unsubscribe" link is no opt-out.
func bulk(h map[string]string) (string, bool) {
	switch p := fold(strings.TrimSpace(h["Precedence"])); p {
	case "bulk", "list", "junk":
		return "a bulk message (header Precedence: " + p + "), not a reply", true
	}
	if strings.TrimSpace(h["List-Unsubscribe"]) != "" {
		return "a mailing-list message (header List-Unsubscribe), not a reply", true
	}
	return "", false
}

// footerMarks are words of the footers mail systems and newsletters add under a message: a line
// holding one is not the sender's words, so its "unsubscribe" is no opt-out.
// Only words no person writes about themselves: "I'd like to unsubscribe from your emails" and "under
// your privacy policy, remove me" are the sender's own.
var footerMarks = []string{
	"you are receiving this", "you received this", "you're receiving this", "click here to unsubscribe",
	"manage preferences", "manage your preferences", "unsubscribe |", "| unsubscribe",
	"view in browser", "view this email in", "this email was sent to", "this e-mail was sent to",
	"if you no longer wish to receive these", "update your preferences", "update your subscription",
}

// withoutFooter returns the sender's own words of a reply: what comes before a signature
// delimiter ("-- ") without the lines of an added footer (footerMarks).
func withoutFooter(fresh string) string {
	var b strings.Builder
	for _, l := range strings.Split(fresh, "\n") {
		if t := strings.TrimRight(l, " \t\r"); t == "--" || t == "—" {
			break
		}
		low := fold(l)
		footer := false
		for _, f := range footerMarks {
			if strings.Contains(low, f) {
				footer = true
				break
			}
		}
		if !footer {
			b.WriteString(l)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// scopedRE follows "remove me" or "take me off" that asks to leave a thread, a cc or a meeting,
// not the follow-up: "remove me from this thread", "take me off the cc".
var scopedRE = regexp.MustCompile(`^\s*(?:from|off)\s+(?:of\s+)?(?:(?:this|the|that|these|our|your)\s+)?(?:e-?mail\s+|mail\s+)?(?:thread|chain|conversation|cc|loop|invite|invitation|meeting|calendar|call)s?\b`)

// scoped reports that the words after "remove me" name a thread, a cc or a meeting, and not a
// list of them ("from your call list" is an opt-out).
func scoped(after string) bool {
	loc := scopedRE.FindStringIndex(after)
	if loc == nil {
		return false
	}
	rest := strings.TrimLeft(after[loc[1]:], " -")
	return !strings.HasPrefix(rest, "list") && !strings.HasPrefix(rest, "database")
}

// findOptOut returns the first opt-out phrase in s (folded) that is neither denied ("don't
// remove me") nor about a thread or a cc only ("remove me from this thread").
func findOptOut(s string) (string, bool) {
	for _, p := range optOutPhrases {
		for i := 0; i < len(s); {
			j := strings.Index(s[i:], p)
			if j < 0 {
				break
			}
			at := i + j
			i = at + len(p)
			if negated(s[:at]) {
				continue
			}
			if (p == "remove me" || p == "take me off") && scoped(s[i:]) {
				continue
			}
			if p == "take me off" && scoped(" off"+s[i:]) {
				continue
			}
			return p, true
		}
	}
	return "", false
}
