package bot

import (
	"errors"
	"fmt"
	"strings"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// APIError is an answer from the Bot API that says a call failed.
type APIError struct {
	Method      string
	Code        int
	Description string
	RetryAfter  int // seconds, for 429
}

func (e *APIError) Error() string {
	return fmt.Sprintf("telegram %s: %d %s", e.Method, e.Code, e.Description)
}

// Temporary reports whether the same call may succeed later.
func (e *APIError) Temporary() bool { return e.Code == 429 || e.Code >= 500 }

// notModified is Telegram's answer to an edit that changes nothing: for us,
// that is success.
func (e *APIError) notModified() bool {
	return e.Code == 400 && strings.Contains(e.Description, "message is not modified")
}

// asAPIError converts the library's error for a method, or returns nil when
// err is no API answer (a network error, say).
func asAPIError(method string, err error) *APIError {
	var te *tgbotapi.Error
	if errors.As(err, &te) {
		return &APIError{Method: method, Code: te.Code, Description: te.Message, RetryAfter: te.RetryAfter}
	}
	var tv tgbotapi.Error
	if errors.As(err, &tv) {
		return &APIError{Method: method, Code: tv.Code, Description: tv.Message, RetryAfter: tv.RetryAfter}
	}
	return nil
}

// redacted hides the bot token in errors: the library puts it in every URL.
type redacted struct {
	msg string
	err error
}

func (r *redacted) Error() string { return r.msg }
func (r *redacted) Unwrap() error { return r.err }

// Redact returns err with every occurrence of secret replaced.
func Redact(err error, secret string) error {
	if err == nil || secret == "" || !strings.Contains(err.Error(), secret) {
		return err
	}
	return &redacted{msg: strings.ReplaceAll(err.Error(), secret, "<token>"), err: err}
}
