package telegramtest

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Limits Telegram enforces, in UTF-16 code units (bytes for callback data).
const (
	maxTextLen         = 4096
	maxCaptionLen      = 1024
	maxCallbackDataLen = 64
)

// formatted is a text or caption after Telegram parsed it.
type formatted struct {
	raw       string           // as the bot sent it
	parseMode string           // as the bot sent it
	plain     string           // text without markup, as Telegram echoes it
	entities  []map[string]any // nil if none
	key       string           // plain text + entities, for "not modified"
}

// formatText validates text like sendMessage does. emptyErr == "" allows an
// empty text (captions).
func formatText(raw, parseMode, entitiesJSON string, maxLen int, emptyErr, longErr string) (formatted, *reply) {
	f := formatted{raw: raw, parseMode: parseMode, plain: raw}
	if raw == "" && emptyErr != "" {
		return f, errReply(badRequest(emptyErr))
	}
	switch strings.ToLower(parseMode) {
	case "":
		if entitiesJSON != "" {
			if err := json.Unmarshal([]byte(entitiesJSON), &f.entities); err != nil {
				return f, errReply(badRequest("can't parse entities JSON object"))
			}
		}
	case "html":
		plain, ents, err := parseHTML(raw)
		if err != nil {
			return f, errReply(badRequest("can't parse entities: " + err.Error()))
		}
		f.plain, f.entities = plain, ents
	case "markdown", "markdownv2":
		// Accepted without validation: mekongbot uses HTML.
	default:
		return f, errReply(badRequest("unsupported parse_mode"))
	}
	if strings.TrimSpace(f.plain) == "" && emptyErr != "" {
		return f, errReply(badRequest(emptyErr))
	}
	if utf16Len(f.plain) > maxLen {
		return f, errReply(badRequest(longErr))
	}
	ents, _ := json.Marshal(f.entities)
	f.key = f.plain + "\x00" + string(ents)
	return f, nil
}

func errReply(r reply) *reply { return &r }

// utf16Len is the length Telegram measures texts in.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n++
		if r > 0xFFFF {
			n++
		}
	}
	return n
}

// htmlTags are the start tags Telegram's HTML parse mode accepts.
var htmlTags = map[string]bool{
	"a": true, "b": true, "strong": true, "i": true, "em": true, "s": true,
	"strike": true, "del": true, "u": true, "ins": true, "tg-spoiler": true,
	"tg-emoji": true, "span": true, "pre": true, "code": true, "blockquote": true,
}

var htmlEntityTypes = map[string]string{
	"b": "bold", "strong": "bold", "i": "italic", "em": "italic",
	"s": "strikethrough", "strike": "strikethrough", "del": "strikethrough",
	"u": "underline", "ins": "underline", "tg-spoiler": "spoiler", "span": "spoiler",
	"pre": "pre", "code": "code", "blockquote": "blockquote", "a": "text_link",
	"tg-emoji": "custom_emoji",
}

