package flows_test

import (
	"strings"
	"testing"

	"mekongbot/flows"
)

func TestPressRoundTrip(t *testing.T) {
	longest := strings.Repeat("a", flows.MaxButtonData-2) // "p:" + 62 bytes = 64
	tests := []flows.Press{
		{Action: flows.ActMenu},
		{Action: flows.ActBack},
		{Action: flows.ActOpen, Arg: "pre.fees"},
		{Action: flows.ActLang, Arg: "km"},
		{Action: flows.ActOpen, Arg: longest},
		{Action: flows.ActChecklist, Arg: "t-12"},
		{Action: flows.ActJobCheck, Arg: "a0123"},
	}
	for _, p := range tests {
		data := p.Encode()
		if len(data) > flows.MaxButtonData {
			t.Errorf("%+v encodes to %d bytes", p, len(data))
		}
		got, err := flows.DecodePress(data)
		if err != nil || got != p {
			t.Errorf("DecodePress(%q) = %+v, %v; want %+v", data, got, err, p)
		}
	}
}

func TestEncodePanicsOverTheLimit(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Encode of 65 bytes did not panic")
		}
	}()
	flows.Press{Action: flows.ActOpen, Arg: strings.Repeat("a", flows.MaxButtonData-1)}.Encode()
}

func TestDecodePressRejects(t *testing.T) {
	for _, data := range []string{
		"", "x", "p:", "p", "m:x", "b:", "pp:x", "p:UPPER", "p:a b", "p:<b>", "p:\x00", "l:km\n",
		"p:" + strings.Repeat("a", flows.MaxButtonData-1), "\xff", "p:ក", "k", "j:",
	} {
		if p, err := flows.DecodePress(data); err == nil {
			t.Errorf("DecodePress(%q) = %+v, want an error", data, p)
		}
	}
}

func FuzzDecodePress(f *testing.F) {
	for _, s := range []string{"p:pre.fees", "m", "b", "l:km", "s:root", "k:t-3", "j:a012", "\xff", "p:" + strings.Repeat("z", 70)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data string) {
		p, err := flows.DecodePress(data)
		if err != nil {
			return
		}
		if again := p.Encode(); again != data {
			t.Errorf("DecodePress(%q) then Encode = %q", data, again)
		}
	})
}
