package telegramtest

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

const testToken = "123456:TEST-token"

// newBot starts a fake server and a v5 client talking to it.
func newBot(t *testing.T) (*Server, *tgbotapi.BotAPI) {
	t.Helper()
	srv := New(t, testToken)
	bot, err := tgbotapi.NewBotAPIWithAPIEndpoint(testToken, srv.Endpoint())
	if err != nil {
		t.Fatalf("NewBotAPIWithAPIEndpoint: %v", err)
	}
	return srv, bot
}

// apiError unwraps the *tgbotapi.Error v5 returns for ok=false answers.
func apiError(t *testing.T, err error) *tgbotapi.Error {
	t.Helper()
	var e *tgbotapi.Error
	if !errors.As(err, &e) {
		t.Fatalf("want *tgbotapi.Error, got %T %v", err, err)
	}
	return e
}

func TestGetMe(t *testing.T) {
	srv, bot := newBot(t)
	if bot.Self.ID != 123456 || !bot.Self.IsBot || bot.Self.FirstName != "Mekong Bot" || bot.Self.UserName != "mekong_test_bot" {
		t.Errorf("Self = %+v", bot.Self)
	}
	if calls := srv.CallsTo("getMe"); len(calls) != 1 || calls[0].Status != 200 {
		t.Errorf("getMe calls = %+v", calls)
	}
}

func TestRouting(t *testing.T) {
	srv := New(t, testToken)
	tests := []struct {
		name, path, body string
		code             int
		wantBody         string
	}{
		{"wrong token", "/botnope/getMe", "", 401, `{"description":"Unauthorized","error_code":401,"ok":false}`},
		{"unknown method", "/bot" + testToken + "/sendPoll", "chat_id=1", 404, `{"description":"Not Found","error_code":404,"ok":false}`},
		{"no method", "/bot" + testToken + "/", "", 404, `"Not Found"`},
		{"not a bot path", "/getMe", "", 404, `"Not Found"`},
		{"case-insensitive method", "/bot" + testToken + "/GETME", "", 200, `"username":"mekong_test_bot"`},
		{"JSON body", "/bot" + testToken + "/sendMessage", `{"chat_id":5,"text":"hi"}`, 200, `"text":"hi"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ct := "application/x-www-form-urlencoded"
			if strings.HasPrefix(tt.body, "{") {
				ct = "application/json"
			}
			resp, err := http.Post(srv.URL()+tt.path, ct, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.code || !strings.Contains(string(body), tt.wantBody) {
				t.Errorf("got %d %s, want %d containing %s", resp.StatusCode, body, tt.code, tt.wantBody)
			}
		})
	}
	if got := srv.CallsTo("getme"); len(got) != 1 || got[0].Method != "getMe" {
		t.Errorf("method names not canonical: %+v", got)
	}
	if got := srv.CallsTo("sendPoll"); len(got) != 1 || got[0].Status != 404 {
		t.Errorf("unknown method not recorded as 404: %+v", got)
	}
}

func TestWrongTokenViaLibrary(t *testing.T) {
	srv := New(t, testToken)
	_, err := tgbotapi.NewBotAPIWithAPIEndpoint("999:WRONG", srv.Endpoint())
	if e := apiError(t, err); e.Code != 401 || e.Message != "Unauthorized" {
		t.Errorf("got %+v", e)
	}
	if n := len(srv.Calls()); n != 0 {
		t.Errorf("calls with a wrong token were recorded: %d", n)
	}
}

func TestResetAndParamsAreCopies(t *testing.T) {
	srv, bot := newBot(t)
	if _, err := bot.Send(tgbotapi.NewMessage(7, "one")); err != nil {
		t.Fatal(err)
	}
	c := srv.CallsTo("sendMessage")[0]
	c.Params.Set("text", "mutated")
	if got := srv.CallsTo("sendMessage")[0].Params.Get("text"); got != "one" {
		t.Errorf("Calls leaked internal state: %q", got)
	}
	srv.Reset()
	if len(srv.Calls()) != 0 || len(srv.MessagesTo(7)) != 0 {
		t.Error("Reset kept calls or messages")
	}
}
