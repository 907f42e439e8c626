package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/followup-bot/followup/bot/report"
	"github.com/followup-bot/followup/cadence"
	"github.com/followup-bot/followup/prompts/profile"
	"github.com/followup-bot/followup/store"
)

// setting is one configuration value: an environment variable, the flag that overrides it, and
// its default. The README's configuration table lists the same settings in the same order.
type setting struct {
	env, flag, def, help string
}

var settings = []setting{
	{"FOLLOWUP_DB", "db", "./followup.db", "SQLite database file (created 0600), or a postgres:// URL"},
	{"FOLLOWUP_CADENCES", "cadences", "", "YAML file of custom cadences (adds or overrides built-ins by id)"},
	{"FOLLOWUP_PROFILE", "profile", "", "YAML file of the seller's profile: company, proof points, assets, concerns, booking link"},
	{"FOLLOWUP_TIMEZONE", "timezone", "UTC", "team default IANA time zone; also the report's zone"},
	{"FOLLOWUP_WORK_HOURS", "work-hours", "09:00-17:00", "team default working hours; 00:00-24:00 means all day"},
	{"FOLLOWUP_WORK_DAYS", "work-days", "Mon-Fri", "team default working days; Mon-Sun means every day"},
	{"FOLLOWUP_HOLIDAYS", "holidays", "", "comma-separated dates (2026-12-25,...) or a file with one date a line"},
	{"FOLLOWUP_TICK", "tick", "30s", "how often due touchpoints are looked for"},
	{"FOLLOWUP_ADMINS", "admins", "", "comma-separated Slack user ids that may change anyone's follow-ups"},
	{"FOLLOWUP_REPORT_CHANNEL", "report-channel", "", "channel id for the weekly cadence report"},
	{"FOLLOWUP_REPORT_CRON", "report-cron", "0 9 * * MON", "when the weekly report is posted (cron, in FOLLOWUP_TIMEZONE; no CRON_TZ= prefix)"},
	{"FOLLOWUP_DOMAIN_STOP", "domain-stop", "off", "on: a reply or meeting at a company pauses the other follow-ups there, not only flags them"},
	{"SLACK_APP_TOKEN", "slack-app-token", "", "app-level token (xapp-…) with connections:write"},
	{"SLACK_BOT_TOKEN", "slack-bot-token", "", "bot token (xoxb-…)"},
	{"SLACK_API_URL", "slack-api-url", "https://slack.com/api/", "base URL of Slack's Web API (tests, proxies)"},
	{"OPENAI_API_KEY", "openai-api-key", "", "API key of the OpenAI-compatible server"},
	{"OPENAI_BASE_URL", "openai-base-url", "", "base URL of an OpenAI-compatible server (Ollama, vLLM, LiteLLM); no key needed"},
	{"OPENAI_MODEL", "openai-model", "gpt-4o-mini", "model used for drafts"},
	{"FOLLOWUP_GMAIL_CREDENTIALS", "gmail-credentials", "", "Google service account key file (JSON) with domain-wide delegation: read reps' Gmail for replies"},
	{"FOLLOWUP_GMAIL_API_URL", "gmail-api-url", "https://gmail.googleapis.com/", "base URL of the Gmail API (tests, proxies)"},
	{"FOLLOWUP_GRAPH_TENANT", "graph-tenant", "", "Microsoft Entra tenant id or domain: read reps' Microsoft 365 mail for replies"},
	{"FOLLOWUP_GRAPH_CLIENT_ID", "graph-client-id", "", "application (client) id of the app registration"},
	{"FOLLOWUP_GRAPH_CLIENT_SECRET", "graph-client-secret", "", "client secret of the app registration"},
	{"FOLLOWUP_GRAPH_API_URL", "graph-api-url", "https://graph.microsoft.com/v1.0/", "base URL of Microsoft Graph (tests, proxies)"},
	{"FOLLOWUP_GRAPH_LOGIN_URL", "graph-login-url", "https://login.microsoftonline.com/", "base URL of the Microsoft identity platform (tests, proxies)"},
	{"FOLLOWUP_MAIL_POLL", "mail-poll", "2m", "how often reps' mailboxes are read (1s to 1h)"},
	{"FOLLOWUP_HTTP_ADDR", "http-addr", "", "host:port for /healthz, /readyz and /metrics (Prometheus); empty: off"},
	{"LOG_LEVEL", "log-level", "info", "debug, info, warn or error"},
	{"LOG_FORMAT", "log-format", "text", "text or json"},
	{"FOLLOWUP_CPUPROFILE", "cpuprofile", "", "write a CPU profile (pprof) of followup run to this file, until it stops"},
}

