package redisstore_test

import (
	"reflect"
	"testing"
	"time"

	"mekongbot/bot/redisstore"
	"mekongbot/bot/redisstore/redistest"
	"mekongbot/flows"
)

func TestOutbox(t *testing.T) {
	client, prefix := redistest.Client(t)
	o := redisstore.NewOutbox(client, prefix)
	const chat = -42
	relay := []flows.Reply{
		{ChatID: -100123, Title: "📨 Case #3 · ខ្មែរ", Text: "ថៅកែយកលិខិតឆ្លងដែនខ្ញុំ"},
		{Text: "✅ Sent", Buttons: [][]flows.Button{{{Text: "End", Data: "h:end-3"}}}},
	}
	if err := o.Keep(t.Context(), chat, 7, relay); err != nil {
		t.Fatal(err)
	}
	ttl := client.TTL(t.Context(), redisstore.Keys{Prefix: prefix}.Outbox(chat)).Val()
	if ttl <= redisstore.OutboxTTL-time.Minute || ttl > redisstore.OutboxTTL {
		t.Errorf("TTL %v, want about %v", ttl, redisstore.OutboxTTL)
	}
	steps := []struct {
		name   string
		update int64
		want   []flows.Reply
	}{
		{"another update's", 8, nil},
		{"the kept update's", 7, relay},
		{"taken already", 7, nil},
	}
	for _, st := range steps {
		got, err := o.Take(t.Context(), chat, st.update)
		if err != nil || !reflect.DeepEqual(got, st.want) {
			t.Errorf("%s: Take = %+v, %v; want %+v", st.name, got, err, st.want)
		}
	}
	if err := o.Keep(t.Context(), chat, 9, relay); err != nil {
		t.Fatal(err)
	}
	if err := o.Forget(t.Context(), chat); err != nil {
		t.Fatal(err)
	}
	if got, err := o.Take(t.Context(), chat, 9); err != nil || got != nil {
		t.Errorf("after Forget: Take = %+v, %v; want nothing", got, err)
	}
}
