// Package locales holds the interface strings (buttons, prompts, errors) as
// go-i18n message files, one per language, embedded in the binary, and the
// bundle that serves them with English as the fallback.
package locales