// Config is the validated configuration.
type Config struct {
	DB            string
	CadencesFile  string
	ProfileFile   string
	Profile       *profile.Profile // nil when FOLLOWUP_PROFILE is not set
	Team          cadence.Window
	TimeZone      string
	Tick          time.Duration
	Admins        []string
	ReportChannel string
	ReportCron    string
	DomainStop    bool // FOLLOWUP_DOMAIN_STOP=on

	SlackAppToken, SlackBotToken, SlackAPIURL string
	OpenAIKey, OpenAIBaseURL, OpenAIModel     string

	HTTPAddr string

	LogLevel  slog.Level
	LogFormat string

	Mail       mailConfig // mailconfig.go
	CPUProfile string     // FOLLOWUP_CPUPROFILE: where followup run writes a pprof CPU profile; "" for none
}

// rawConfig holds the text of every setting, from the environment and then the flags.
type rawConfig map[string]string

// bindFlags registers every setting as a flag of fs; values set on the command line override the
// environment.
func bindFlags(fs *flag.FlagSet, env func(string) string) rawConfig {
	raw := rawConfig{}
	for _, s := range settings {
		v := env(s.env)
		if v == "" {
			v = s.def
		}
		raw[s.env] = v
		s := s
		fs.Func(s.flag, fmt.Sprintf("%s (env %s, default %q)", s.help, s.env, s.def), func(v string) error {
			raw[s.env] = v
			return nil
		})
	}
	return raw
}

