package flowstest

import (
	"slices"
	"testing"

	"mekongbot/flows"
)

// Equal reports whether two sessions hold the same values; a nil and an
// empty Back stack are the same.
func Equal(a, b flows.Session) bool {
	return a.Lang == b.Lang && a.Role == b.Role && a.Page == b.Page &&
		a.State == b.State && a.Data == b.Data && slices.Equal(a.Back, b.Back) &&
		a.Country == b.Country && a.Day == b.Day && a.Checklist == b.Checklist &&
		a.LastUpdate == b.LastUpdate && a.LastPress == b.LastPress
}

func mustSave(t *testing.T, st flows.Store, chat int64, s flows.Session) {
	t.Helper()
	if err := st.Save(ctx(t), chat, s); err != nil {
		t.Fatalf("Save(%d): %v", chat, err)
	}
}

func mustDelete(t *testing.T, st flows.Store, chat int64) {
	t.Helper()
	if err := st.Delete(ctx(t), chat); err != nil {
		t.Fatalf("Delete(%d): %v", chat, err)
	}
}

// mustFind loads chat, fails unless it holds want, and returns what it read.
func mustFind(t *testing.T, st flows.Store, chat int64, want flows.Session) flows.Session {
	t.Helper()
	got, ok, err := st.Load(ctx(t), chat)
	switch {
	case err != nil:
		t.Fatalf("Load(%d): %v", chat, err)
	case !ok:
		t.Fatalf("Load(%d) = not found, want %+v", chat, want)
	case !Equal(got, want):
		t.Fatalf("Load(%d) = %+v, want %+v", chat, got, want)
	}
	return got
}

func mustNotFind(t *testing.T, st flows.Store, chat int64) {
	t.Helper()
	got, ok, err := st.Load(ctx(t), chat)
	switch {
	case err != nil:
		t.Fatalf("Load(%d): %v, want not found and no error", chat, err)
	case ok:
		t.Fatalf("Load(%d) = %+v, want not found", chat, got)
	case !Equal(got, flows.Session{}):
		t.Fatalf("Load(%d) = ok=false with non-zero session %+v", chat, got)
	}
}
