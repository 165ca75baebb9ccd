package bot

import (
	"errors"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
)

func scrape(t *testing.T, m *Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	return string(body)
}

func TestMetricsNilIsSafe(t *testing.T) {
	var m *Metrics
	m.update("message")
	m.call("sendMessage", nil)
	m.rateLimit(3)
	m.MissingTranslation("km", "X")
	m.RedisError()
	m.BroadcastSent()
	m.BroadcastFailed()
	m.SetBroadcastPending(3)
	m.floodEvent("delayed")
	m.webhookAnswer(200)
	m.setQueueDepth(func() int { return 1 })
	m.redis(false)
	m.setLeader(true)
	m.leaseChanged("acquired")
}

func TestMetricsExposition(t *testing.T) {
	m := NewMetrics()
	m.update("message")
	m.call("sendMessage", nil)
	m.call("sendMessage", &APIError{Code: 429})
	m.rateLimit(7)
	m.MissingTranslation("km", "X")
	m.BroadcastSent()
	m.setQueueDepth(func() int { return 4 })
	m.leaseChanged("acquired")
	body := scrape(t, m)
	for _, want := range []string{
		`mekongbot_updates_total{kind="message"} 1`,
		`mekongbot_telegram_requests_total{method="sendMessage",result="ok"} 1`,
		`mekongbot_telegram_requests_total{method="sendMessage",result="rate_limited"} 1`,
		`mekongbot_telegram_retry_after_seconds_total 7`,
		`mekongbot_translations_missing_total{lang="km"} 1`,
		`mekongbot_broadcast_sent_total 1`,
		`mekongbot_dispatcher_queue_depth 4`,
		`mekongbot_redis_up 1`,
		`mekongbot_poll_leader 1`,
		`mekongbot_poll_lease_changes_total{change="acquired"} 1`,
		`mekongbot_poll_lease_changes_total{change="lost"} 0`,
		`go_goroutines`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}

func TestCallResult(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{nil, "ok"},
		{&APIError{Code: 429}, "rate_limited"},
		{&APIError{Code: 502}, "server_error"},
		{&APIError{Code: 403}, "client_error"},
		{errors.New("connection reset"), "network"},
	}
	for _, tc := range tests {
		if got := callResult(tc.err); got != tc.want {
			t.Errorf("callResult(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
}
