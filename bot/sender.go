package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"golang.org/x/time/rate"

	"mekongbot/bot/wait"
	"mekongbot/flows"
)

// SendLimits are Telegram's broadcast limits as the bot keeps them.
type SendLimits struct {
	// PerSecond is the overall message rate (Telegram: about 30/s).
	PerSecond float64
	// PerChat is the rate per chat (Telegram: about 1/s).
	PerChat float64
	// ChatBurst lets a reply of a few messages go out at once; Telegram
	// tolerates short bursts in one chat.
	ChatBurst int
}

// maxAttempts bounds retries of one call on 5xx and network errors.
const maxAttempts = 5

// Sender calls the Bot API within the limits, waits out 429 retry_after and
// retries temporary failures with backoff.
type Sender struct {
	api    *tgbotapi.BotAPI
	global *rate.Limiter
	limits SendLimits
	log    *slog.Logger
	// metrics counts calls and 429s; nil records nothing.
	metrics *Metrics

	mu    sync.Mutex
	chats map[int64]*chatLimiter

	// gone is told about a chat that can no longer receive messages
	// (blocked the bot, chat deleted); spent about each interactive
	// message, so that a budget shared with broadcasts can count it.
	gone  func(chatID int64)
	spent func(n int)
}

type chatLimiter struct {
	lim  *rate.Limiter
	used time.Time
}

// NewSender returns a Sender using api.
func NewSender(api *tgbotapi.BotAPI, limits SendLimits, log *slog.Logger) *Sender {
	if limits.ChatBurst < 1 {
		limits.ChatBurst = 1
	}
	return &Sender{
		api:    api,
		global: rate.NewLimiter(rate.Limit(limits.PerSecond), max(1, int(limits.PerSecond/5))),
		limits: limits,
		log:    log,
		chats:  map[int64]*chatLimiter{},
	}
}

// ErrRelayFailed means a reply meant for another chat (a message to the
// staff chat, a staff answer to a person) could not be delivered; the
// replies after it, which say it was, were not sent.
var ErrRelayFailed = errors.New("relayed message not delivered")

// Deliver sends a chat its replies in order. A reply marked Edit replaces the
// message with messageID; when that cannot be edited it is sent anew. A
// reply with its own ChatID goes to that chat (never as an edit). When the
// chat itself fails, its remaining replies are skipped but other chats still
// get theirs; when another chat fails, nothing after it is sent, since what
// follows a relay confirms it. The errors are joined.
func (s *Sender) Deliver(ctx context.Context, chatID int64, messageID int, replies []flows.Reply) error {
	var errs []error
	failed := map[int64]bool{}
	for _, r := range replies {
		target, msgID := chatID, messageID
		if r.ChatID != 0 && r.ChatID != chatID {
			target, msgID = r.ChatID, 0
		}
		if failed[target] {
			continue
		}
		for _, m := range render(r) {
			if err := s.deliverOne(ctx, target, msgID, m, false); err != nil {
				errs = append(errs, fmt.Errorf("deliver to chat %d: %w", target, err))
				failed[target] = true
				break
			}
		}
		if failed[target] && target != chatID {
			errs = append(errs, ErrRelayFailed)
			break
		}
	}
	return errors.Join(errs...)
}

// SendBulk sends one broadcast message. Only the per-chat limit applies
// here: the overall rate is the caller's budget, shared across processes.
func (s *Sender) SendBulk(ctx context.Context, chatID int64, r flows.Reply) error {
	for _, m := range render(r) {
		if err := s.deliverOne(ctx, chatID, 0, m, true); err != nil {
			return fmt.Errorf("broadcast to chat %d: %w", chatID, err)
		}
	}
	return nil
}

