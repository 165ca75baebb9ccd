package telegramtest

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// This file delivers updates to a webhook the way Telegram does: while a
// webhook is set, each queued update is POSTed to its URL as JSON, with the
// secret_token given to setWebhook in the X-Telegram-Bot-Api-Secret-Token
// header. A 2xx answer confirms the update; anything else (or no answer)
// makes the server try the same update again after webhookRetry, or after
// the seconds of a Retry-After header, as Telegram does.
//
// Like telegram-bot-api (WebhookActor), updates go in queues: the messages
// of a chat form one, the button presses of a user another, the inline
// queries of a user a third, the member changes of a chat a fourth
// (Client.cpp's webhook_queue_id). A queue sends one update at a time, in
// order, the next only once the previous is confirmed; different queues are
// delivered concurrently, up to setWebhook's max_connections (default 40).
//
// Only loopback URLs (127.0.0.0/8, ::1, localhost) are delivered to: a test
// must never send traffic elsewhere. Updates for any other URL stay queued.

// WebhookSecretHeader is the header Telegram sends the secret_token in.
const WebhookSecretHeader = "X-Telegram-Bot-Api-Secret-Token"

const (
	webhookRetry    = 100 * time.Millisecond
	webhookTimeout  = 10 * time.Second
	webhookIdle     = 50 * time.Millisecond // how often an idle deliverer looks again
	defaultMaxConns = 40                    // setWebhook's max_connections default
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

// deliverLoop runs while a loopback webhook is set and the server is open,
// starting a delivery for the oldest update of each queue that is free.
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
		for _, q := range s.readyForWebhookLocked() {
			s.lanes[q.lane] = lane{busy: true}
			s.inFlight++
			go s.deliver(client, target, secret, q)
		}
		wake := s.wake
		s.mu.Unlock()
		if s.pause(wake, webhookIdle) {
			return
		}
	}
}

// lane is the delivery state of one queue.
type lane struct {
	busy    bool      // an update of it is being delivered
	retryAt time.Time // its first update failed: not before then
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

// readyForWebhookLocked returns the updates to deliver now: the oldest of
// each queue that is neither busy nor waiting to retry, within
// max_connections. Queued updates of kinds not allowed are dropped, as
// getUpdates does.
func (s *Server) readyForWebhookLocked() []queued {
	kept := s.queue[:0:0]
	for _, q := range s.queue {
		if s.isAllowedLocked(q.kind) {
			kept = append(kept, q)
		}
	}
	s.queue = kept
	var ready []queued
	seen := map[string]bool{}
	now := time.Now()
	for _, q := range s.queue {
		if s.inFlight+len(ready) >= s.webhookMaxConns {
			break
		}
		l := s.lanes[q.lane]
		if seen[q.lane] || l.busy || now.Before(l.retryAt) {
			seen[q.lane] = true
			continue
		}
		seen[q.lane] = true
		ready = append(ready, q)
	}
	return ready
}

// deliver POSTs one update and records the answer: a 2xx confirms it,
// anything else holds its queue for webhookRetry or the Retry-After.
func (s *Server) deliver(client *http.Client, target, secret string, q queued) {
	status, retryAfter := 0, 0
	req, err := http.NewRequest(http.MethodPost, target, bytes.NewReader(q.raw))
	if err == nil {
		req.Header.Set("Content-Type", "application/json")
		if secret != "" {
			req.Header.Set(WebhookSecretHeader, secret)
		}
		if resp, err := client.Do(req); err == nil {
			status = resp.StatusCode
			retryAfter, _ = strconv.Atoi(resp.Header.Get("Retry-After"))
			resp.Body.Close()
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.inFlight--
	s.deliveries = append(s.deliveries, Delivery{UpdateID: q.id, Status: status, At: time.Now()})
	defer s.wakeLocked()
	if status < 200 || status > 299 {
		wait := webhookRetry
		if retryAfter > 0 {
			wait = time.Duration(retryAfter) * time.Second
		}
		s.lanes[q.lane] = lane{retryAt: time.Now().Add(wait)}
		return
	}
	delete(s.lanes, q.lane)
	for i := range s.queue {
		if s.queue[i].id == q.id {
			s.queue = append(s.queue[:i:i], s.queue[i+1:]...)
			break
		}
	}
}

// webhookLane names the queue Telegram delivers an update in (see the top
// of this file).
func webhookLane(id int, kind string, body any) string {
	obj, _ := body.(map[string]any)
	switch kind {
	case "message", "edited_message", "channel_post", "edited_channel_post":
		return "chat:" + idOf(obj, "chat")
	case "callback_query":
		return "press:" + idOf(obj, "from")
	case "inline_query", "chosen_inline_result":
		return "inline:" + idOf(obj, "from")
	case "my_chat_member", "chat_member":
		return "member:" + idOf(obj, "chat")
	}
	return "update:" + strconv.Itoa(id)
}

// idOf is the id of obj's field (a chat or user), as text.
func idOf(obj map[string]any, field string) string {
	inner, _ := obj[field].(map[string]any)
	return fmt.Sprint(inner["id"])
}
