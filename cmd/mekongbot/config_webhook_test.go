package main

import (
	"strings"
	"testing"
)

func TestWebhookConfig(t *testing.T) {
	const secret = "Abc_123-xyz"
	tests := []struct {
		name    string
		env     map[string]string
		problem string // "" for none; else the variable whose problem is shown
		hidden  string // a value that must not appear in the problems
	}{
		{"polling", map[string]string{}, "", ""},
		{"webhook", map[string]string{"WEBHOOK_URL": "https://bot.example.org/tg/h00k", "WEBHOOK_SECRET": secret}, "", ""},
		{"no secret", map[string]string{"WEBHOOK_URL": "https://bot.example.org/tg/h00k"}, "WEBHOOK_SECRET", "h00k"},
		{"bad secret", map[string]string{"WEBHOOK_URL": "https://bot.example.org/x", "WEBHOOK_SECRET": "has space s3cr3t"}, "WEBHOOK_SECRET", "s3cr3t"},
		{"secret too long", map[string]string{"WEBHOOK_URL": "https://bot.example.org/x", "WEBHOOK_SECRET": strings.Repeat("a", 257)}, "WEBHOOK_SECRET", strings.Repeat("a", 257)},
		{"secret without url", map[string]string{"WEBHOOK_SECRET": secret}, "WEBHOOK_SECRET", secret},
		{"not a url", map[string]string{"WEBHOOK_URL": "ftp://h/p4th", "WEBHOOK_SECRET": secret}, "WEBHOOK_URL", "p4th"},
		{"query", map[string]string{"WEBHOOK_URL": "https://h/p?k=s3cr3t", "WEBHOOK_SECRET": secret}, "WEBHOOK_URL", "s3cr3t"},
		{"reserved path", map[string]string{"WEBHOOK_URL": "https://h/metrics", "WEBHOOK_SECRET": secret}, "WEBHOOK_URL", secret},
		{"flood rate", map[string]string{"FLOOD_RATE": "fast"}, "FLOOD_RATE", ""},
		{"delete webhook", map[string]string{"DELETE_WEBHOOK": "maybe"}, "DELETE_WEBHOOK", ""},
		{"pprof", map[string]string{"PPROF": "true"}, "", ""},
		{"bad pprof", map[string]string{"PPROF": "please"}, "PPROF", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{"TELEGRAM_BOT_TOKEN": testToken}
			for k, v := range tc.env {
				env[k] = v
			}
			cfg, err := ParseServeConfig(func(k string) string { return env[k] })
			switch {
			case tc.problem == "" && err != nil:
				t.Fatalf("unexpected problems: %v", err)
			case tc.problem != "" && (err == nil || !strings.Contains(err.Error(), "\n  "+tc.problem+": ")):
				t.Fatalf("problems %v, want one for %s", err, tc.problem)
			case err != nil && tc.hidden != "" && strings.Contains(err.Error(), tc.hidden):
				t.Errorf("the problem shows %q: %v", tc.hidden, err)
			case err != nil && strings.Count(err.Error(), "\n") != 1:
				t.Errorf("want one line per problem, got %q", err)
			}
			if tc.name == "webhook" && (cfg.WebhookURL == "" || cfg.WebhookSecret != secret) {
				t.Errorf("config %+v", cfg)
			}
			if cfg.Pprof != (tc.name == "pprof") {
				t.Errorf("Pprof = %v with %v", cfg.Pprof, tc.env)
			}
		})
	}
}