// Post sends r as one new message and returns its id (for a message the
// bot edits later, such as a broadcast's progress).
func (s *Sender) Post(ctx context.Context, chatID int64, r flows.Reply) (int, error) {
	m := render(r)[0]
	resp, err := s.call(ctx, chatID, newMessage(chatID, m), false)
	if err != nil {
		return 0, fmt.Errorf("post to chat %d: %w", chatID, err)
	}
	var msg tgbotapi.Message
	if err := json.Unmarshal(resp.Result, &msg); err != nil {
		return 0, fmt.Errorf("post to chat %d: read the sent message: %w", chatID, err)
	}
	return msg.MessageID, nil
}

// Edit replaces the text and buttons of message messageID with r.
func (s *Sender) Edit(ctx context.Context, chatID int64, messageID int, r flows.Reply) error {
	m := render(r)[0]
	if _, err := s.call(ctx, 0, newEdit(chatID, messageID, m), false); err != nil {
		return fmt.Errorf("edit message %d in chat %d: %w", messageID, chatID, err)
	}
	return nil
}

func newEdit(chatID int64, messageID int, m rendered) tgbotapi.EditMessageTextConfig {
	edit := tgbotapi.NewEditMessageText(chatID, messageID, m.text)
	edit.ParseMode = tgbotapi.ModeHTML
	edit.DisableWebPagePreview = true
	edit.ReplyMarkup = m.keyboard
	return edit
}

func newMessage(chatID int64, m rendered) tgbotapi.MessageConfig {
	msg := tgbotapi.NewMessage(chatID, m.text)
	msg.ParseMode = tgbotapi.ModeHTML
	msg.DisableWebPagePreview = true
	if m.keyboard != nil {
		msg.ReplyMarkup = *m.keyboard
	}
	return msg
}

func (s *Sender) deliverOne(ctx context.Context, chatID int64, messageID int, m rendered, bulk bool) error {
	if m.edit && messageID != 0 {
		// An edit adds no message to the chat, so only the overall limit applies.
		_, err := s.call(ctx, 0, newEdit(chatID, messageID, m), false)
		var apiErr *APIError
		if err == nil || !errors.As(err, &apiErr) || apiErr.Code != 400 {
			return err
		}
		// Too old to edit, deleted, or not ours: send it as a new message.
	}
	_, err := s.call(ctx, chatID, newMessage(chatID, m), bulk)
	return err
}

// AnswerButton acknowledges a button press so the person's app stops
// waiting. It is not a message, so chat limits do not apply.
func (s *Sender) AnswerButton(ctx context.Context, callbackID string) error {
	return s.Call(ctx, 0, tgbotapi.NewCallback(callbackID, ""))
}

// Call makes one Bot API call for chatID (0: not a message to a chat) within
// the limits, retrying 429 after retry_after and 5xx/network errors with
// backoff. "Message is not modified" counts as success. A failure is an
// *APIError when Telegram answered, else a network error without the token.
func (s *Sender) Call(ctx context.Context, chatID int64, c tgbotapi.Chattable) error {
	_, err := s.call(ctx, chatID, c, false)
	return err
}

// call is Call for either lane: bulk (broadcast) calls skip the overall
// limiter, whose budget their caller holds, and are not counted as spent.
func (s *Sender) call(ctx context.Context, chatID int64, c tgbotapi.Chattable, bulk bool) (*tgbotapi.APIResponse, error) {
	method := methodName(c)
	var err error
	for attempt := 1; attempt <= maxAttempts; attempt++ {
		if err = s.wait(ctx, chatID, bulk); err != nil {
			return nil, err
		}
		var resp *tgbotapi.APIResponse
		resp, err = s.api.Request(c)
		err = s.classify(method, err)
		s.metrics.call(method, err)
		// Interactive messages, and broadcast retries (the first try took
		// its slot from the budget), count against the shared budget.
		if chatID != 0 && s.spent != nil && (!bulk || attempt > 1) {
			s.spent(1)
		}
		pause, retry := s.retryAfter(method, err, attempt)
		if !retry || ctx.Err() != nil {
			s.noteGone(chatID, err)
			return resp, err
		}
		if err := wait.Sleep(ctx, pause); err != nil {
			return nil, err
		}
	}
	return nil, err
}

