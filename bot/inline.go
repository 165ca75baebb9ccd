package bot

import (
	"context"
	"html"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// inlineCacheSeconds lets Telegram reuse an answer for a while; answers are
// personal because they follow each person's language.
const inlineCacheSeconds = 300

// answerInline answers "@bot <words>" with matching pages, each shareable as
// a message with a button that opens the page in the bot.
func (b *Bot) answerInline(ctx context.Context, q *tgbotapi.InlineQuery) {
	var clientLang string
	if q.From == nil {
		return
	}
	clientLang = q.From.LanguageCode
	results, err := b.cfg.Engine.Inline(ctx, q.From.ID, clientLang, cleanText(q.Query))
	if err != nil {
		b.log.Warn("inline query", "user", b.userHash(q.From.ID), "err", err)
	}
	articles := make([]any, 0, len(results))
	for _, r := range results {
		a := tgbotapi.NewInlineQueryResultArticleHTML(r.ID, r.Title,
			"<b>"+html.EscapeString(r.Title)+"</b>\n\n"+html.EscapeString(r.Body))
		a.Description = r.Snippet
		if r.Link != "" {
			kb := tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(
				tgbotapi.NewInlineKeyboardButtonURL("🤖 "+b.Self.UserName, r.Link)))
			a.ReplyMarkup = &kb
		}
		articles = append(articles, a)
	}
	answer := tgbotapi.InlineConfig{InlineQueryID: q.ID, Results: articles, CacheTime: inlineCacheSeconds, IsPersonal: true}
	if err := b.send.Call(ctx, 0, answer); err != nil {
		b.log.Warn("answer inline query", "user", b.userHash(q.From.ID), "err", err)
	}
}