// load validates every setting and returns all the problems at once, each naming its variable.
func (raw rawConfig) load() (Config, error) {
	var errs []error
	bad := func(name, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", name, fmt.Sprintf(format, args...)))
	}
	c := Config{
		DB: raw["FOLLOWUP_DB"], CadencesFile: raw["FOLLOWUP_CADENCES"], TimeZone: raw["FOLLOWUP_TIMEZONE"],
		ReportChannel: raw["FOLLOWUP_REPORT_CHANNEL"], ReportCron: raw["FOLLOWUP_REPORT_CRON"],
		SlackAppToken: raw["SLACK_APP_TOKEN"], SlackBotToken: raw["SLACK_BOT_TOKEN"], SlackAPIURL: raw["SLACK_API_URL"],
		OpenAIKey: raw["OPENAI_API_KEY"], OpenAIBaseURL: raw["OPENAI_BASE_URL"], OpenAIModel: raw["OPENAI_MODEL"],
		LogFormat: raw["LOG_FORMAT"], CPUProfile: raw["FOLLOWUP_CPUPROFILE"], HTTPAddr: raw["FOLLOWUP_HTTP_ADDR"],
	}
	if c.HTTPAddr != "" {
		if _, port, err := net.SplitHostPort(c.HTTPAddr); err != nil || port == "" {
			bad("FOLLOWUP_HTTP_ADDR", "%q is not host:port (like :9090 or 127.0.0.1:9090)", c.HTTPAddr)
		}
	}
	if c.DB == "" {
		bad("FOLLOWUP_DB", "must name a file or a postgres:// URL")
	} else if err := store.CheckURL(c.DB); err != nil {
		errs = append(errs, errors.New(cadence.ErrorMessage(err)))
	}
	if c.ProfileFile = raw["FOLLOWUP_PROFILE"]; c.ProfileFile != "" {
		p, err := profile.Load(c.ProfileFile)
		if err != nil {
			for _, line := range strings.Split(cadence.ErrorMessage(err), "\n") {
				bad("FOLLOWUP_PROFILE", "%s", line)
			}
		}
		c.Profile = p
	}
	c.Team = cadence.DefaultWindow()
	// "Local" is whatever zone the server happens to be in, not an IANA name: refused like Rep.Window does.
	if loc, err := time.LoadLocation(c.TimeZone); err != nil || c.TimeZone == "" || strings.EqualFold(c.TimeZone, "local") {
		bad("FOLLOWUP_TIMEZONE", "unknown time zone %q; use an IANA name such as Europe/Berlin", c.TimeZone)
	} else {
		c.Team.Location = loc
	}
	if start, end, err := cadence.ParseHours(raw["FOLLOWUP_WORK_HOURS"]); err != nil {
		bad("FOLLOWUP_WORK_HOURS", "%s", cadence.ErrorMessage(err))
	} else {
		c.Team.Start, c.Team.End = start, end
	}
	if days, err := cadence.ParseDays(raw["FOLLOWUP_WORK_DAYS"]); err != nil {
		bad("FOLLOWUP_WORK_DAYS", "%s", cadence.ErrorMessage(err))
	} else {
		c.Team.Days = days
	}
	if h, err := loadHolidays(raw["FOLLOWUP_HOLIDAYS"]); err != nil {
		bad("FOLLOWUP_HOLIDAYS", "%s", err)
	} else {
		c.Team.Holidays = h
	}
	if d, err := time.ParseDuration(raw["FOLLOWUP_TICK"]); err != nil {
		bad("FOLLOWUP_TICK", "%q is not a duration; use e.g. 30s or 1m", raw["FOLLOWUP_TICK"])
	} else if d < time.Second || d > time.Hour {
		bad("FOLLOWUP_TICK", "%s is out of range; use 1s to 1h", d)
	} else {
		c.Tick = d
	}
	for _, a := range strings.Split(raw["FOLLOWUP_ADMINS"], ",") {
		if a = strings.TrimSpace(a); a == "" {
			continue
		}
		if !isSlackUserID(a) {
			bad("FOLLOWUP_ADMINS", "%q is not a Slack user id (like U0123ABCD)", a)
			continue
		}
		c.Admins = append(c.Admins, a)
	}
	if ch := c.ReportChannel; ch != "" && !isSlackChannelID(ch) {
		bad("FOLLOWUP_REPORT_CHANNEL", "%q is not a channel id (like C0123ABCD); find it in the channel's details", ch)
	}
	if _, err := report.Schedule(c.ReportCron, c.Team.Location); err != nil {
		bad("FOLLOWUP_REPORT_CRON", "%s", cadence.ErrorMessage(err))
	}
	switch strings.ToLower(strings.TrimSpace(raw["FOLLOWUP_DOMAIN_STOP"])) {
	case "on", "true", "yes", "1":
		c.DomainStop = true
	case "off", "false", "no", "0", "":
	default:
		bad("FOLLOWUP_DOMAIN_STOP", "%q is not on or off", raw["FOLLOWUP_DOMAIN_STOP"])
	}
	if u, err := url.Parse(c.SlackAPIURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		bad("SLACK_API_URL", "%q is not an http(s) URL", c.SlackAPIURL)
	} else if !strings.HasSuffix(c.SlackAPIURL, "/") {
		c.SlackAPIURL += "/"
	}
	if c.OpenAIBaseURL != "" {
		if u, err := url.Parse(c.OpenAIBaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("OPENAI_BASE_URL", "%q is not an http(s) URL", c.OpenAIBaseURL)
		}
	}
	switch strings.ToLower(raw["LOG_LEVEL"]) {
	case "debug":
		c.LogLevel = slog.LevelDebug
	case "info", "":
		c.LogLevel = slog.LevelInfo
	case "warn", "warning":
		c.LogLevel = slog.LevelWarn
	case "error":
		c.LogLevel = slog.LevelError
	default:
		bad("LOG_LEVEL", "%q is not a level; use debug, info, warn or error", raw["LOG_LEVEL"])
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		bad("LOG_FORMAT", "%q is not a format; use text or json", c.LogFormat)
	}
	var mailErrs []error
	c.Mail, mailErrs = raw.loadMail()
	errs = append(errs, mailErrs...)
	return c, errors.Join(errs...)
}

