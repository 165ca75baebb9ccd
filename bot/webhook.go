package bot

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"mekongbot/bot/wait"
)

// Webhook is the configuration of webhook mode: Telegram POSTs each update
// to URL with Secret in the X-Telegram-Bot-Api-Secret-Token header.
type Webhook struct {
	URL    string
	Secret string
}

const (
	// SecretHeader carries the webhook's secret_token on every request.
	SecretHeader = "X-Telegram-Bot-Api-Secret-Token"
	// MaxWebhookBody bounds one request; a real update is a few kilobytes.
	MaxWebhookBody = 1 << 20
	// webhookHandleWait bounds handling one update in its request: waiting
	// for the chat's lock (another process handling it, or one that died
	// holding it: 15 s at most), handling, and sending the replies.
	webhookHandleWait = time.Minute
)

// webhookIntake connects webhook requests to a running bot.
type webhookIntake struct {
	mu sync.RWMutex // requests read-lock it while they handle an update; close locks it
	in *intake
}

func (h *webhookIntake) open(in *intake) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.in = in
}

// close stops taking updates and waits for requests still handling one.
func (h *webhookIntake) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.in = nil
}

// WebhookHandler serves Telegram's webhook requests: POST the update as JSON
// with the secret header. The update is handled in the request, and the
// answer is
//
//	401 without the right secret (nothing read or handled),
//	413 for a body over MaxWebhookBody, 400 for one that is no update,
//	503 when the bot is not running or Redis is away,
//	429 with Retry-After when the chat is over its flood limit,
//	200 once the update is handled and its replies sent.
//
// Updates the bot ignores, and updates it handled before, are answered 200
// too, or Telegram would send them again.
//
// Telegram keeps an update until it is answered 2xx, and sends it again
// after a failure or a timeout, after the Retry-After seconds when the
// answer has one (telegram-bot-api's WebhookActor::on_update_error reads
// the header, up to an hour). Until then it sends no later update of the
// same queue: WebhookActor sends one update per queue at a time, and
// Client.cpp queues a chat's messages together and a person's button presses
// together. So answering only after the replies are sent keeps each chat's
// order without a journal of our own: an update not answered 200 is
// Telegram's to send again, and one handled before is known from its
// session (flows.Session.Handled). Several processes can take the requests
// of one bot: the session store's chat lock keeps one chat's updates apart.
func (b *Bot) WebhookHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		code, retryAfter := b.receive(w, r)
		b.cfg.Metrics.webhookAnswer(code)
		if retryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(retryAfter))
		}
		if code == http.StatusOK {
			w.WriteHeader(code)
			return
		}
		http.Error(w, http.StatusText(code), code)
	})
}

func (b *Bot) receive(w http.ResponseWriter, r *http.Request) (code, retryAfter int) {
	if b.cfg.Webhook == nil || !validSecret(r.Header.Get(SecretHeader), b.cfg.Webhook.Secret) {
		return http.StatusUnauthorized, 0
	}
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxWebhookBody))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return http.StatusRequestEntityTooLarge, 0
	case err != nil:
		return http.StatusBadRequest, 0
	}
	u, err := decodeUpdate(raw)
	if err != nil {
		return http.StatusBadRequest, 0
	}
	return b.hook.handle(u)
}

// validSecret compares in constant time, so that timing does not tell how
// much of a guess was right. An empty expected secret matches nothing.
func validSecret(got, want string) bool {
	return want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

func (h *webhookIntake) handle(u tgbotapi.Update) (code, retryAfter int) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	if h.in == nil {
		return http.StatusServiceUnavailable, 0
	}
	// Not the request's context: once begun, an update is finished even if
	// Telegram stops waiting (it then sends it again, and finds it handled).
	ctx, cancel := context.WithTimeout(h.in.work, webhookHandleWait)
	defer cancel()
	return h.in.handleNow(ctx, u)
}

// handleNow handles one update before returning, for the webhook: a flood
// of one chat is answered 429 with the seconds to wait, a session store
// failure while Redis answers pings is retried here a few times (then
// apologised for, as in polling), and Redis being away is answered 503:
// Telegram sends the update again later.
func (in *intake) handleNow(ctx context.Context, u tgbotapi.Update) (code, retryAfter int) {
	a := &attempt{}
	key, job, ok := in.bot.jobFor(withAttempt(ctx, a), u)
	if !ok {
		return http.StatusOK, 0
	}
	if in.flood != nil && u.InlineQuery == nil {
		if wait, note := in.flood.check(key); wait > 0 {
			if note {
				in.floodNote(u)()
			}
			return http.StatusTooManyRequests, int(math.Ceil(wait.Seconds()))
		}
	}
	in.bot.cfg.Metrics.update(updateKind(u))
	start := time.Now()
	for healthy := 0; ; healthy++ {
		a.n++
		a.retry, a.last = false, healthy >= maxHealthyRetries
		job()
		if !a.retry {
			break
		}
		in.bot.cfg.Metrics.retried()
		in.health.recheck()
		if !in.health.ok(ctx) || wait.Sleep(ctx, backoff(healthy+1)) != nil {
			return http.StatusServiceUnavailable, 0
		}
	}
	in.bot.cfg.Metrics.handled(time.Since(start).Seconds())
	return http.StatusOK, 0
}

// runWebhook registers the webhook and takes updates from WebhookHandler
// until ctx ends. It never calls getUpdates.
func (b *Bot) runWebhook(ctx context.Context, in *intake) error {
	// Open before registering: Telegram may post the first update before
	// setWebhook's answer arrives.
	b.hook.open(in)
	defer b.hook.close()
	if err := b.setWebhook(ctx); err != nil {
		return err
	}
	b.log.Info("webhook set: receiving updates")
	<-ctx.Done()
	return nil
}

// setWebhook calls setWebhook with the url, allowed_updates and
// secret_token. The v5 library's WebhookConfig has no secret_token, and its
// Chattable cannot be implemented outside it, so the parameters are built
// here; temporary failures are retried like any call.
func (b *Bot) setWebhook(ctx context.Context) error {
	allowed, err := json.Marshal(AllowedUpdates)
	if err != nil {
		return fmt.Errorf("set webhook: %w", err)
	}
	params := tgbotapi.Params{"url": b.cfg.Webhook.URL, "secret_token": b.cfg.Webhook.Secret,
		"allowed_updates": string(allowed)}
	for attempt := 1; ; attempt++ {
		_, err := b.send.api.MakeRequest("setWebhook", params)
		if err == nil {
			return nil
		}
		apiErr := asAPIError("setWebhook", err)
		if apiErr != nil && apiErr.Code == http.StatusUnauthorized {
			return ErrUnauthorized
		}
		if attempt >= maxAttempts || apiErr != nil && !apiErr.Temporary() {
			return fmt.Errorf("set webhook: %w", Redact(err, b.cfg.Token))
		}
		pause := backoff(attempt)
		if apiErr != nil && apiErr.RetryAfter > 0 {
			pause = time.Duration(apiErr.RetryAfter) * time.Second
		}
		if wait.Sleep(ctx, pause) != nil {
			return fmt.Errorf("set webhook: %w", ctx.Err())
		}
	}
}
