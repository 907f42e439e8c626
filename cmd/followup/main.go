// Command followup is a Slack bot that runs respectful follow-up cadences: it reminds each rep,
// inside their working hours, whom to follow up with, why, and with a drafted message, and stops
// when the other person replies, books a meeting or says stop.
//
// Usage: followup [command] [flags]. Run "followup help" for the commands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(exitCode(err, os.Stderr))
}

// exitCode prints err (unless the command already did) and returns the process's exit status:
// 0 for success, 2 for a command line that does not parse, 1 for any other failure.
func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return 0
	}
	if !errors.Is(err, errReported) {
		fmt.Fprintln(stderr, "followup:", err)
	}
	var ue usageError
	if errors.As(err, &ue) {
		return 2
	}
	return 1
}

// errReported means the command already printed what went wrong.
var errReported = errors.New("reported")

// usageError is a command line that does not parse.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// command is one subcommand of followup.
type command struct {
	name, args, help string
	run              func(ctx context.Context, e *env, args []string) error
}

// env is what every subcommand gets: its flags, the configuration and the output streams.
type env struct {
	getenv         func(string) string
	stdout, stderr io.Writer
	fs             *flag.FlagSet
	raw            rawConfig
}

func commands() []command {
	return []command{
		{"run", "", "connect to Slack over Socket Mode and run the bot (the default)", cmdRun},
		{"demo", "[--interactive]", "run the real bot against an in-process fake Slack with a fast fake clock: no token, no network", cmdDemo},
		{"cadences", "[id]", "print the cadence library, or one cadence's steps", cmdCadences},
		{"draft", "--cadence ID [--step K | --all] [flags]", "preview the draft of a step (or every step) for a contact given by flags, with every check's verdict", cmdDraft},
		{"check", "", "validate the configuration and the cadence file; exit 1 listing every problem", cmdCheck},
		{"migrate", "", "apply the database migrations", cmdMigrate},
		{"migrate-db", "--from FILE.db --to postgres://…", "copy an SQLite database into an empty PostgreSQL one, in one transaction", cmdMigrateDB},
		{"backup", "PATH", "write a consistent copy of the database to PATH, also while the bot runs", cmdBackup},
		{"report", "[--from YYYY-MM-DD] [--to YYYY-MM-DD] [--csv]", "print the team report for a range of days (default: the past 7), or its per-step numbers as CSV", cmdReport},
		{"version", "", "print the version", cmdVersion},
		{"help", "", "print this help", nil},
	}
}

// run parses the command line and runs one subcommand. It is main without the process around it.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	name := "run"
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		name, args = args[0], args[1:]
	}
	if name == "help" || (name == "run" && len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help")) {
		printHelp(stdout)
		return nil
	}
	for _, c := range commands() {
		if c.name != name || c.run == nil {
			continue
		}
		fs := flag.NewFlagSet("followup "+name, flag.ContinueOnError)
		fs.SetOutput(stderr)
		e := &env{getenv: getenv, stdout: stdout, stderr: stderr, fs: fs}
		e.raw = bindFlags(fs, getenv)
		return c.run(ctx, e, args)
	}
	printHelp(stderr)
	return usageError{fmt.Sprintf("unknown command %q", name)}
}

func printHelp(w io.Writer) {
	fmt.Fprintln(w, "followup: a Slack bot for respectful follow-up cadences.")
	fmt.Fprintln(w, "\nUsage: followup [command] [flags]")
	fmt.Fprintln(w, "\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-22s %s\n", c.name+" "+c.args, c.help)
	}
	fmt.Fprintln(w, "\nEvery setting is an environment variable with a flag that overrides it:")
	for _, s := range settings {
		fmt.Fprintf(w, "  %-24s --%-16s %s (default %q)\n", s.env, s.flag, s.help, s.def)
	}
}

// parse parses the subcommand's flags and validates the configuration.
func (e *env) parse(args []string) ([]string, Config, error) {
	if err := e.fs.Parse(args); err != nil {
		return nil, Config{}, usageError{err.Error()}
	}
	c, err := e.raw.load()
	if err != nil && !strings.Contains(err.Error(), "\n") {
		return nil, Config{}, fmt.Errorf("invalid configuration: %w", err) // one problem, one line
	}
	if err != nil {
		return nil, Config{}, fmt.Errorf("invalid configuration:\n%w", err)
	}
	return e.fs.Args(), c, nil
}

func cmdVersion(_ context.Context, e *env, args []string) error {
	fmt.Fprintln(e.stdout, "followup", version)
	return nil
}
