package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/followup-bot/followup/bot"
	"github.com/followup-bot/followup/prompts"
)

// metrics is the bot's measurements as Prometheus metrics, in a registry of their own.
type metrics struct {
	reg         *prometheus.Registry
	acks        *prometheus.HistogramVec
	replies     *prometheus.HistogramVec
	reminders   *prometheus.CounterVec
	claimLag    prometheus.Histogram
	rateLimited prometheus.Histogram
	conns       prometheus.Gauge
	llmRequests prometheus.Counter
	llmFailures prometheus.Counter
	llmTokens   *prometheus.CounterVec
	connected   atomic.Bool
}

var _ bot.Metrics = (*metrics)(nil)

func newMetrics() *metrics {
	latency := []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2, 3, 5, 10, 30}
	m := &metrics{
		reg: prometheus.NewRegistry(),
		acks: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "followup_ack_seconds",
			Help: "Time from an envelope's arrival to its ack, by command (slash:<subcommand>, action, view, event)."},
			[]string{"command"}),
		replies: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "followup_reply_seconds",
			Help: "Time from an envelope's arrival to the end of its handling (the reply sent), by command.", Buckets: latency},
			[]string{"command"}),
		reminders: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "followup_reminders_total",
			Help: "Reminder DMs by result: posted, failed (given back to be tried again), recovered (found after a crash)."},
			[]string{"result"}),
		claimLag: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "followup_claim_lag_seconds",
			Help:    "Touchpoints claimed for a reminder, and how long after their due time.",
			Buckets: []float64{1, 5, 15, 30, 60, 120, 300, 900, 3600, 86400}}),
		rateLimited: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "followup_slack_rate_limit_wait_seconds",
			Help: "Slack 429 answers waited out, and the Retry-After they asked for.", Buckets: []float64{1, 2, 5, 10, 30, 60}}),
		conns: prometheus.NewGauge(prometheus.GaugeOpts{Name: "followup_socket_connections",
			Help: "Open Socket Mode connections of this process (0 or 1)."}),
		llmRequests: prometheus.NewCounter(prometheus.CounterOpts{Name: "followup_llm_requests_total",
			Help: "Drafts asked of the OpenAI-compatible model."}),
		llmFailures: prometheus.NewCounter(prometheus.CounterOpts{Name: "followup_llm_failures_total",
			Help: "Drafts of the model that failed or were rejected, replaced by the offline draft."}),
		llmTokens: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "followup_llm_tokens_total",
			Help: "Tokens the model used, by kind (prompt, completion)."}, []string{"kind"}),
	}
	m.reg.MustRegister(m.acks, m.replies, m.reminders, m.claimLag, m.rateLimited, m.conns,
		m.llmRequests, m.llmFailures, m.llmTokens,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	// Shown at 0 before the first of each happens, so that rates and alerts have a series.
	for _, r := range []string{"posted", "failed", "recovered"} {
		m.reminders.WithLabelValues(r)
	}
	m.llmTokens.WithLabelValues("prompt")
	m.llmTokens.WithLabelValues("completion")
	return m
}

func (m *metrics) Acked(kind string, d time.Duration) {
	m.acks.WithLabelValues(kind).Observe(d.Seconds())
}
func (m *metrics) Replied(kind string, d time.Duration) {
	m.replies.WithLabelValues(kind).Observe(d.Seconds())
}
func (m *metrics) Reminder(result string)         { m.reminders.WithLabelValues(result).Inc() }
func (m *metrics) Claimed(lag time.Duration)      { m.claimLag.Observe(max(lag, 0).Seconds()) }
func (m *metrics) RateLimited(wait time.Duration) { m.rateLimited.Observe(wait.Seconds()) }

func (m *metrics) Connected(open bool) {
	m.connected.Store(open)
	if open {
		m.conns.Set(1)
	} else {
		m.conns.Set(0)
	}
}

// meteredDrafter counts the model's drafts, failures and tokens.
type meteredDrafter struct {
	prompts.Drafter
	m *metrics
}

func (d meteredDrafter) Draft(ctx context.Context, r prompts.Request) (prompts.Draft, error) {
	dr, err := d.Drafter.Draft(ctx, r)
	d.m.llmRequests.Inc()
	if err != nil || dr.Source != prompts.SourceLLM {
		d.m.llmFailures.Inc()
	}
	d.m.llmTokens.WithLabelValues("prompt").Add(float64(dr.PromptTokens))
	d.m.llmTokens.WithLabelValues("completion").Add(float64(dr.CompletionTokens))
	return dr, err
}

// pinger is the database as /readyz sees it.
type pinger interface {
	Ping(ctx context.Context) error
}

// serveHTTP serves /healthz (the process answers), /readyz (the database answers and the Socket
// Mode connection is open) and /metrics on ln until ctx ends.
func serveHTTP(ctx context.Context, ln net.Listener, db pinger, m *metrics, log *slog.Logger) error {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		pctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := db.Ping(pctx); err != nil {
			log.Warn("readyz: the database does not answer", "err", err)
			http.Error(w, "the database does not answer", http.StatusServiceUnavailable)
			return
		}
		if !m.connected.Load() {
			http.Error(w, "the Socket Mode connection is not open", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ready")
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("http: %w", err)
	}
	return nil
}
