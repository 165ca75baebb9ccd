package bot

import (
	"errors"
	"net"
	"net/http"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"mekongbot/flows"
)

// Metrics are the bot's Prometheus metrics, on a registry of their own rather
// than the global one, so that tests (and several bots in one process) never
// share counters. A nil *Metrics is valid and records nothing, so code and
// tests can build a Bot without it.
type Metrics struct {
	reg *prometheus.Registry

	updates     *prometheus.CounterVec // by Telegram update kind
	duplicates  prometheus.Counter
	handling    prometheus.Histogram
	retries     prometheus.Counter
	calls       *prometheus.CounterVec // by method and result
	rateLimited prometheus.Counter
	retryAfter  prometheus.Counter
	queueDepth  atomic.Pointer[func() int]
	missing     *prometheus.CounterVec // by language
	redisErrors prometheus.Counter
	redisTrips  prometheus.Counter
	redisUp     prometheus.Gauge
	flood       *prometheus.CounterVec // by what happened: delayed, dropped, note
	webhook     *prometheus.CounterVec // by HTTP status answered
	leader      prometheus.Gauge
	lease       *prometheus.CounterVec // by change: acquired, lost, released

	broadcastSent, broadcastFailed prometheus.Counter
	broadcastPending               prometheus.Gauge
}

// NewMetrics creates the metrics and their registry, with the Go runtime and
// process collectors.
func NewMetrics() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	f := factory{m.reg}
	m.updates = f.counterVec("mekongbot_updates_total", "Updates accepted for handling, by Telegram update kind.", "kind")
	m.duplicates = f.counter("mekongbot_updates_duplicate_total", "Updates received again after they were handled or while in flight, and skipped.")
	m.handling = f.histogram("mekongbot_update_handling_seconds", "Time from the start of handling an update to its replies being sent.")
	m.retries = f.counter("mekongbot_update_retries_total", "Handling attempts put off because the session store (Redis) failed.")
	m.calls = f.counterVec("mekongbot_telegram_requests_total", "Bot API calls (each attempt), by method and result.", "method", "result")
	m.rateLimited = f.counter("mekongbot_telegram_rate_limited_total", "Bot API answers 429 Too Many Requests.")
	m.retryAfter = f.counter("mekongbot_telegram_retry_after_seconds_total", "Sum of the retry_after seconds Telegram asked for.")
	m.missing = f.counterVec("mekongbot_translations_missing_total", "Interface strings shown in English because the language lacks them.", "lang")
	m.redisErrors = f.counter("mekongbot_redis_errors_total", "Redis commands or pipelines that failed (not counting missing keys).")
	m.redisTrips = f.counter("mekongbot_redis_round_trips_total", "Redis commands and pipelines sent (each one wait for Redis), not counting connection handshakes.")
	m.redisUp = f.gauge("mekongbot_redis_up", "1 while Redis answers, 0 during an outage.")
	m.flood = f.counterVec("mekongbot_flood_total", "Per-chat flood limit: updates delayed, updates dropped over the cap, notes sent.", "what")
	m.webhook = f.counterVec("mekongbot_webhook_requests_total", "Webhook requests, by HTTP status answered.", "code")
	m.leader = f.gauge("mekongbot_poll_leader", "1 while this process polls Telegram (holds the polling lease), 0 while it stands by or takes webhooks.")
	m.lease = f.counterVec("mekongbot_poll_lease_changes_total", "Polling lease changes in this process: acquired, lost (to another process), released (at a stop).", "change")
	m.broadcastSent = f.counter("mekongbot_broadcast_sent_total", "Broadcast messages delivered.")
	m.broadcastFailed = f.counter("mekongbot_broadcast_failed_total", "Broadcast messages that could not be delivered.")
	m.broadcastPending = f.gauge("mekongbot_broadcast_pending", "Broadcast messages still to send.")
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "mekongbot_dispatcher_queue_depth",
		Help: "Updates waiting for a worker, including those a flood limit holds back.",
	}, m.depth))
	m.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.redisUp.Set(1)
	// Series that exist from the start, at 0, so that rates and alerts work
	// before the first event.
	for _, lang := range flows.Languages {
		m.missing.WithLabelValues(lang)
	}
	for _, what := range []string{"delayed", "dropped", "note"} {
		m.flood.WithLabelValues(what)
	}
	for _, change := range []string{"acquired", "lost", "released"} {
		m.lease.WithLabelValues(change)
	}
	return m
}

// factory registers each metric as it is made.
type factory struct{ reg *prometheus.Registry }

func (f factory) counter(name, help string) prometheus.Counter {
	c := prometheus.NewCounter(prometheus.CounterOpts{Name: name, Help: help})
	f.reg.MustRegister(c)
	return c
}

func (f factory) counterVec(name, help string, labels ...string) *prometheus.CounterVec {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, labels)
	f.reg.MustRegister(c)
	return c
}

func (f factory) gauge(name, help string) prometheus.Gauge {
	g := prometheus.NewGauge(prometheus.GaugeOpts{Name: name, Help: help})
	f.reg.MustRegister(g)
	return g
}

