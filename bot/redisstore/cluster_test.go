package redisstore_test

import (
	"strconv"
	"testing"

	"github.com/redis/go-redis/v9"

	"mekongbot/bot/redisstore"
	"mekongbot/bot/redisstore/redistest"
	"mekongbot/flows"
	"mekongbot/flows/flowstest"
)

// TestCluster runs the Store on a real three-master Redis Cluster, reached
// through Open's seed-list form.
func TestCluster(t *testing.T) {
	t.Parallel()
	spec := redistest.StartCluster(t, 3)
	for _, mode := range storeModes {
		t.Run("StoreContract/"+mode.name, func(t *testing.T) {
			flowstest.StoreContractWith(t, func(t *testing.T) flows.Store {
				client, prefix := redistest.ClientAt(t, spec)
				return redisstore.New(client, prefix, sessionTTL, mode.opts...)
			}, flowstest.Options{CancelledContextFails: true})
		})
	}
	// The stores whose commands span slots ({case} and {<chat>}, staff and
	// its log, stats and the unanswered questions, {rem} and {<chat>}) run
	// their suites here too.
	onCluster := func(t testing.TB) (redis.UniversalClient, string) { return redistest.ClientAt(t, spec) }
	t.Run("Subscribers", func(t *testing.T) { testSubscribers(t, onCluster) })
	t.Run("Roster", func(t *testing.T) { testRoster(t, onCluster) })
	t.Run("Cases", func(t *testing.T) { testCases(t, onCluster) })
	t.Run("Insights", func(t *testing.T) { testInsights(t, onCluster) })
	t.Run("Feedback", func(t *testing.T) { testFeedback(t, onCluster) })
	t.Run("Reminders", func(t *testing.T) { testReminders(t, onCluster) })
	t.Run("UpdateJournal", func(t *testing.T) {
		client, prefix := redistest.ClientAt(t, spec)
		journalSteps(t, redisstore.NewUpdates(client, prefix))
	})
	t.Run("PollLease", func(t *testing.T) {
		client, prefix := redistest.ClientAt(t, spec)
		leaseSteps(t, client, prefix)
	})
	t.Run("KeysOfAChatShareItsSlot", func(t *testing.T) {
		client, prefix := redistest.ClientAt(t, spec)
		for _, chat := range []int64{1, -1, 42, -1001234567890} {
			key := redisstore.Keys{Prefix: prefix}.Session(chat)
			got, err1 := client.ClusterKeySlot(t.Context(), key).Result()
			want, err2 := client.ClusterKeySlot(t.Context(), strconv.FormatInt(chat, 10)).Result()
			if err1 != nil || err2 != nil || got != want {
				t.Errorf("slot of %q = %d (%v), want that of the chat id: %d (%v)", key, got, err1, want, err2)
			}
		}
	})
}
