package bot

import (
	"context"
	"fmt"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// Command is one entry of the command menu Telegram shows.
type Command struct {
	Name        string
	Description string
}

// Surface is what Telegram shows of the bot before anyone writes to it, in
// each language: the command menu (a longer one in staff members' chats) and
// the profile texts. Keys are language codes; "" is the default for
// languages the bot does not speak.
type Surface struct {
	Commands         map[string][]Command
	StaffCommands    []Command // in StaffLang, for the chats of StaffIDs
	StaffIDs         []int64
	Description      map[string]string
	ShortDescription map[string]string
}

// publish sets the surface. A failure is logged, never fatal: the bot works
// without a command menu.
func (b *Bot) publish(ctx context.Context, s *Surface) {
	if s == nil {
		return
	}
	for lang, cmds := range s.Commands {
		b.setCommands(ctx, tgbotapi.NewSetMyCommandsWithScopeAndLanguage(tgbotapi.NewBotCommandScopeDefault(), lang, botCommands(cmds)...))
	}
	for _, id := range s.StaffIDs {
		b.setCommands(ctx, tgbotapi.NewSetMyCommandsWithScope(tgbotapi.NewBotCommandScopeChat(id), botCommands(s.StaffCommands)...))
	}
	for lang, text := range s.Description {
		b.surfaceCall(ctx, "setMyDescription", textParams("description", text, lang))
	}
	for lang, text := range s.ShortDescription {
		b.surfaceCall(ctx, "setMyShortDescription", textParams("short_description", text, lang))
	}
}

// setCommands goes through the Sender, which keeps the limits and retries.
func (b *Bot) setCommands(ctx context.Context, c tgbotapi.SetMyCommandsConfig) {
	if err := b.send.Call(ctx, 0, c); err != nil {
		b.log.Warn("set the bot's command menu", "lang", c.LanguageCode, "err", err)
	}
}

func botCommands(cmds []Command) []tgbotapi.BotCommand {
	out := make([]tgbotapi.BotCommand, len(cmds))
	for i, c := range cmds {
		out[i] = tgbotapi.BotCommand{Command: c.Name, Description: c.Description}
	}
	return out
}

func textParams(field, text, lang string) tgbotapi.Params {
	p := tgbotapi.Params{field: text}
	p.AddNonEmpty("language_code", lang)
	return p
}

// surfaceCall makes one call within the overall rate limit; the v5 library
// has no config for these methods, so the parameters are passed as they are.
func (b *Bot) surfaceCall(ctx context.Context, method string, p tgbotapi.Params) {
	if err := b.send.global.Wait(ctx); err != nil {
		return
	}
	if _, err := b.send.api.MakeRequest(method, p); err != nil {
		b.log.Warn("set the bot's surface", "method", method, "lang", p["language_code"],
			"err", fmt.Errorf("%s: %w", method, Redact(err, b.cfg.Token)))
	}
}
