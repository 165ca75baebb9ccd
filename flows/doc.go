// Package flows is mekongbot's domain: the conversation itself.
//
// An Event (a command, a text, a button press or another kind of message)
// goes in together with the chat's Session; Reply values and the new Session
// come out. Nothing here knows about Telegram, Redis or go-i18n: the package
// defines the interfaces it needs (Store, Catalog, Localizer) and adapters in
// other packages implement them. This keeps every flow testable as a plain
// table and lets the terminal chat mode reuse everything.
package flows
