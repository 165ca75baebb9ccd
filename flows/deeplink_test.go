package flows_test

import (
	"reflect"
	"regexp"
	"strings"
	"testing"

	"mekongbot/flows"
)

// telegramStart is what Telegram accepts as a deep link's start parameter.
var telegramStart = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

func TestStartParamRoundTrip(t *testing.T) {
	tests := []struct {
		page, lang string
		want       string
	}{
		{"pre.fees", "km", "pre_fees-KM"},
		{"pre.fees", "", "pre_fees"},
		{"root", "zh", "root-ZH"},
		{"help", "en", "help-EN"},
		{"pre.mou.kh", "lo", "pre_mou_kh-LO"},                     // ends in a language code: still read as the page
		{"a-b.km", "my", "a-b_km-MY"},                             // '-' in an id does not confuse the language
		{"twenty.chars.page-id", "vi", "twenty_chars_page-id-VI"}, // the longest id content allows
	}
	for _, tt := range tests {
		got := flows.StartParam(tt.page, tt.lang)
		if got != tt.want || !telegramStart.MatchString(got) {
			t.Errorf("StartParam(%q, %q) = %q, want %q (Telegram allows %s)", tt.page, tt.lang, got, tt.want, telegramStart)
		}
		if page, lang := flows.ParseStartParam(got); page != tt.page || lang != tt.lang {
			t.Errorf("ParseStartParam(%q) = %q, %q, want %q, %q", got, page, lang, tt.page, tt.lang)
		}
	}
}

func TestParseStartParam(t *testing.T) {
	tests := []struct{ in, page, lang string }{
		{"pre.fees", "pre.fees", ""},         // links made before languages: a plain page id
		{"pre_fees-XX", "pre.fees", ""},      // a language the bot does not speak: the page still opens
		{"pre_fees-km", "pre.fees-km", ""},   // lower case is part of an id, never a language
		{"pre_fees-KMX", "pre.fees-KMX", ""}, // not a two-letter code
		{"-KM", "-KM", ""},
		{"", "", ""},
	}
	for _, tt := range tests {
		if page, lang := flows.ParseStartParam(tt.in); page != tt.page || lang != tt.lang {
			t.Errorf("ParseStartParam(%q) = %q, %q, want %q, %q", tt.in, page, lang, tt.page, tt.lang)
		}
	}
}

func TestDeepLink(t *testing.T) {
	if got := flows.DeepLink("mekong_bot", "pre.fees", "km"); got != "https://t.me/mekong_bot?start=pre_fees-KM" {
		t.Errorf("DeepLink = %q", got)
	}
	if got := flows.DeepLink("", "pre.fees", "km"); got != "" {
		t.Errorf("DeepLink with no bot name = %q, want none", got)
	}
}