// parseHTML follows tdlib's parse_html (td/telegram/MessageEntity.cpp),
// including its error messages, and returns the plain text with entities.
func parseHTML(s string) (string, []map[string]any, error) {
	at := func(i int) byte {
		if i < len(s) {
			return s[i]
		}
		return 0
	}
	type open struct {
		tag, arg    string
		off, bufPos int
	}
	var (
		out   []byte
		u16   int
		stack []open
		ents  []map[string]any
	)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '&' {
			if r, n := decodeHTMLEntity(s, i); r != 0 {
				out = utf8.AppendRune(out, r)
				u16 += utf16Len(string(r))
				i += n - 1
				continue
			}
		}
		if c != '<' {
			if c&0xC0 != 0x80 {
				u16++
				if c >= 0xF0 {
					u16++
				}
			}
			out = append(out, c)
			continue
		}
		begin := i
		i++
		if at(i) != '/' {
			for !isSpace(at(i)) && at(i) != '>' {
				i++
			}
			if at(i) == 0 {
				return "", nil, fmt.Errorf("Unclosed start tag at byte offset %d", begin)
			}
			tag := strings.ToLower(s[begin+1 : i])
			if !htmlTags[tag] {
				return "", nil, fmt.Errorf("Unsupported start tag %q at byte offset %d", tag, begin)
			}
			arg := ""
			for at(i) != '>' {
				for at(i) != 0 && isSpace(at(i)) {
					i++
				}
				if at(i) == '>' {
					break
				}
				nameBegin := i
				for c := at(i); !isSpace(c) && c != '=' && c != '>' && c != '/' && c != '"' && c != '\''; c = at(i) {
					i++
				}
				name := s[nameBegin:i]
				if name == "" {
					return "", nil, fmt.Errorf("Empty attribute name in the tag %q at byte offset %d", tag, begin)
				}
				for at(i) != 0 && isSpace(at(i)) {
					i++
				}
				if at(i) != '=' {
					if at(i) == 0 {
						return "", nil, fmt.Errorf("Unclosed start tag %q at byte offset %d", tag, begin)
					}
					if tag == "blockquote" && name == "expandable" {
						arg = "1"
					}
					continue
				}
				i++
				for at(i) != 0 && isSpace(at(i)) {
					i++
				}
				if at(i) == 0 {
					return "", nil, fmt.Errorf("Unclosed start tag %q at byte offset %d", tag, begin)
				}
				var value string
				if q := at(i); q != '\'' && q != '"' {
					tokenBegin := i
					for c := at(i); isAlnum(c) || c == '.' || c == '-'; c = at(i) {
						i++
					}
					value = strings.ToLower(s[tokenBegin:i])
					if !isSpace(at(i)) && at(i) != '>' {
						return "", nil, fmt.Errorf("Unexpected end of name token at byte offset %d", tokenBegin)
					}
				} else {
					i++
					var v []byte
					for at(i) != q && at(i) != 0 {
						if at(i) == '&' {
							if r, n := decodeHTMLEntity(s, i); r != 0 {
								v = utf8.AppendRune(v, r)
								i += n
								continue
							}
						}
						v = append(v, s[i])
						i++
					}
					if at(i) == q {
						i++
					}
					value = string(v)
				}
				if at(i) == 0 {
					return "", nil, fmt.Errorf("Unclosed start tag at byte offset %d", begin)
				}
				switch {
				case tag == "a" && name == "href", tag == "tg-emoji" && name == "emoji-id":
					arg = value
				case tag == "code" && name == "class" && strings.HasPrefix(value, "language-"):
					arg = value[len("language-"):]
				case tag == "span" && name == "class" && strings.HasPrefix(value, "tg-"):
					arg = value[len("tg-"):]
				case tag == "blockquote" && name == "expandable":
					arg = "1"
				}
			}
			if tag == "span" && arg != "spoiler" {
				return "", nil, fmt.Errorf("Tag \"span\" must have class \"tg-spoiler\" at byte offset %d", begin)
			}
			stack = append(stack, open{tag: tag, arg: arg, off: u16, bufPos: len(out)})
			continue
		}
		if len(stack) == 0 {
			return "", nil, fmt.Errorf("Unexpected end tag at byte offset %d", begin)
		}
		for !isSpace(at(i)) && at(i) != '>' {
			i++
		}
		endTag := strings.ToLower(s[begin+2 : i])
		for isSpace(at(i)) && at(i) != 0 {
			i++
		}
		if at(i) != '>' {
			return "", nil, fmt.Errorf("Unclosed end tag at byte offset %d", begin)
		}
		top := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if endTag != "" && endTag != top.tag {
			return "", nil, fmt.Errorf("Unmatched end tag at byte offset %d, expected \"</%s>\", found \"</%s>\"", begin, top.tag, endTag)
		}
		if u16 > top.off {
			e := htmlEntity(top.tag, top.arg, top.off, u16-top.off, string(out[top.bufPos:]))
			if last := len(ents) - 1; top.tag == "pre" && last >= 0 && ents[last]["type"] == "code" &&
				ents[last]["offset"] == e["offset"] && ents[last]["length"] == e["length"] && ents[last]["language"] != nil {
				ents[last]["type"] = "pre" // <pre><code class="language-x">
				continue
			}
			ents = append(ents, e)
		}
	}
	if len(stack) > 0 {
		return "", nil, fmt.Errorf("Can't find end tag corresponding to start tag %q", stack[len(stack)-1].tag)
	}
	for _, e := range ents {
		if e["type"] == "code" {
			delete(e, "language") // only pre entities carry a language
		}
	}
	return string(out), ents, nil
}

func htmlEntity(tag, arg string, off, length int, inner string) map[string]any {
	e := map[string]any{"type": htmlEntityTypes[tag], "offset": off, "length": length}
	switch tag {
	case "a":
		if arg == "" {
			arg = inner
		}
		e["url"] = arg
	case "code":
		if arg != "" {
			e["language"] = arg
		}
	case "blockquote":
		if arg != "" {
			e["type"] = "expandable_blockquote"
		}
	case "tg-emoji":
		e["custom_emoji_id"] = arg
	}
	return e
}

