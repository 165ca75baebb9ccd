package main

import (
	"errors"
	"fmt"
	"net"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"mekongbot/bot"
	"mekongbot/flows"
)

var errUsage = errors.New("usage")

// ServeConfig is the configuration of `mekongbot serve`, read only from the
// environment and validated before anything starts.
type ServeConfig struct {
	Token       string
	Endpoint    string
	RedisURL    string // empty: embedded in-process server
	KeyPrefix   string
	Admins      map[int64]bool
	ListenAddr  string
	SendRate    float64
	SessionTTL  time.Duration
	LogLevel    string
	LogHashKey  string
	PollTimeout time.Duration
	// StaffChatID is the chat where staff answer handover cases; 0: no
	// "talk to a person".
	StaffChatID int64
	StaffLang   string
	// Webhook mode when WebhookURL is set (WebhookSecret is then required).
	WebhookURL    string
	WebhookSecret string
	DeleteWebhook bool
	FloodRate     float64 // updates a second one chat may send; 0: no limit
	// Pprof serves net/http/pprof under /debug/pprof/ on ListenAddr, for
	// profiling under load (cmd/mekongbot-load -cpuprofile). Off by default:
	// profiles show code paths and timings to anyone who can reach the port.
	Pprof bool
}

// ConfigError lists every configuration problem, one per line.
type ConfigError struct{ Problems []string }

func (e *ConfigError) Error() string {
	return "configuration problems:\n  " + strings.Join(e.Problems, "\n  ")
}

var tokenPattern = regexp.MustCompile(`^[0-9]+:[A-Za-z0-9_-]+$`)

// ParseServeConfig reads and validates the environment.
func ParseServeConfig(getenv func(string) string) (ServeConfig, error) {
	p := &parser{getenv: getenv}
	c := ServeConfig{
		Token:       p.token(),
		Endpoint:    p.endpoint(),
		RedisURL:    getenv("REDIS_URL"),
		KeyPrefix:   p.str("REDIS_KEY_PREFIX", "mekongbot:"),
		Admins:      p.ids("BOT_ADMIN_IDS"),
		ListenAddr:  p.addr("LISTEN_ADDR", ":8080"),
		SendRate:    p.rate("SEND_RATE", 25),
		SessionTTL:  p.duration("SESSION_TTL", 180*24*time.Hour),
		LogLevel:    p.oneOf("LOG_LEVEL", "info", "debug", "info", "warn", "error"),
		LogHashKey:  getenv("LOG_HASH_KEY"),
		PollTimeout: p.duration("POLL_TIMEOUT", 30*time.Second),
		StaffChatID: p.chatID("STAFF_CHAT_ID"),
		StaffLang:   p.oneOf("STAFF_LANG", "en", flows.Languages...),
	}
	c.WebhookURL, c.WebhookSecret = p.webhook()
	c.DeleteWebhook = p.boolean("DELETE_WEBHOOK")
	c.FloodRate = p.floodRate("FLOOD_RATE", bot.DefaultFloodLimits.Rate)
	c.Pprof = p.boolean("PPROF")
	if len(p.problems) > 0 {
		return c, &ConfigError{Problems: p.problems}
	}
	return c, nil
}

// parser collects one problem per bad variable. Problems never repeat a
// secret's value.
type parser struct {
	getenv   func(string) string
	problems []string
}

func (p *parser) fail(name, format string, args ...any) {
	p.problems = append(p.problems, name+": "+fmt.Sprintf(format, args...))
}

func (p *parser) str(name, def string) string {
	if v := p.getenv(name); v != "" {
		return v
	}
	return def
}

func (p *parser) token() string {
	v := p.getenv("TELEGRAM_BOT_TOKEN")
	switch {
	case v == "":
		p.fail("TELEGRAM_BOT_TOKEN", "is required: the token BotFather gave you, like 123456789:AAE-xxxxxxxx")
	case !tokenPattern.MatchString(v):
		p.fail("TELEGRAM_BOT_TOKEN", "is not a bot token (expected digits, ':' and letters, like 123456789:AAE-xxxxxxxx)")
	}
	return v
}

func (p *parser) endpoint() string {
	v := p.str("TELEGRAM_API_ENDPOINT", bot.DefaultEndpoint)
	if strings.Count(v, "%s") != 2 || !(strings.HasPrefix(v, "http://") || strings.HasPrefix(v, "https://")) {
		p.fail("TELEGRAM_API_ENDPOINT", "%q must be an http(s) URL format with two %%s (token, method), like %s", v, bot.DefaultEndpoint)
	}
	return v
}

func (p *parser) ids(name string) map[int64]bool {
	out := map[int64]bool{}
	for _, f := range strings.FieldsFunc(p.getenv(name), func(r rune) bool { return r == ',' || r == ' ' }) {
		id, err := strconv.ParseInt(f, 10, 64)
		if err != nil || id <= 0 {
			p.fail(name, "%q is not a Telegram user id (comma-separated positive numbers, like 12345,67890)", f)
			continue
		}
		out[id] = true
	}
	return out
}

func (p *parser) chatID(name string) int64 {
	v := p.getenv(name)
	if v == "" {
		return 0
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id == 0 {
		p.fail(name, "%q is not a Telegram chat id (a number; groups are negative, like -1001234567890)", v)
	}
	return id
}

func (p *parser) addr(name, def string) string {
	v := p.str(name, def)
	if _, port, err := net.SplitHostPort(v); err != nil || port == "" {
		p.fail(name, "%q is not a listen address (host:port, like :8080 or 127.0.0.1:8080)", v)
	}
	return v
}

func (p *parser) rate(name string, def float64) float64 {
	v := p.getenv(name)
	if v == "" {
		return def
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f <= 0 || f > 1000 {
		p.fail(name, "%q is not a rate (messages per second, a number above 0 and at most 1000, like 25)", v)
		return def
	}
	return f
}

func (p *parser) duration(name string, def time.Duration) time.Duration {
	v := p.getenv(name)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		p.fail(name, "%q is not a duration (like 30s, 90m or 4320h)", v)
		return def
	}
	return d
}

func (p *parser) oneOf(name, def string, allowed ...string) string {
	v := p.str(name, def)
	for _, a := range allowed {
		if v == a {
			return v
		}
	}
	p.fail(name, "%q is not one of %s", v, strings.Join(allowed, ", "))
	return def
}

// AdminList returns the configured staff ids, sorted.
func (c ServeConfig) AdminList() []int64 {
	out := make([]int64, 0, len(c.Admins))
	for id := range c.Admins {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}
