package bot

import (
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/slack-go/slack"
)

// The App Home's overdue and today sections show homePageSize due touches at a time; the Previous
// and Next buttons (action ids actHomePage+".prev" and ".next", value "overdue:2") turn a
// section's page. With at most
// homePageSize touches a section and fixed blocks around them, the Home stays far below Slack's
// 100 blocks however many follow-ups a rep has.
const (
	actHomePage = "home.page"
	pageOverdue = "overdue"
	pageToday   = "today"
)

// homePages are the pages (from 0) of the overdue and today sections a rep looks at.
type homePages struct{ Overdue, Today int }

// homePager remembers each rep's pages between publishes, so a Home refreshed after a click stays
// on the page the rep was on. It is kept in memory: after a restart every Home starts on page 1.
type homePager struct {
	mu    sync.Mutex
	pages map[string]homePages
}

// homePagesOf returns the pages user's Home shows.
func (b *Bot) homePagesOf(user string) homePages {
	b.home.mu.Lock()
	defer b.home.mu.Unlock()
	return b.home.pages[user]
}

// turnHomePage sets one section's page from a pager button's value ("today:3"); a value that is
// not one the bot made is ignored. A page past the end is clamped when the Home is rendered.
func (b *Bot) turnHomePage(user, value string) {
	key, num, _ := strings.Cut(value, ":")
	n, err := strconv.Atoi(num)
	if err != nil || n < 0 || n > 1_000_000 {
		return
	}
	b.home.mu.Lock()
	defer b.home.mu.Unlock()
	if b.home.pages == nil {
		b.home.pages = map[string]homePages{}
	}
	p := b.home.pages[user]
	switch key {
	case pageOverdue:
		p.Overdue = n
	case pageToday:
		p.Today = n
	default:
		return
	}
	b.home.pages[user] = p
}

// pageOf clamps page to the pages n items fill and returns it with the slice bounds it shows.
func pageOf(n, page int) (p, from, to int) {
	last := max((n+homePageSize-1)/homePageSize-1, 0)
	p = min(max(page, 0), last)
	from = p * homePageSize
	to = min(from+homePageSize, n)
	return p, from, to
}

// pagerBlock is the Previous/Next row of a section of n items on page, or nil when one page
// holds them all.
func pagerBlock(key string, page, n int) slack.Block {
	if n <= homePageSize {
		return nil
	}
	pages := (n + homePageSize - 1) / homePageSize
	var els []slack.BlockElement
	if page > 0 {
		els = append(els, button(actHomePage+".prev", "← Previous", fmt.Sprintf("%s:%d", key, page-1)))
	}
	if page < pages-1 {
		els = append(els, button(actHomePage+".next", "Next →", fmt.Sprintf("%s:%d", key, page+1)))
	}
	return slack.NewActionBlock("home.pager."+key, els...)
}