// decodeHTMLEntity decodes &lt; &gt; &amp; &quot; and numeric references at
// s[pos]; it returns 0 for anything else, which Telegram keeps verbatim.
func decodeHTMLEntity(s string, pos int) (rune, int) {
	at := func(i int) byte {
		if i < len(s) {
			return s[i]
		}
		return 0
	}
	end := pos + 1
	var res int64
	if at(pos+1) == '#' {
		end++
		if at(pos+2) == 'x' {
			end++
			for isHex(at(end)) {
				res = res*16 + int64(hexVal(at(end)))
				end++
			}
		} else {
			for c := at(end); c >= '0' && c <= '9'; c = at(end) {
				res = res*10 + int64(c-'0')
				end++
			}
		}
		if res <= 0 || res >= 0x10FFFF || end-pos >= 10 {
			return 0, 0
		}
	} else {
		for c := at(end); (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); c = at(end) {
			end++
		}
		switch s[pos+1 : end] {
		case "lt":
			res = '<'
		case "gt":
			res = '>'
		case "amp":
			res = '&'
		case "quot":
			res = '"'
		default:
			return 0, 0
		}
	}
	if at(end) == ';' {
		end++
	}
	return rune(res), end - pos
}

// isSpace matches tdlib's is_space, which also treats NUL (end of text) as
// space.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == 0 || c == '\v'
}

func isAlnum(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func hexVal(c byte) int {
	switch {
	case c >= 'a':
		return int(c-'a') + 10
	case c >= 'A':
		return int(c-'A') + 10
	}
	return int(c - '0')
}

// markup is a validated reply_markup.
type markup struct {
	inline  any    // decoded inline_keyboard, echoed in answers; nil if none
	key     string // canonical JSON of inline_keyboard; "" if none
	buttons [][]Button
}

// inlineButtonKinds are the fields that give an inline button an action.
var inlineButtonKinds = []string{
	"url", "callback_data", "web_app", "login_url", "switch_inline_query",
	"switch_inline_query_current_chat", "switch_inline_query_chosen_chat",
	"copy_text", "callback_game", "pay",
}

// parseMarkup validates reply_markup like Telegram does. Only inline
// keyboards are kept; reply keyboards and friends are accepted as they are.
func parseMarkup(raw string) (markup, *reply) {
	var m markup
	if raw == "" {
		return m, nil
	}
	var v any
	if err := json.Unmarshal([]byte(raw), &v); err != nil {
		return m, errReply(badRequest("can't parse reply keyboard markup JSON object"))
	}
	obj, isObj := v.(map[string]any)
	if !isObj {
		return m, errReply(badRequest("object expected as reply markup"))
	}
	kb, has := obj["inline_keyboard"]
	if !has {
		return m, nil
	}
	const notRows = `field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays`
	rows, isArr := kb.([]any)
	if !isArr {
		return m, errReply(badRequest(notRows))
	}
	for _, row := range rows {
		cells, isArr := row.([]any)
		if !isArr {
			return m, errReply(badRequest(notRows))
		}
		var line []Button
		for _, cell := range cells {
			b, rep := parseInlineButton(cell)
			if rep != nil {
				return m, rep
			}
			line = append(line, b)
		}
		m.buttons = append(m.buttons, line)
	}
	if len(rows) > 0 {
		canon, _ := json.Marshal(rows)
		m.inline, m.key = rows, string(canon)
	}
	return m, nil
}

func parseInlineButton(cell any) (Button, *reply) {
	const prefix = "can't parse inline keyboard button: "
	obj, isObj := cell.(map[string]any)
	if !isObj {
		return Button{}, errReply(badRequest(prefix + "InlineKeyboardButton must be an Object"))
	}
	text, isStr := obj["text"].(string)
	if !isStr {
		return Button{}, errReply(badRequest(prefix + `Can't find field "text"`))
	}
	b := Button{Text: text}
	b.URL, _ = obj["url"].(string)
	if data, has := obj["callback_data"]; has {
		str, isStr := data.(string)
		if !isStr || str == "" || len(str) > maxCallbackDataLen {
			return b, errReply(badRequest("BUTTON_DATA_INVALID"))
		}
		b.Data = str
	}
	for _, kind := range inlineButtonKinds {
		if _, has := obj[kind]; has {
			return b, nil
		}
	}
	return b, errReply(badRequest(prefix + "Text buttons are unallowed in the inline keyboard"))
}
