package redisstore_test

import (
	"bytes"
	"testing"
	"time"

	"mekongbot/bot/redisstore"
	"mekongbot/bot/redisstore/redistest"
)

func TestDrafts(t *testing.T) {
	client, prefix := redistest.Client(t)
	d := redisstore.NewDrafts(client, prefix)
	const chat = -42
	load := func(want []byte) {
		t.Helper()
		got, err := d.LoadDraft(t.Context(), chat)
		if err != nil || !bytes.Equal(got, want) || (want == nil) != (got == nil) {
			t.Errorf("LoadDraft = %q, %v; want %q", got, err, want)
		}
	}
	load(nil) // absent
	for _, draft := range [][]byte{[]byte(`{"t":{"km":"ថ្ងៃចុះឈ្មោះ"}}`), []byte("second\x00binary")} {
		if err := d.SaveDraft(t.Context(), chat, draft); err != nil {
			t.Fatal(err)
		}
		load(draft)
	}
	ttl := client.TTL(t.Context(), redisstore.Keys{Prefix: prefix}.Draft(chat)).Val()
	if ttl <= redisstore.DraftTTL-time.Minute || ttl > redisstore.DraftTTL {
		t.Errorf("draft TTL = %v, want about %v", ttl, redisstore.DraftTTL)
	}
	for range 2 { // deleting a deleted draft is no error
		if err := d.DeleteDraft(t.Context(), chat); err != nil {
			t.Fatal(err)
		}
	}
	load(nil)
}
