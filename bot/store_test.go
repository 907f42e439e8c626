package bot

import "github.com/followup-bot/followup/store"

// The real store implements everything the bot asks of a database; the bot itself never imports it.
var (
	_ Store       = (*store.DB)(nil)
	_ OriginStore = (*store.DB)(nil)
	_ MailStore   = (*store.DB)(nil)
	_ ReportStore = (*store.DB)(nil)
)
