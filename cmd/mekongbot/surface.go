package main

import (
	"mekongbot/bot"
	"mekongbot/flows"
	"mekongbot/locales"
)

// publicCommands and staffCommands are the command menus, each command with
// the locale message that describes it.
var (
	publicCommands = []struct{ name, msg string }{
		{"menu", "CmdMenu"}, {"checklist", "CmdChecklist"}, {"jobcheck", "CmdJobCheck"}, {"reminders", "CmdReminders"},
		{"search", "CmdSearch"}, {"language", "CmdLanguage"},
		{"settings", "CmdSettings"}, {"help", "CmdHelp"}, {"privacy", "CmdPrivacy"}, {"forget", "CmdForget"},
	}
	staffCommands = []struct{ name, msg string }{
		{"broadcast", "CmdBroadcast"}, {"stats", "CmdStats"}, {"staff", "CmdStaff"},
		{"link", "CmdLink"},
	}
)

// surface is what Telegram shows before anyone writes: the command menu and
// the bot's descriptions in every language (English as the default), and a
// longer menu in the chats of the configured staff.
func surface(text *locales.Bundle, cfg ServeConfig) *bot.Surface {
	s := &bot.Surface{
		Commands:         map[string][]bot.Command{},
		Description:      map[string]string{},
		ShortDescription: map[string]string{},
		StaffIDs:         cfg.AdminList(),
	}
	for _, lang := range append([]string{""}, flows.Languages...) {
		l := lang
		if l == "" {
			l = flows.DefaultLang
		}
		for _, c := range publicCommands {
			s.Commands[lang] = append(s.Commands[lang], bot.Command{Name: c.name, Description: text.Text(l, c.msg, nil)})
		}
		s.Description[lang] = text.Text(l, "BotDescription", nil)
		s.ShortDescription[lang] = text.Text(l, "BotShortDescription", nil)
	}
	s.StaffCommands = append(s.StaffCommands, s.Commands[cfg.StaffLang]...)
	for _, c := range staffCommands {
		s.StaffCommands = append(s.StaffCommands, bot.Command{Name: c.name, Description: text.Text(cfg.StaffLang, c.msg, nil)})
	}
	return s
}
