package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// ErrUnauthorized means Telegram refused the token: retrying cannot help.
var ErrUnauthorized = errors.New("telegram refused the bot token (401 Unauthorized): check TELEGRAM_BOT_TOKEN")

// Poller receives updates with getUpdates. Unlike the library's
// GetUpdatesChan it confirms a batch (advances the offset) only after every
// update in it was handled, so a crash never loses an update.
type Poller struct {
	api     *tgbotapi.BotAPI
	timeout int // long-poll seconds
	log     *slog.Logger
	// handle runs one batch and returns when every update in it was handled.
	handle func(ctx context.Context, batch []tgbotapi.Update) error
}

// Run polls until ctx ends. It returns nil on a clean stop and
// ErrUnauthorized when the token is refused.
func (p *Poller) Run(ctx context.Context) error {
	offset, failures := 0, 0
	for ctx.Err() == nil {
		batch, err := p.api.GetUpdates(tgbotapi.UpdateConfig{
			Offset: offset, Limit: 100, Timeout: p.timeout, AllowedUpdates: AllowedUpdates,
		})
		if err != nil {
			if errors.Is(err, ErrUnauthorized) || p.isFatal(err) {
				return ErrUnauthorized
			}
			failures++
			if sleep(ctx, p.pause(err, failures)) != nil {
				return nil
			}
			continue
		}
		failures = 0
		if len(batch) == 0 {
			continue
		}
		if err := p.handle(ctx, batch); err != nil {
			return fmt.Errorf("handle updates: %w", err)
		}
		offset = batch[len(batch)-1].UpdateID + 1
	}
	return nil
}

func (p *Poller) isFatal(err error) bool {
	apiErr := asAPIError("getUpdates", err)
	return apiErr != nil && (apiErr.Code == 401 || apiErr.Code == 404)
}

// pause says how long to wait after a failed getUpdates, and logs why.
func (p *Poller) pause(err error, failures int) time.Duration {
	apiErr := asAPIError("getUpdates", err)
	switch {
	case apiErr != nil && apiErr.Code == 409:
		p.log.Error("another bot instance is polling or a webhook is set (409 Conflict); backing off", "err", apiErr)
		return 10 * time.Second
	case apiErr != nil && apiErr.Code == 429:
		p.log.Warn("getUpdates rate limited", "retry_after", apiErr.RetryAfter)
		return time.Duration(max(1, apiErr.RetryAfter)) * time.Second
	}
	p.log.Warn("getUpdates failed; retrying", "failures", failures, "err", Redact(err, p.api.Token))
	return min(backoff(failures), 30*time.Second)
}
