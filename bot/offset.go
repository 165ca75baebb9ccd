package bot

import (
	"context"
	"fmt"
	"time"
)

// pollTerm receives updates by long polling until ctx ends (a stop, or the
// polling lease lost), from where the journal says polling stopped last.
func (b *Bot) pollTerm(ctx context.Context, in *intake) error {
	offset, err := in.resumeOffset(ctx)
	if err != nil {
		return nil // stopped while Redis was away
	}
	b.log.Info("polling for updates", "offset", offset)
	p := &Poller{api: b.pollAPI(ctx), timeout: int(b.cfg.PollTimeout / time.Second), log: b.log,
		offset: offset, ready: in.health.ok, accept: in.accept, leased: b.leased()}
	return p.Run(ctx)
}

// resumeOffset reads the stored offset, waiting for Redis if it is away.
func (in *intake) resumeOffset(ctx context.Context) (int, error) {
	for {
		offset, err := in.journal.Offset(ctx)
		if err == nil {
			return offset, nil
		}
		in.health.failed(err)
		if _, ok := in.health.waitUp(ctx); !ok {
			return 0, fmt.Errorf("read the polling offset: %w", err)
		}
	}
}

// deleteWebhook switches a bot that had a webhook to polling. It keeps the
// updates Telegram holds: polling receives them.
func (b *Bot) deleteWebhook() error {
	if _, err := b.send.api.MakeRequest("deleteWebhook", nil); err != nil {
		return fmt.Errorf("delete webhook: %w", Redact(err, b.cfg.Token))
	}
	b.log.Info("webhook deleted (DELETE_WEBHOOK)")
	return nil
}