func (f factory) histogram(name, help string) prometheus.Histogram {
	h := prometheus.NewHistogram(prometheus.HistogramOpts{Name: name, Help: help,
		Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}})
	f.reg.MustRegister(h)
	return h
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	if m == nil {
		return http.NotFoundHandler()
	}
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// Registry is where other packages may register metrics of their own.
func (m *Metrics) Registry() *prometheus.Registry {
	if m == nil {
		return nil
	}
	return m.reg
}

// MissingTranslation counts a string shown in English instead of lang; set
// it as locales.Bundle.OnMissing.
func (m *Metrics) MissingTranslation(lang, _ string) {
	if m != nil {
		m.missing.WithLabelValues(lang).Inc()
	}
}

// RedisError counts a failed Redis command; redisstore.CountErrors calls it.
func (m *Metrics) RedisError() {
	if m != nil {
		m.redisErrors.Inc()
	}
}

// RedisRoundTrip counts one command or pipeline sent to Redis;
// redisstore.CountRoundTrips calls it.
func (m *Metrics) RedisRoundTrip() {
	if m != nil {
		m.redisTrips.Inc()
	}
}

// BroadcastSent counts one broadcast message delivered.
func (m *Metrics) BroadcastSent() {
	if m != nil {
		m.broadcastSent.Inc()
	}
}

// BroadcastFailed counts one broadcast message that could not be delivered
// (the person blocked the bot, or Telegram kept refusing).
func (m *Metrics) BroadcastFailed() {
	if m != nil {
		m.broadcastFailed.Inc()
	}
}

// SetBroadcastPending says how many broadcast messages are still to send.
func (m *Metrics) SetBroadcastPending(n int) {
	if m != nil {
		m.broadcastPending.Set(float64(n))
	}
}

func (m *Metrics) update(kind string) {
	if m != nil {
		m.updates.WithLabelValues(kind).Inc()
	}
}

func (m *Metrics) duplicate() {
	if m != nil {
		m.duplicates.Inc()
	}
}

func (m *Metrics) handled(seconds float64) {
	if m != nil {
		m.handling.Observe(seconds)
	}
}

func (m *Metrics) retried() {
	if m != nil {
		m.retries.Inc()
	}
}

// call counts one Bot API attempt; err is what Sender.classify returned.
func (m *Metrics) call(method string, err error) {
	if m != nil {
		m.calls.WithLabelValues(method, callResult(err)).Inc()
	}
}

func (m *Metrics) rateLimit(retryAfter int) {
	if m != nil {
		m.rateLimited.Inc()
		m.retryAfter.Add(float64(max(retryAfter, 0)))
	}
}

func (m *Metrics) redis(up bool) {
	if m == nil {
		return
	}
	if up {
		m.redisUp.Set(1)
	} else {
		m.redisUp.Set(0)
	}
}

// setLeader records whether this process polls.
func (m *Metrics) setLeader(polls bool) {
	if m == nil {
		return
	}
	if polls {
		m.leader.Set(1)
	} else {
		m.leader.Set(0)
	}
}

// leaseChanged counts a change of the polling lease in this process and
// sets the leader gauge: 1 after "acquired", 0 after "lost" or "released".
func (m *Metrics) leaseChanged(change string) {
	if m == nil {
		return
	}
	m.lease.WithLabelValues(change).Inc()
	m.setLeader(change == "acquired")
}

func (m *Metrics) floodEvent(what string) {
	if m != nil {
		m.flood.WithLabelValues(what).Inc()
	}
}

func (m *Metrics) webhookAnswer(code int) {
	if m != nil {
		m.webhook.WithLabelValues(statusLabel(code)).Inc()
	}
}

// setQueueDepth names what the queue-depth gauge reads.
func (m *Metrics) setQueueDepth(f func() int) {
	if m != nil {
		m.queueDepth.Store(&f)
	}
}

func (m *Metrics) depth() float64 {
	if f := m.queueDepth.Load(); f != nil {
		return float64((*f)())
	}
	return 0
}

// callResult names the outcome of a Bot API call with a small, fixed set of
// label values.
func callResult(err error) string {
	var apiErr *APIError
	var netErr net.Error
	switch {
	case err == nil:
		return "ok"
	case errors.As(err, &netErr) && netErr.Timeout():
		return "timeout"
	case ctxDone(err):
		return "canceled"
	case !errors.As(err, &apiErr):
		return "network"
	case apiErr.Code == http.StatusTooManyRequests:
		return "rate_limited"
	case apiErr.Code >= 500:
		return "server_error"
	}
	return "client_error"
}

func statusLabel(code int) string {
	switch code {
	case http.StatusOK:
		return "200"
	case http.StatusUnauthorized:
		return "401"
	case http.StatusRequestEntityTooLarge:
		return "413"
	case http.StatusServiceUnavailable:
		return "503"
	case http.StatusBadRequest:
		return "400"
	}
	return "other"
}
