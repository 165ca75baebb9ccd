package flows_test

import (
	"context"
	"testing"

	"mekongbot/flows"
)

func TestFloodNoteSpeaksThePersonsLanguage(t *testing.T) {
	tests := []struct {
		name   string
		store  flows.Store
		client string
		want   string
	}{
		{"stored choice wins over the app", storeWith(t, worker), "th", "km:FloodNote"},
		{"new person: the app's language", flows.NewMemStore(), "lo", "lo:FloodNote"},
		{"store down: the app's language", &failingStore{}, "vi", "vi:FloodNote"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := flows.NewEngine(flows.Config{Store: tc.store, Catalog: newFakeCatalog(), Text: fakeText{}})
			ev := text("hi")
			ev.ClientLang = tc.client
			if got := e.FloodNote(context.Background(), ev); got.Text != tc.want {
				t.Errorf("note = %q, want %q", got.Text, tc.want)
			}
		})
	}
}

func storeWith(t *testing.T, s flows.Session) flows.Store {
	st := flows.NewMemStore()
	mustSave(t, st, s)
	return st
}
