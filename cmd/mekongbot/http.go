package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"net/url"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"mekongbot/bot"
)

// serveHTTP serves, on addr:
//
//	GET  /healthz     the process is alive
//	GET  /readyz      content loaded and Redis answers (503 otherwise)
//	GET  /metrics     Prometheus metrics (see README, Operations)
//	POST <path>       the webhook, at WEBHOOK_URL's path (webhook mode only)
//	GET  /debug/pprof/ Go's profiles (only with PPROF=true)
//
// It returns a func that shuts the server down; call it after the bot has
// stopped, so that webhook requests during the drain are answered (503).
func serveHTTP(ctx context.Context, cfg ServeConfig, a *app, b *bot.Bot, m *bot.Metrics, log *slog.Logger) (func(), error) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if err := a.ready(r.Context()); err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ready")
	})
	mux.Handle("GET /metrics", m.Handler())
	if cfg.Pprof {
		servePprof(mux)
	}
	if cfg.WebhookURL != "" {
		u, err := url.Parse(cfg.WebhookURL)
		if err != nil {
			return nil, fmt.Errorf("webhook URL: %w", err) // checked by ParseServeConfig
		}
		mux.Handle("POST "+webhookPath(u), b.WebhookHandler())
	}
	ln, err := net.Listen("tcp", cfg.ListenAddr)
	if err != nil {
		return nil, fmt.Errorf("listen on LISTEN_ADDR %s: %w", cfg.ListenAddr, err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("http server stopped; health, metrics and webhook are gone", "err", err)
		}
	}()
	return func() {
		shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdownCtx)
	}, nil
}

// servePprof mounts net/http/pprof's handlers on mux (not on the default
// mux, which the bot does not serve).
func servePprof(mux *http.ServeMux) {
	mux.HandleFunc("GET /debug/pprof/", pprof.Index)
	mux.HandleFunc("GET /debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
}

// ready says why the bot cannot serve: content not loaded or Redis silent.
func (a *app) ready(ctx context.Context) error {
	if a.catalog == nil || len(a.catalog.IDs()) == 0 || a.text == nil {
		return errors.New("content not loaded")
	}
	pingCtx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	if err := a.redis.Ping(pingCtx).Err(); err != nil {
		return errors.New("redis unavailable")
	}
	return nil
}

// instrument connects the app's parts to the metrics: missing translations
// of interface strings and of pages, and Redis errors.
func instrument(a *app, m *bot.Metrics) {
	a.text.OnMissing = m.MissingTranslation
	m.Registry().MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "mekongbot_page_translations_missing_total",
		Help: "Handbook pages shown in English because the language lacks them.",
	}, func() float64 { return float64(a.catalog.Missing()) }))
}
