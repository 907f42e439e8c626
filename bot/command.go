package bot

import (
	"context"
	"strings"

	"github.com/slack-go/slack"

	"github.com/followup-bot/followup/cadence"
)

// request is one parsed slash command: who sent it, from where, and its words after the
// subcommand.
type request struct {
	cmd  slack.SlashCommand
	user string
	args []token
}

// subcommand is one /followup subcommand: its grammar, an example, and its handler.
type subcommand struct {
	name    string
	usage   string // the grammar after the name
	help    string
	example string // the arguments of an example; "" when the name alone is the example
	run     func(b *Bot, ctx context.Context, r request) (Reply, error)
}

// subcommands lists the subcommands in the order help shows them. It is a function, not a
// variable, because the help handler refers back to it.
func subcommands() []subcommand {
	return []subcommand{
		{"add", "[<name> [email] [key=value …]]", "enroll a contact; with nothing after it, opens a form. Keys: " + strings.Join(addKeys, ", "),
			`"Dana Lee" dana@acme.com company=Acme cadence=demo intent=hot note="response time is a challenge for her team"`, (*Bot).cmdAdd},
		{"list", "", "your running follow-ups: id, contact, cadence, step, next due", "", (*Bot).cmdList},
		{"due", "", "your follow-ups due now or overdue", "", (*Bot).cmdDue},
		{"show", "<id>", "one follow-up's timeline: past touches with outcomes, planned ones with dates", "k3f9a2", (*Bot).cmdShow},
		{"pause", "<id> [until=YYYY-MM-DD]", "pause a follow-up, for good or until a date", "k3f9a2 until=2026-04-01", (*Bot).cmdPause},
		{"resume", "<id>", "resume a paused follow-up", "k3f9a2", (*Bot).cmdResume},
		{"stop", "<id> [reason]", "stop a follow-up", "k3f9a2 went with a competitor", (*Bot).cmdStop},
		{"skip", "<id>", "skip the current touch and plan the next one", "k3f9a2", (*Bot).cmdSkip},
		{"snooze", "<id> <duration>", "move the current touch later (30m, 4h, 2d, 1w, 3bd)", "k3f9a2 2d", (*Bot).cmdSnooze},
		{"signal", "<id> <what happened>", "record an intent signal; it feeds the drafts and pulls the next touch earlier", "k3f9a2 asked for pricing", (*Bot).cmdSignal},
		{"optout", "<email or id> [reason]", "record that a contact asked not to be contacted; stops all their follow-ups, whoever owns them (admins: `optout undo <email> <reason>` lifts one recorded by mistake)", "dana@acme.com asked us to stop", (*Bot).cmdOptOut},
		{"reassign", "<id> @user", "give a follow-up to another rep", "k3f9a2 @sam", (*Bot).cmdReassign},
		{"away", "<from> <to> | off", "no reminders between two dates (YYYY-MM-DD, inclusive); touches move after them", "2026-04-06 2026-04-10", (*Bot).cmdAway},
		{"settings", "[hours=HH:MM-HH:MM] [days=Mon-Fri] [tz=Area/City] [booking=URL] [signature=\"…\"] [mailbox=you@example.com]", "show or change your working time, the booking link and sign-off of your drafts, or the mailbox read for replies", "hours=08:30-16:30 days=Mon-Thu tz=Europe/Berlin", (*Bot).cmdSettings},
		{"cadences", "", "the cadence library with each cadence's steps", "", (*Bot).cmdCadences},
		{"report", "", "the team's cadence report for the past 7 days (to the report channel if one is set)", "", (*Bot).cmdReport},
		{"help", "", "this help", "", (*Bot).cmdHelp},
	}
}

// command runs one /followup slash command and returns its ephemeral reply. Bad input comes back
// as a coded error whose message says what to fix; nothing is changed then.
func (b *Bot) command(ctx context.Context, cmd slack.SlashCommand) (Reply, error) {
	toks, err := tokenize(cmd.Text)
	if err != nil {
		return Reply{}, err
	}
	if len(toks) == 0 {
		return b.cmdHelp(ctx, request{cmd: cmd, user: cmd.UserID})
	}
	name := strings.ToLower(toks[0].Value)
	if toks[0].Key != "" {
		name = "" // "key=value" is no subcommand
	}
	all := subcommands()
	for _, sc := range all {
		if sc.name == name {
			return sc.run(b, ctx, request{cmd: cmd, user: cmd.UserID, args: toks[1:]})
		}
	}
	names := make([]string, len(all))
	for i, sc := range all {
		names[i] = sc.name
	}
	msg := "I don't know `" + truncate(toks[0].String(), 40) + "`."
	if s := nearest(name, names); s != "" {
		msg += " Did you mean `/followup " + s + "`?"
	}
	return Reply{}, cadence.Errorf(cadence.EINVALID, "%s Try `/followup help` for the list of commands.", msg)
}

// cmdHelp lists every subcommand with its grammar and an example.
func (b *Bot) cmdHelp(_ context.Context, r request) (Reply, error) {
	slash := r.cmd.Command
	if slash == "" {
		slash = "/followup"
	}
	var lines []string
	for _, sc := range subcommands() {
		usage := strings.TrimSpace(slash + " " + sc.name + " " + sc.usage)
		line := "• `" + usage + "` — " + sc.help
		if sc.example != "" {
			line += "\n    e.g. `" + slash + " " + sc.name + " " + sc.example + "`"
		}
		lines = append(lines, line)
	}
	text := "*Follow-up commands* (ids look like `k3f9a2`; values with spaces go in \"double quotes\")\n" + strings.Join(lines, "\n") +
		"\n_Also: *Follow up on this* in a message's menu opens the form prefilled from the message, *New follow-up* in the shortcut menu opens it from anywhere, and the Workflow Builder step *Enroll in a follow-up cadence* enrolls from a workflow._"
	return textReply("%s", text), nil
}

// wantArgs checks the number of positional words a subcommand got, naming its grammar when wrong.
func wantArgs(name string, pos []string, minN, maxN int) error {
	if len(pos) >= minN && (maxN < 0 || len(pos) <= maxN) {
		return nil
	}
	for _, sc := range subcommands() {
		if sc.name == name {
			return cadence.Errorf(cadence.EINVALID, "Usage: `/followup %s %s` — for example `/followup %s %s`.", sc.name, cadence.Markup(sc.usage), sc.name, sc.example)
		}
	}
	return cadence.Errorf(cadence.EINVALID, "Wrong number of arguments; try `/followup help`.")
}
