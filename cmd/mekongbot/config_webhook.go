package main

import (
	"net/url"
	"regexp"
	"strconv"
)

// secretPattern is what Telegram accepts as a webhook secret_token.
var secretPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)

// reservedPaths are served by the bot itself and cannot be the webhook's.
var reservedPaths = map[string]bool{"/healthz": true, "/readyz": true, "/metrics": true}

// webhook reads WEBHOOK_URL and WEBHOOK_SECRET. Neither value is ever
// repeated in a problem: the URL's path is often a secret too.
func (p *parser) webhook() (string, string) {
	raw, secret := p.getenv("WEBHOOK_URL"), p.getenv("WEBHOOK_SECRET")
	if raw == "" {
		if secret != "" {
			p.fail("WEBHOOK_SECRET", "is set but WEBHOOK_URL is not: set both for webhook mode, or neither for polling")
		}
		return "", ""
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "":
		p.fail("WEBHOOK_URL", "is not a webhook URL (https://host[:port]/path without query, like https://bot.example.org/telegram/hook; value not shown)")
	case reservedPaths[webhookPath(u)]:
		p.fail("WEBHOOK_URL", "its path is one the bot serves itself (/healthz, /readyz, /metrics): choose another")
	}
	switch {
	case secret == "":
		p.fail("WEBHOOK_SECRET", "is required when WEBHOOK_URL is set: 1-256 characters A-Z a-z 0-9 _ -, random")
	case !secretPattern.MatchString(secret):
		p.fail("WEBHOOK_SECRET", "must be 1-256 characters A-Z a-z 0-9 _ - (value not shown)")
	}
	return raw, secret
}

// webhookPath is the path the webhook is served on: that of its URL.
func webhookPath(u *url.URL) string {
	if u.Path == "" {
		return "/"
	}
	return u.Path
}

func (p *parser) boolean(name string) bool {
	v := p.getenv(name)
	if v == "" {
		return false
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		p.fail(name, "%q is not true or false", v)
	}
	return b
}

func (p *parser) floodRate(name string, def float64) float64 {
	v := p.getenv(name)
	if v == "" {
		return def
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f < 0 || f > 10000 {
		p.fail(name, "%q is not a rate (updates a second one chat may send, like 1; 0 turns the limit off)", v)
		return def
	}
	return f
}
