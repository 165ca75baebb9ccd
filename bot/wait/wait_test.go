package wait_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"mekongbot/bot/wait"
)

func TestSleep(t *testing.T) {
	if err := wait.Sleep(t.Context(), time.Millisecond); err != nil {
		t.Errorf("a short sleep: %v", err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := wait.Sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Errorf("a sleep in an ended context: %v, want context.Canceled", err)
	}
}
