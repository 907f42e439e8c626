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
