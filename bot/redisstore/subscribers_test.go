package redisstore_test

import (
	"context"
	"fmt"
	"maps"
	"testing"

	"github.com/redis/go-redis/v9"

	"mekongbot/bot/redisstore"
	"mekongbot/bot/redisstore/redistest"
	"mekongbot/flows"
)

// clientFunc gives a test a Redis client and a key prefix of its own:
// redistest.Client, or ClientAt on a cluster (see cluster_test.go).
type clientFunc = func(t testing.TB) (redis.UniversalClient, string)

func TestSubscribers(t *testing.T) { testSubscribers(t, redistest.Client) }

func testSubscribers(t *testing.T, newClient clientFunc) {
	t.Run("RoundTrip", func(t *testing.T) { testSubscriberRoundTrip(t, newClient) })
	t.Run("Unsubscribe", func(t *testing.T) { testUnsubscribe(t, newClient) })
	t.Run("Count", func(t *testing.T) { testSubscriberCount(t, newClient) })
	t.Run("CountSkipsUndecodable", func(t *testing.T) { testCountSkipsUndecodable(t, newClient) })
}

func newSubscribers(t testing.TB, newClient clientFunc) (*redisstore.Subscribers, redis.UniversalClient, string) {
	client, prefix := newClient(t)
	return redisstore.NewSubscribers(client, prefix), client, prefix
}

func testSubscriberRoundTrip(t *testing.T, newClient clientFunc) {
	subs, _, _ := newSubscribers(t, newClient)
	tests := []struct {
		name string
		chat int64
		p    flows.Profile
	}{
		{"Full", 1, flows.Profile{Lang: "km", Role: flows.RoleWorker, Country: "kh", Topics: flows.AllTopics}},
		{"NoRoleNoCountry", 2, flows.Profile{Lang: "vi", Topics: "r"}},
		{"NoTopics", -1001234567890, flows.Profile{Lang: "my", Role: flows.RoleOfficial, Country: "mm"}},
		{"Zero", 4, flows.Profile{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mustSubscribe(t, subs, tc.chat, tc.p)
			got, ok, err := subs.Subscription(t.Context(), tc.chat)
			if err != nil || !ok || got != tc.p {
				t.Errorf("Subscription(%d) = %+v, %v, %v; want %+v, true, nil", tc.chat, got, ok, err, tc.p)
			}
		})
	}
	replaced := flows.Profile{Lang: "lo", Country: "la", Topics: "h"}
	mustSubscribe(t, subs, 1, replaced)
	if got, _, _ := subs.Subscription(t.Context(), 1); got != replaced {
		t.Errorf("after a second Subscribe: %+v, want %+v", got, replaced)
	}
}

func testUnsubscribe(t *testing.T, newClient clientFunc) {
	subs, _, _ := newSubscribers(t, newClient)
	mustSubscribe(t, subs, 7, flows.Profile{Lang: "km"})
	for range 2 { // the second time the chat is unknown: no error either
		if err := subs.Unsubscribe(t.Context(), 7); err != nil {
			t.Fatal(err)
		}
	}
	if p, ok, err := subs.Subscription(t.Context(), 7); ok || err != nil {
		t.Errorf("after Unsubscribe: %+v, %v, %v; want not subscribed", p, ok, err)
	}
}

// population is who testSubscriberCount subscribes.
var population = []flows.Profile{
	{Lang: "km", Role: flows.RoleWorker, Country: "kh", Topics: "rl"},
	{Lang: "km", Role: flows.RoleWorker, Country: "kh", Topics: "h"},
	{Lang: "km", Role: flows.RoleOfficial, Country: "kh", Topics: "rlhs"},
	{Lang: "vi", Role: flows.RoleWorker, Country: "vn", Topics: "s"},
	{Lang: "my", Role: flows.RoleWorker, Country: "", Topics: "r"},
	{Lang: "en", Country: "xx", Topics: ""},
}

