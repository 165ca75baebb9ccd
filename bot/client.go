package bot

import (
	"net"
	"net/http"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// DefaultEndpoint is the Bot API endpoint format the v5 library uses.
const DefaultEndpoint = tgbotapi.APIEndpoint

// newAPI builds a Bot API client with an HTTP timeout. The library's own
// constructor uses a client without one and calls getMe; we do neither.
func newAPI(token, endpoint string, timeout time.Duration) *tgbotapi.BotAPI {
	transport := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout:   5 * time.Second,
		ResponseHeaderTimeout: timeout,
		MaxIdleConnsPerHost:   32,
		IdleConnTimeout:       90 * time.Second,
	}
	api := &tgbotapi.BotAPI{
		Token:  token,
		Client: &http.Client{Timeout: timeout, Transport: transport},
		Buffer: 0,
	}
	api.SetAPIEndpoint(endpoint)
	return api
}
