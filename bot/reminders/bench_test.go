package reminders

import (
	"context"
	"sync"
	"testing"

	"mekongbot/flows"
)

// BenchmarkDeliver measures the Redis side of delivering due reminders:
// four runners on one Redis, a sender that returns at once (so Telegram's
// limits do not count), b.N messages due at the same 09:00.
func BenchmarkDeliver(b *testing.B) {
	w := newWorldTB(b)
	r := flows.Reminder{Kind: flows.ReminderReport, Date: dayTB(b, "2026-12-01")}
	for chat := range int64(b.N) {
		if err := w.store.Set(context.Background(), chat+1, r, "km"); err != nil {
			b.Fatal(err)
		}
	}
	w.clock.Store(r.Date.At(flows.ReminderHour).Unix())
	b.ResetTimer()
	var wg sync.WaitGroup
	for range 4 {
		run := w.runnerTB(b)
		wg.Go(func() {
			for run.round(context.Background()) > 0 {
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	sent := 0
	for _, msgs := range w.sender.sent {
		sent += len(msgs)
	}
	if sent != b.N {
		b.Fatalf("%d sent, want %d", sent, b.N)
	}
}
