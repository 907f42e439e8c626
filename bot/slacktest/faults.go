package slacktest

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Fault describes how the server misbehaves for one request. Build one with
// RateLimited, ServerError, SlackError, Delay or Hook, or combine fields: a Delay
// is served first, then the first of Hook, Status and Error that is set; a Fault
// with only a Delay then answers normally.
type Fault struct {
	// Delay holds the answer back this long. It ends early when the client gives
	// up or the server closes.
	Delay time.Duration
	// Hook, when set, writes the whole response itself.
	Hook func(w http.ResponseWriter, r *http.Request)
	// Status is an HTTP status to answer with instead of 200. 429 comes with a
	// Retry-After header of RetryAfter (rounded up to whole seconds) and a
	// {"ok":false,"error":"ratelimited"} body; 5xx with a small HTML body, as
	// Slack does.
	Status int
	// RetryAfter is the Retry-After value of a 429.
	RetryAfter time.Duration
	// Error is a Slack error code answered as HTTP 200 {"ok":false,"error":…}.
	Error string
	// Stored serves the request as usual (a posted message is stored) and then loses the answer:
	// with Error set, that error is answered instead (Slack's internal_error or fatal_error, after
	// which the message may exist); without, the connection is closed with no answer at all.
	Stored bool
}

// AnswerLost serves the request (a posted message is stored) and closes the connection without
// an answer, as when a connection is reset or a proxy times out after Slack did the work.
func AnswerLost() Fault { return Fault{Stored: true} }

// StoredThenError serves the request (a posted message is stored) and answers ok:false with
// code, as Slack may do with internal_error or fatal_error.
func StoredThenError(code string) Fault { return Fault{Stored: true, Error: code} }

// RateLimited answers HTTP 429 with Retry-After, which slack-go surfaces as
// *slack.RateLimitedError{RetryAfter: retryAfter}.
func RateLimited(retryAfter time.Duration) Fault {
	return Fault{Status: http.StatusTooManyRequests, RetryAfter: retryAfter}
}

// ServerError answers with an HTTP status such as 500 or 503, which slack-go
// surfaces as slack.StatusCodeError.
func ServerError(status int) Fault { return Fault{Status: status} }

// SlackError answers ok:false with a Slack error code such as "not_in_channel".
func SlackError(code string) Fault { return Fault{Error: code} }

// Delay holds the answer back for d, to provoke client timeouts, then answers
// normally.
func Delay(d time.Duration) Fault { return Fault{Delay: d} }

// Hook lets fn write the whole response.
func Hook(fn func(w http.ResponseWriter, r *http.Request)) Fault { return Fault{Hook: fn} }

// FailNext makes the next n requests to method fail with f. method is a Web API
// method name ("chat.postMessage", "apps.connections.open", …), "response_url"
// for posts to response URLs, "upload" for file upload URLs, or "*" for any
// request. Faults queue up in the order they were added.
func (s *Server) FailNext(method string, n int, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.faults[method] = append(s.faults[method], f)
	}
}

// ClearFaults drops every fault not yet served.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.faults)
}

// popFault takes the next fault for method, if any.
func (s *Server) popFault(method string) (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, key := range []string{method, "*"} {
		if q := s.faults[key]; len(q) > 0 {
			s.faults[key] = q[1:]
			return q[0], true
		}
	}
	return Fault{}, false
}

// applyFault serves an injected fault for call.Method and reports whether it
// wrote the response (and recorded the call). A Stored fault is returned for the
// caller to apply after serving the request (see loseAnswer).
func (s *Server) applyFault(w http.ResponseWriter, r *http.Request, call *Call) (bool, *Fault) {
	f, found := s.popFault(call.Method)
	if !found {
		return false, nil
	}
	if f.Stored {
		return false, &f
	}
	if f.Delay > 0 {
		t := time.NewTimer(f.Delay)
		defer t.Stop()
		s.hold(call.Method, 1)
		defer s.hold(call.Method, -1)
		select {
		case <-t.C:
		case <-r.Context().Done():
			call.Error = "client_gone"
			s.recordCall(*call)
			return true, nil
		case <-s.closed:
			s.finish(w, call, reply{status: http.StatusServiceUnavailable, body: map[string]any{"ok": false, "error": "server_closed"}})
			return true, nil
		}
	}
	switch {
	case f.Hook != nil:
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		f.Hook(rec, r)
		call.Status, call.Error = rec.status, "hook"
		s.recordCall(*call)
	case f.Status == http.StatusTooManyRequests:
		secs := int((f.RetryAfter + time.Second - 1) / time.Second)
		rep := fail("ratelimited")
		rep.status = http.StatusTooManyRequests
		rep.header = map[string]string{"Retry-After": strconv.Itoa(secs)}
		s.finish(w, call, rep)
	case f.Status != 0:
		call.Status, call.Error = f.Status, fmt.Sprintf("http_%d", f.Status)
		s.recordCall(*call)
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(f.Status)
		fmt.Fprintf(w, "<html><body>%d %s</body></html>", f.Status, http.StatusText(f.Status))
	case f.Error != "":
		s.finish(w, call, fail(f.Error))
	default:
		return false, nil
	}
	return true, nil
}

// loseAnswer records a call served under a Stored fault and loses its answer:
// it answers f.Error instead, or closes the connection without a word.
func (s *Server) loseAnswer(w http.ResponseWriter, call *Call, f *Fault) {
	if f.Error != "" {
		s.finish(w, call, fail(f.Error))
		return
	}
	call.Error = "answer_lost"
	s.recordCall(*call)
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler) // closes the connection without an answer
}

// hold counts requests held by a Delay fault.
func (s *Server) hold(method string, delta int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.held[method] += delta
	s.notifyLocked()
}

// WaitHeld blocks until a request to method is being held back by a Delay
// fault, so a test can act (cancel the client, close the server) while the
// request is in flight.
func (s *Server) WaitHeld(ctx context.Context, method string) error {
	return s.waitFor(ctx, func() bool { return s.held[method] > 0 })
}

// statusRecorder remembers the status a Hook wrote.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

// WriteHeader records the status and passes it on.
func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

// allowPost applies the per-channel rate limit to chat.postMessage: it reports
// whether a post to channel at now is allowed and, if so, counts it.
func (s *Server) allowPost(channel string, now time.Time) bool {
	if s.cfg.channelRate <= 0 {
		return true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	recent := s.posts[channel][:0:0]
	for _, t := range s.posts[channel] {
		if now.Sub(t) < time.Second {
			recent = append(recent, t)
		}
	}
	if len(recent) >= s.cfg.channelRate {
		s.posts[channel] = recent
		return false
	}
	s.posts[channel] = append(recent, now)
	return true
}

// rateLimitedReply is the 429 Slack sends when the per-channel limit is hit.
func rateLimitedReply() reply {
	rep := fail("ratelimited")
	rep.status = http.StatusTooManyRequests
	rep.header = map[string]string{"Retry-After": "1"}
	return rep
}
