package flows

import "strings"

// MaxStartParam is Telegram's limit for a deep link's start parameter.
const MaxStartParam = 64

// StartParam is the start parameter of a link that opens page id, in lang
// when lang is not "". Telegram allows only A-Z a-z 0-9 _ - there, and page
// ids are made of a-z 0-9 . -, so '.' is written '_' and the language follows
// as '-' and its code in capitals: "pre.fees" in Khmer is "pre_fees-KM".
// Page ids never hold '_' or a capital, so ParseStartParam reads it back
// unambiguously. Page ids are at most 20 bytes, well under MaxStartParam.
func StartParam(page, lang string) string {
	s := strings.ReplaceAll(page, ".", "_")
	if lang != "" {
		s += "-" + strings.ToUpper(lang)
	}
	return s
}

// ParseStartParam reads a start parameter made by StartParam, or a plain page
// id as links made before it carried ("pre.fees"). The page is not checked;
// lang is "" when the parameter names no language or one the bot does not
// speak (the page still opens).
func ParseStartParam(s string) (page, lang string) {
	if n := len(s); n > 3 && s[n-3] == '-' && isUpper(s[n-2]) && isUpper(s[n-1]) {
		lang = SupportedLang(s[n-2:])
		s = s[:n-3]
	}
	return strings.ReplaceAll(s, "_", "."), lang
}

func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }

// DeepLink is the t.me link that opens page in the bot called botName (in
// lang when not ""); "" when the bot's name is not known.
func DeepLink(botName, page, lang string) string {
	if botName == "" {
		return ""
	}
	return "https://t.me/" + botName + "?start=" + StartParam(page, lang)
}