// TestStartWithDeepLink opens pages from links, as a poster's QR code does.
func TestStartWithDeepLink(t *testing.T) {
	known := flows.Session{Lang: "vi", Role: flows.RoleWorker, Page: "root"}
	tests := []struct {
		name      string
		start     *flows.Session // nil: someone new
		payload   string
		want      flows.Session
		wantTitle string
	}{
		{"a newcomer reads the page in the link's language", nil, "pre_fees-KM",
			flows.Session{Lang: "km", Page: "pre.fees"}, "km:T:pre.fees"},
		{"a newcomer without a link language gets their phone's", nil, "pre_fees",
			flows.Session{Lang: "th", Page: "pre.fees"}, "th:T:pre.fees"},
		{"old links with the plain page id still work", nil, "pre.fees",
			flows.Session{Lang: "th", Page: "pre.fees"}, "th:T:pre.fees"},
		{"a language the bot lacks: the phone's", nil, "pre_fees-FR",
			flows.Session{Lang: "th", Page: "pre.fees"}, "th:T:pre.fees"},
		{"someone known keeps the language they chose", &known, "pre_fees-KM",
			flows.Session{Lang: "vi", Role: flows.RoleWorker, Page: "pre.fees"}, "vi:T:pre.fees"},
		{"someone writing to staff is taken out of it", &flows.Session{Lang: "vi", Role: flows.RoleWorker, Page: "help", State: flows.StateTalk, Back: []string{"root"}}, "mou-LO",
			flows.Session{Lang: "vi", Role: flows.RoleWorker, Page: "mou"}, "vi:T:mou"},
		{"an unknown page greets a newcomer in their phone's language", nil, "nope-KM",
			flows.Session{State: flows.StateChooseLang}, "th:ChooseLanguage"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := flows.NewMemStore()
			if tt.start != nil {
				mustSave(t, store, *tt.start)
			}
			e := flows.NewEngine(flows.Config{Store: store, Catalog: newFakeCatalog(), Text: fakeText{}})
			ev := cmd("start", tt.payload)
			ev.ClientLang = "th"
			r := mustReply(t, e, ev)
			if r.Title != tt.wantTitle {
				t.Errorf("title %q, want %q", r.Title, tt.wantTitle)
			}
			got, _, _ := store.Load(t.Context(), chat)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("session %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestLinkCommand(t *testing.T) {
	tests := []struct {
		name    string
		args    string
		botName string
		search  bool
		want    []string // in the reply's note, title and text
		notWant []string
	}{
		{"a page in a language", "pre.fees km", "mekong_bot", false,
			[]string{"en:LinkTitle", "https://t.me/mekong_bot?start=pre_fees-KM", "LinkInLanguage{Language=km:LanguageName,Page=en:T:pre.fees}"}, nil},
		{"a language as the phone says it", "pre.fees km-KH", "mekong_bot", false,
			[]string{"?start=pre_fees-KM"}, nil},
		{"a page in each person's language", "pre.fees", "mekong_bot", false,
			[]string{"https://t.me/mekong_bot?start=pre_fees\n", "LinkAnyLanguage{Page=en:T:pre.fees}"}, []string{"-EN"}},
		{"a start parameter is read too", "pre_fees-LO", "mekong_bot", false,
			[]string{"?start=pre_fees-LO"}, nil},
		{"a bad language", "pre.fees xx", "mekong_bot", false,
			[]string{"en:LinkBadLanguage", "en:LinkUsage"}, []string{"t.me"}},
		{"too many words that start with a page", "pre.fees km lo", "mekong_bot", false,
			[]string{"en:LinkUsage"}, []string{"t.me"}},
		{"no page: usage and the sections' ids", "", "mekong_bot", false,
			[]string{"en:LinkUsage", "en:LinkSections", "• pre · en:T:pre", "• mou · en:T:mou", "• help · en:T:help"}, []string{"t.me"}},
		{"words find pages and their ids", "agency fees", "mekong_bot", true,
			[]string{"en:LinkFound", "• pre.fees · en:T:pre.fees", "en:LinkUsage"}, []string{"t.me"}},
		{"words that find nothing", "weather", "mekong_bot", true,
			[]string{"en:LinkNothingFound", "en:LinkUsage", "en:LinkSections"}, []string{"t.me"}},
		{"before the bot's name is known", "pre.fees", "", false,
			[]string{"en:LinkNoBotName", "https://t.me/<bot>?start=pre_fees"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			if tt.search {
				w.e = flows.NewEngine(flows.Config{Store: w.store, Catalog: newFakeCatalog(), Text: fakeText{},
					Roster: w.roster, Search: fakeSearcher{}})
			}
			w.e.SetBotUsername(tt.botName)
			replies := w.do(t, cmdFrom(staffUser, "link", tt.args))
			got := allText(replies)
			if len(replies) != 1 {
				t.Fatalf("replies %s, want one", got)
			}
			for _, s := range tt.want {
				if !strings.Contains(got, s) {
					t.Errorf("reply lacks %q:\n%s", s, got)
				}
			}
			for _, s := range tt.notWant {
				if strings.Contains(got, s) {
					t.Errorf("reply has %q:\n%s", s, got)
				}
			}
		})
	}
}
