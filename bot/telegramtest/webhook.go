package telegramtest

import (
	"bytes"
	"net"
	"net/http"
	"net/url"
	"time"
)

// This file delivers updates to a webhook the way Telegram does: while a
// webhook is set, each queued update is POSTed to its URL as JSON, with the
// secret_token given to setWebhook in the X-Telegram-Bot-Api-Secret-Token
// header, one at a time and in order. A 2xx answer confirms the update;
// anything else (or no answer) makes the server try the same update again
// after webhookRetry, as Telegram retries failed deliveries.
//
// Only loopback URLs (127.0.0.0/8, ::1, localhost) are delivered to: a test
// must never send traffic elsewhere. Updates for any other URL stay queued.

// WebhookSecretHeader is the header Telegram sends the secret_token in.
const WebhookSecretHeader = "X-Telegram-Bot-Api-Secret-Token"

const (
	webhookRetry   = 100 * time.Millisecond
	webhookTimeout = 10 * time.Second
	webhookIdle    = 50 * time.Millisecond // how often an idle deliverer looks again
)

// Delivery is one webhook request the server made.
type Delivery struct {
	UpdateID int
	Status   int // HTTP status answered; 0 when the request failed
	At       time.Time
}

// WebhookSecret returns the secret_token set with the webhook ("" if none).
func (s *Server) WebhookSecret() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.webhookSecret
}

// Deliveries returns every webhook request made so far, in order.
func (s *Server) Deliveries() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Delivery(nil), s.deliveries...)
}

// startDeliveryLocked starts the delivery loop unless it runs.
func (s *Server) startDeliveryLocked() {
	if s.delivering || !isLoopback(s.webhookURL) {
		return
	}
	s.delivering = true
	go s.deliverLoop()
}

func isLoopback(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return false
	}
	if u.Hostname() == "localhost" {
		return true
	}
	ip := net.ParseIP(u.Hostname())
	return ip != nil && ip.IsLoopback()
}

// deliverLoop runs while a loopback webhook is set and the server is open.
func (s *Server) deliverLoop() {
	client := &http.Client{Timeout: webhookTimeout}
	for {
		s.mu.Lock()
		target, secret := s.webhookURL, s.webhookSecret
		if !isLoopback(target) {
			s.delivering = false
			s.mu.Unlock()
			return
		}
		next, found := s.nextForWebhookLocked()
		wake := s.wake
		s.mu.Unlock()
		if !found {
			if s.pause(wake, webhookIdle) {
				return
			}
			continue
		}
		if s.deliver(client, target, secret, next) || !s.pause(nil, webhookRetry) {
			continue
		}
		return
	}
}

// pause waits for wake (if not nil) or d; it reports whether the server closed.
func (s *Server) pause(wake chan struct{}, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-s.closing:
		return true
	case <-wake:
	case <-t.C:
	}
	return false
}

// nextForWebhookLocked returns the oldest queued update of an allowed kind,
// dropping those of other kinds as getUpdates does.
func (s *Server) nextForWebhookLocked() (queued, bool) {
	kept := s.queue[:0:0]
	for _, q := range s.queue {
		if s.isAllowedLocked(q.kind) {
			kept = append(kept, q)
		}
	}
	s.queue = kept
	if len(s.queue) == 0 {
		return queued{}, false
	}
	return s.queue[0], true
}

// deliver POSTs one update and reports whether it was confirmed (2xx).
func (s *Server) deliver(client *http.Client, target, secret string, q queued) bool {
	status := 0
	req, err := http.NewRequest(http.MethodPost, target, bytes.NewReader(q.raw))
	if err == nil {
		req.Header.Set("Content-Type", "application/json")
		if secret != "" {
			req.Header.Set(WebhookSecretHeader, secret)
		}
		if resp, err := client.Do(req); err == nil {
			status = resp.StatusCode
			resp.Body.Close()
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.deliveries = append(s.deliveries, Delivery{UpdateID: q.id, Status: status, At: time.Now()})
	if status < 200 || status > 299 {
		return false
	}
	for i := range s.queue {
		if s.queue[i].id == q.id {
			s.queue = append(s.queue[:i:i], s.queue[i+1:]...)
			break
		}
	}
	return true
}