// noteGone tells the owner about a chat that cannot receive messages.
func (s *Sender) noteGone(chatID int64, err error) {
	if chatID != 0 && s.gone != nil && IsGone(err) {
		s.gone(chatID)
	}
}

// IsGone reports an error meaning the chat can never receive messages: the
// person blocked the bot, the chat was deleted, or the bot was removed.
func IsGone(err error) bool {
	var apiErr *APIError
	if !errors.As(err, &apiErr) {
		return false
	}
	return apiErr.Code == 403 || apiErr.Code == 400 && strings.Contains(apiErr.Description, "chat not found")
}

// classify turns the library's error into an *APIError (nil for "not
// modified") or a redacted network error.
func (s *Sender) classify(method string, err error) error {
	if err == nil {
		return nil
	}
	if apiErr := asAPIError(method, err); apiErr != nil {
		if apiErr.notModified() {
			return nil
		}
		return apiErr
	}
	return fmt.Errorf("telegram %s: %w", method, Redact(err, s.api.Token))
}

// retryAfter says whether to try err's call again, and after how long.
func (s *Sender) retryAfter(method string, err error, attempt int) (time.Duration, bool) {
	// A client timeout is retried like any network error; a stop is not
	// (Call checks its context).
	if err == nil || attempt >= maxAttempts {
		return 0, false
	}
	var apiErr *APIError
	if !errors.As(err, &apiErr) {
		s.log.Warn("telegram call failed", "method", method, "attempt", attempt, "err", err)
		return backoff(attempt), true
	}
	switch {
	case apiErr.Code == 429:
		s.log.Warn("telegram rate limit", "method", method, "retry_after", apiErr.RetryAfter)
		s.metrics.rateLimit(apiErr.RetryAfter)
		return time.Duration(max(1, apiErr.RetryAfter)) * time.Second, true
	case apiErr.Temporary():
		return backoff(attempt), true
	}
	return 0, false
}

func ctxDone(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

func (s *Sender) wait(ctx context.Context, chatID int64, bulk bool) error {
	if chatID != 0 {
		if err := s.chat(chatID).Wait(ctx); err != nil {
			return err
		}
	}
	if bulk || chatID == 0 {
		// Bulk calls hold the shared budget already; a call that is no
		// message to a chat (answering a button, setting the menu) is not
		// what Telegram's message limits count, and a button left
		// unanswered behind a queue of messages shows a spinner.
		return nil
	}
	return s.global.Wait(ctx)
}

// chat returns the chat's limiter, forgetting limiters idle for a minute.
func (s *Sender) chat(chatID int64) *rate.Limiter {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	cl := s.chats[chatID]
	if cl == nil {
		if len(s.chats) > 10000 {
			s.sweep(now)
		}
		cl = &chatLimiter{lim: rate.NewLimiter(rate.Limit(s.limits.PerChat), s.limits.ChatBurst)}
		s.chats[chatID] = cl
	}
	cl.used = now
	return cl.lim
}

func (s *Sender) sweep(now time.Time) {
	for id, cl := range s.chats {
		if now.Sub(cl.used) > time.Minute {
			delete(s.chats, id)
		}
	}
}

func backoff(attempt int) time.Duration {
	return time.Duration(100<<attempt) * time.Millisecond // 200ms, 400ms, ... 3.2s
}

func methodName(c tgbotapi.Chattable) string {
	switch c.(type) {
	case tgbotapi.MessageConfig:
		return "sendMessage"
	case tgbotapi.EditMessageTextConfig:
		return "editMessageText"
	case tgbotapi.CallbackConfig:
		return "answerCallbackQuery"
	case tgbotapi.SetMyCommandsConfig:
		return "setMyCommands"
	}
	return fmt.Sprintf("%T", c)
}
