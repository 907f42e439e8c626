package mailbox

// SetMaxMessages lowers how many messages one read of a Gmail history looks at.
func SetMaxMessages(g *Gmail, n int) { g.max = n }