// checkSlack reports what is wrong with the Slack tokens, for the commands that connect.
func (c Config) checkSlack() error {
	var errs []error
	switch {
	case c.SlackAppToken == "":
		errs = append(errs, errors.New("SLACK_APP_TOKEN: missing; create an app-level token (xapp-…) with connections:write (README: \"Create the Slack app\", from manifest.yaml)"))
	case !strings.HasPrefix(c.SlackAppToken, "xapp-"):
		errs = append(errs, errors.New("SLACK_APP_TOKEN: must start with xapp- (an app-level token, not the bot token)"))
	}
	switch {
	case c.SlackBotToken == "":
		errs = append(errs, errors.New("SLACK_BOT_TOKEN: missing; install the app and copy its Bot User OAuth Token (xoxb-…) (README: \"Create the Slack app\")"))
	case !strings.HasPrefix(c.SlackBotToken, "xoxb-"):
		errs = append(errs, errors.New("SLACK_BOT_TOKEN: must start with xoxb- (the Bot User OAuth Token)"))
	}
	return errors.Join(errs...)
}

// loadHolidays reads FOLLOWUP_HOLIDAYS: comma-separated dates, or the path of a file with one date
// a line (# starts a comment).
func loadHolidays(v string) (map[string]bool, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return map[string]bool{}, nil
	}
	if _, statErr := os.Stat(v); !looksLikeDates(v) || statErr == nil {
		// A file, even one named like "2026-holidays.txt".
		data, err := os.ReadFile(v)
		if err != nil {
			return nil, fmt.Errorf("%q is neither a list of dates (2026-12-25,2027-01-01) nor a readable file: %v", v, err)
		}
		// Parsed a line at a time, not through ParseHolidays, so a bad date names its line.
		h := map[string]bool{}
		for i, line := range strings.Split(string(data), "\n") {
			if j := strings.IndexByte(line, '#'); j >= 0 {
				line = line[:j]
			}
			if line = strings.TrimSpace(line); line == "" {
				continue
			}
			d, err := cadence.ParseDate(line)
			if err != nil {
				return nil, fmt.Errorf("%s:%d: %s", v, i+1, cadence.ErrorMessage(err))
			}
			h[d.Format(cadence.DateLayout)] = true
		}
		return h, nil
	}
	h, err := cadence.ParseHolidays(v)
	if err != nil {
		return nil, errors.New(cadence.ErrorMessage(err))
	}
	return h, nil
}

func looksLikeDates(v string) bool {
	return len(v) >= 4 && v[0] >= '0' && v[0] <= '9' && !strings.ContainsAny(v, "/\\")
}

func isSlackUserID(s string) bool {
	return len(s) >= 5 && (s[0] == 'U' || s[0] == 'W') && isUpperAlnum(s)
}

func isSlackChannelID(s string) bool {
	return len(s) >= 5 && (s[0] == 'C' || s[0] == 'G' || s[0] == 'D') && isUpperAlnum(s)
}

func isUpperAlnum(s string) bool {
	for _, r := range s {
		if !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// newLogger builds the process logger from LOG_LEVEL and LOG_FORMAT.
func newLogger(w io.Writer, c Config) *slog.Logger {
	opts := &slog.HandlerOptions{Level: c.LogLevel}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
