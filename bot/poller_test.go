package bot

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"mekongbot/bot/telegramtest"
)

func newTestPoller(api *telegramtest.Server, tok string, handle func(context.Context, []tgbotapi.Update) error) *Poller {
	return &Poller{api: newAPI(tok, api.Endpoint(), 5*time.Second), timeout: 1, log: slog.New(slog.DiscardHandler), handle: handle}
}

func TestPollerRefusedTokenIsFatal(t *testing.T) {
	api := telegramtest.New(t, token)
	p := newTestPoller(api, "1:wrong-token", func(context.Context, []tgbotapi.Update) error { return nil })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := p.Run(ctx); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("Run = %v, want ErrUnauthorized", err)
	}
}

// TestPollerConfirmsOnlyHandledBatches fails the handling of a batch: the
// updates must come again, because the offset did not move past them.
func TestPollerConfirmsOnlyHandledBatches(t *testing.T) {
	api := telegramtest.New(t, token)
	api.SendText(1, 1, "en", "a")
	api.SendText(1, 1, "en", "b")
	var seen []int
	fail := true
	handle := func(_ context.Context, batch []tgbotapi.Update) error {
		for _, u := range batch {
			seen = append(seen, u.UpdateID)
		}
		if fail {
			fail = false
			return errors.New("crash")
		}
		return nil
	}
	p := newTestPoller(api, token, handle)
	if err := p.Run(context.Background()); err == nil {
		t.Fatal("Run should return the handling error")
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	api.WaitFor(t, func() bool { return api.PendingUpdates() == 0 }, 5*time.Second)
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run after cancel = %v, want nil", err)
	}
	if want := []int{1, 2, 1, 2}; len(seen) != 4 || seen[2] != want[2] {
		t.Errorf("saw updates %v, want %v", seen, want)
	}
	if got := api.AllowedUpdates(); len(got) != len(AllowedUpdates) {
		t.Errorf("allowed_updates = %v, want %v", got, AllowedUpdates)
	}
}