func testSubscriberCount(t *testing.T, newClient clientFunc) {
	subs, _, _ := newSubscribers(t, newClient)
	for i, p := range population {
		mustSubscribe(t, subs, int64(1000+i), p)
	}
	w, o := flows.RoleWorker, flows.RoleOfficial
	tests := []struct {
		name string
		a    flows.Audience
		want flows.AudienceCount
	}{
		{"Everyone", flows.Audience{}, flows.AudienceCount{Total: 6,
			ByLang:    map[string]int{"km": 3, "vi": 1, "my": 1, "en": 1},
			ByRole:    map[flows.Role]int{w: 4, o: 1, flows.RoleUnknown: 1},
			ByCountry: map[string]int{"kh": 3, "vn": 1, "": 1, "xx": 1}}},
		{"Khmer workers", flows.Audience{Langs: []string{"km"}, Roles: []flows.Role{w}}, flows.AudienceCount{Total: 2,
			ByLang: map[string]int{"km": 2}, ByRole: map[flows.Role]int{w: 2}, ByCountry: map[string]int{"kh": 2}}},
		{"Registration topic", flows.Audience{Topics: []flows.Topic{flows.TopicRegistration}}, flows.AudienceCount{Total: 3,
			ByLang: map[string]int{"km": 2, "my": 1}, ByRole: map[flows.Role]int{w: 2, o: 1},
			ByCountry: map[string]int{"kh": 2, "": 1}}},
		{"Two countries", flows.Audience{Countries: []string{"vn", "xx"}}, flows.AudienceCount{Total: 2,
			ByLang: map[string]int{"vi": 1, "en": 1}, ByRole: map[flows.Role]int{w: 1, flows.RoleUnknown: 1},
			ByCountry: map[string]int{"vn": 1, "xx": 1}}},
		{"Nobody", flows.Audience{Langs: []string{"zh"}}, flows.AudienceCount{
			ByLang: map[string]int{}, ByRole: map[flows.Role]int{}, ByCountry: map[string]int{}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := subs.Count(t.Context(), tc.a)
			if err != nil {
				t.Fatal(err)
			}
			checkCount(t, got, tc.want)
		})
	}
}

func checkCount(t *testing.T, got, want flows.AudienceCount) {
	t.Helper()
	if got.Total != want.Total || !maps.Equal(got.ByLang, want.ByLang) ||
		!maps.Equal(got.ByRole, want.ByRole) || !maps.Equal(got.ByCountry, want.ByCountry) {
		t.Errorf("Count = %+v\nwant    %+v", got, want)
	}
}

func testCountSkipsUndecodable(t *testing.T, newClient clientFunc) {
	subs, client, prefix := newSubscribers(t, newClient)
	mustSubscribe(t, subs, 1, flows.Profile{Lang: "km"})
	key := redisstore.Keys{Prefix: prefix}.Subscribers()
	if err := client.HSet(t.Context(), key, "2", "km|w").Err(); err != nil {
		t.Fatal(err)
	}
	got, err := subs.Count(t.Context(), flows.Audience{})
	if err != nil || got.Total != 1 || subs.DecodeFailures() != 1 {
		t.Errorf("Count = %+v, %v with DecodeFailures %d; want total 1, one failure", got, err, subs.DecodeFailures())
	}
	if _, _, err := subs.Subscription(t.Context(), 2); err == nil {
		t.Error("Subscription of an undecodable profile: no error")
	}
}

func mustSubscribe(t *testing.T, subs *redisstore.Subscribers, chat int64, p flows.Profile) {
	t.Helper()
	if err := subs.Subscribe(t.Context(), chat, p); err != nil {
		t.Fatalf("Subscribe(%d): %v", chat, err)
	}
}

// BenchmarkSubscribersCount measures the staff preview over 100k subscribers
// with a narrow audience (every profile is still read and decoded).
func BenchmarkSubscribersCount(b *testing.B) {
	const n = 100_000
	subs, client, prefix := newSubscribers(b, redistest.Client)
	fillSubscribers(b, client, redisstore.Keys{Prefix: prefix}.Subscribers(), n)
	a := flows.Audience{Langs: []string{"km", "lo"}, Topics: []flows.Topic{flows.TopicRules}}
	var got flows.AudienceCount
	for b.Loop() {
		var err error
		if got, err = subs.Count(b.Context(), a); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("%d subscribers, %d in the audience", n, got.Total)
}

// fillSubscribers writes n profiles spread over every language, role,
// country and topic, in batches of 1000 fields per HSET.
func fillSubscribers(b *testing.B, client redis.UniversalClient, key string, n int) {
	b.Helper()
	roles := []flows.Role{flows.RoleWorker, flows.RoleOfficial, flows.RoleUnknown}
	topics := []string{"r", "rl", "h", flows.AllTopics, ""}
	ctx := context.Background()
	for start := 0; start < n; start += 1000 {
		args := make([]any, 0, 2000)
		for i := start; i < min(start+1000, n); i++ {
			p := flows.Profile{Lang: flows.Languages[i%len(flows.Languages)], Role: roles[i%len(roles)],
				Country: flows.Countries[i%len(flows.Countries)], Topics: topics[i%len(topics)]}
			args = append(args, fmt.Sprint(100_000_000+i), p.Encode())
		}
		if err := client.HSet(ctx, key, args...).Err(); err != nil {
			b.Fatal(err)
		}
	}
}
