package bot

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
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
	// webhookQueueWait bounds how long a request waits for room in a full
	// queue; then it is answered 503 and Telegram sends it again later.
	webhookQueueWait = 10 * time.Second
)

// webhookIntake connects webhook requests to the intake of a running bot.
type webhookIntake struct {
	mu   sync.RWMutex // requests read-lock it while they accept; close locks it
	in   *intake
	stop context.Context // the bot's run: queueing gives up when it ends
}

func (h *webhookIntake) open(ctx context.Context, in *intake) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.in, h.stop = in, ctx
}

// close stops taking updates and waits for requests still accepting one.
func (h *webhookIntake) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.in = nil
}

// WebhookHandler serves Telegram's webhook requests: POST the update as JSON
// with the secret header. The answer is
//
//	401 without the right secret (nothing read or handled),
//	413 for a body over MaxWebhookBody, 400 for one that is no update,
//	503 when the bot is not running or Redis is away (Telegram retries),
//	200 once the update is accepted: journalled in Redis, so that a crash
//	    after the answer replays it, and queued for its chat's worker (or
//	    held by the flood limit). Handling it comes after the answer.
//
// Updates the bot ignores, and updates it has handled before, are answered
// 200 too, or Telegram would send them again.
func (b *Bot) WebhookHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		code := b.receive(w, r)
		b.cfg.Metrics.webhookAnswer(code)
		if code == http.StatusOK {
			w.WriteHeader(code)
			return
		}
		http.Error(w, http.StatusText(code), code)
	})
}

func (b *Bot) receive(w http.ResponseWriter, r *http.Request) int {
	if b.cfg.Webhook == nil || !validSecret(r.Header.Get(SecretHeader), b.cfg.Webhook.Secret) {
		return http.StatusUnauthorized
	}
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxWebhookBody))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return http.StatusRequestEntityTooLarge
	case err != nil:
		return http.StatusBadRequest
	}
	if _, err := decodeUpdate(raw); err != nil {
		return http.StatusBadRequest
	}
	return b.hook.accept(r.Context(), raw)
}

// validSecret compares in constant time, so that timing does not tell how
// much of a guess was right. An empty expected secret matches nothing.
func validSecret(got, want string) bool {
	return want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

func (h *webhookIntake) accept(ctx context.Context, raw []byte) int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	if h.in == nil {
		return http.StatusServiceUnavailable
	}
	ctx, cancel := context.WithTimeout(ctx, webhookQueueWait)
	defer cancel()
	defer context.AfterFunc(h.stop, cancel)()
	if err := h.in.accept(ctx, []json.RawMessage{raw}, 0); err != nil {
		return http.StatusServiceUnavailable
	}
	return http.StatusOK
}

// runWebhook registers the webhook and takes updates from WebhookHandler
// until ctx ends. It never calls getUpdates.
func (b *Bot) runWebhook(ctx context.Context, in *intake) error {
	if err := b.setWebhook(ctx); err != nil {
		return err
	}
	b.hook.open(ctx, in)
	b.log.Info("webhook set: receiving updates")
	<-ctx.Done()
	b.hook.close()
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
		wait := backoff(attempt)
		if apiErr != nil && apiErr.RetryAfter > 0 {
			wait = time.Duration(apiErr.RetryAfter) * time.Second
		}
		if sleep(ctx, wait) != nil {
			return fmt.Errorf("set webhook: %w", ctx.Err())
		}
	}
}
