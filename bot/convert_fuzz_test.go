package bot

import (
	"strings"
	"testing"
	"unicode/utf8"

	"mekongbot/flows"
)

// FuzzToEvent feeds raw update JSON, as polling or the webhook receives it,
// through decoding and conversion: nothing may panic, and whatever reaches
// the flows must be clean. Seeds: testdata/fuzz/FuzzToEvent.
func FuzzToEvent(f *testing.F) {
	f.Add([]byte(`{"update_id":1,"message":{"message_id":5,"date":1,"chat":{"id":9,"type":"private"},"from":{"id":9,"is_bot":false,"first_name":"A","language_code":"km"},"text":"/Start@mekong_bot pre.fees"}}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		u, err := decodeUpdate(raw)
		if err != nil {
			return
		}
		in, ok := toEvent(u)
		if !ok {
			return
		}
		ev := in.event
		if !utf8.ValidString(ev.Text) || len(ev.Text) > maxTextBytes || ev.Text != strings.TrimSpace(ev.Text) {
			t.Errorf("unclean text reached the flows: %q", ev.Text)
		}
		if ev.Kind < flows.KindText || ev.Kind > flows.KindOther {
			t.Errorf("event without a kind: %+v", ev)
		}
		if ev.Kind == flows.KindCommand && (strings.ContainsAny(ev.Command, " @\n") || !utf8.ValidString(ev.Command)) {
			t.Errorf("command %q not parsed", ev.Command)
		}
		if ev.ChatID == 0 {
			t.Errorf("an event without a chat to answer in: %+v", in)
		}
	})
}
