package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"mekongbot/bot/wait"
)

// ErrUnauthorized means Telegram refused the token: retrying cannot help.
var ErrUnauthorized = errors.New("telegram refused the bot token (401 Unauthorized): check TELEGRAM_BOT_TOKEN")

// Poller receives updates with getUpdates. Unlike the library's
// GetUpdatesChan it confirms a batch (advances the offset) only after every
// update in it was accepted: journalled, so that a crash replays it, and
// queued for handling. While Redis is away it takes no batch at all.
type Poller struct {
	api     *tgbotapi.BotAPI
	timeout int // long-poll seconds
	log     *slog.Logger
	// offset is where polling starts (the journal's stored offset).
	offset int
	// ready reports whether a batch can be accepted now (Redis answers);
	// nil: always.
	ready func(ctx context.Context) bool
	// accept journals and queues a batch, storing next as the offset that
	// confirms it. On error the same batch is fetched again later; a fenced
	// error (the polling lease passed to another process) stops polling.
	accept func(ctx context.Context, batch []json.RawMessage, next int) error
	// leased: polling holds the lease, so another poller's 409 is a
	// leader that has not yet noticed it lost the lease (its next journal
	// write is refused), not a second deployment: retry soon.
	leased bool
}

// Run polls until ctx ends. It returns nil on a clean stop and
// ErrUnauthorized when the token is refused.
func (p *Poller) Run(ctx context.Context) error {
	offset, failures := p.offset, 0
	for ctx.Err() == nil {
		if p.ready != nil && !p.ready(ctx) {
			_ = wait.Sleep(ctx, time.Second) // the outage is logged where it is seen
			continue
		}
		batch, err := p.fetch(offset)
		if err != nil {
			if errors.Is(err, ErrUnauthorized) || p.isFatal(err) {
				return ErrUnauthorized
			}
			failures++
			if wait.Sleep(ctx, p.pause(err, failures)) != nil {
				return nil
			}
			continue
		}
		failures = 0
		next := nextOffset(batch, offset)
		if len(batch) == 0 {
			continue
		}
		if err := p.accept(ctx, batch, next); err != nil {
			if isFenced(err) {
				return nil // another process polls now
			}
			continue // not confirmed, so fetched again
		}
		offset = next
	}
	return nil
}

// fetch long-polls for updates and returns them undecoded, so that the
// journal keeps exactly what Telegram sent.
func (p *Poller) fetch(offset int) ([]json.RawMessage, error) {
	resp, err := p.api.Request(tgbotapi.UpdateConfig{
		Offset: offset, Limit: 100, Timeout: p.timeout, AllowedUpdates: AllowedUpdates,
	})
	if err != nil {
		return nil, err
	}
	var batch []json.RawMessage
	if err := json.Unmarshal(resp.Result, &batch); err != nil {
		return nil, fmt.Errorf("read getUpdates answer: %w", err)
	}
	return batch, nil
}

// nextOffset is the offset that confirms batch: one past its highest id.
func nextOffset(batch []json.RawMessage, offset int) int {
	for _, raw := range batch {
		var head struct {
			UpdateID int `json:"update_id"`
		}
		if json.Unmarshal(raw, &head) == nil && head.UpdateID >= offset {
			offset = head.UpdateID + 1
		}
	}
	return offset
}

func (p *Poller) isFatal(err error) bool {
	apiErr := asAPIError("getUpdates", err)
	return apiErr != nil && (apiErr.Code == 401 || apiErr.Code == 404)
}

// pause says how long to wait after a failed getUpdates, and logs why.
func (p *Poller) pause(err error, failures int) time.Duration {
	apiErr := asAPIError("getUpdates", err)
	switch {
	case apiErr != nil && apiErr.Code == 409 && p.leased && !strings.Contains(apiErr.Description, "webhook"):
		p.log.Warn("another process polled (409 Conflict); retrying: the polling lease decides", "err", apiErr)
		return time.Second
	case apiErr != nil && apiErr.Code == 409:
		p.log.Error("another bot instance is polling or a webhook is set (409 Conflict); backing off "+
			"(DELETE_WEBHOOK=true removes a webhook)", "err", apiErr)
		return 10 * time.Second
	case apiErr != nil && apiErr.Code == 429:
		p.log.Warn("getUpdates rate limited", "retry_after", apiErr.RetryAfter)
		return time.Duration(max(1, apiErr.RetryAfter)) * time.Second
	}
	p.log.Warn("getUpdates failed; retrying", "failures", failures, "err", Redact(err, p.api.Token))
	return min(backoff(failures), 30*time.Second)
}
