package redisstore

import (
	"cmp"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// redacted replaces a password wherever it is shown.
const redacted = "xxxxx"

// errMalformed is returned for a URL whose userinfo net/url does not read as
// written. The parser's own message would quote the password, so it is not
// shown.
var errMalformed = errors.New("malformed URL (percent-encode special characters in the password)")

// Redact returns spec (a Redis URL, host:port, or a comma-separated list of
// them, as Open takes) with every password replaced by "xxxxx", so that it
// can be logged. It also hides passwords in URLs that do not parse.
func Redact(spec string) string {
	parts := strings.Split(spec, ",")
	for i, p := range parts {
		parts[i] = redactOne(strings.TrimSpace(p))
	}
	return strings.Join(parts, ",")
}

func redactOne(spec string) string {
	if spec == "" {
		return ""
	}
	raw := withScheme(spec)
	out := redactByHand(raw)
	if u, ok := parseClean(raw); ok {
		out = u.Redacted()
	}
	if raw != spec { // bare host:port
		return strings.TrimPrefix(out, "redis://")
	}
	return out
}

// userinfo is the part of a URL between "://" and the last '@', cut by hand
// so that it is found even when net/url cannot parse the URL.
type userinfo struct {
	user, pass string
	hasPass    bool
	start, end int // where it is in the URL
}

func cutUserinfo(raw string) (userinfo, bool) {
	_, rest, ok := strings.Cut(raw, "://")
	at := strings.LastIndex(rest, "@")
	if !ok || at < 0 {
		return userinfo{}, false
	}
	ui := userinfo{start: len(raw) - len(rest)}
	ui.end = ui.start + at
	ui.user, ui.pass, ui.hasPass = strings.Cut(rest[:at], ":")
	return ui, true
}

// parseClean parses raw and reports whether net/url saw the same password
// (or absence of one) as cutUserinfo: only then is its reading trusted.
func parseClean(raw string) (*url.URL, bool) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, false
	}
	ui, _ := cutUserinfo(raw)
	_, urlHasPass := u.User.Password()
	return u, ui.hasPass == urlHasPass
}

// redactByHand hides everything between the first ':' of the hand-cut
// userinfo and the last '@', erring on the side of hiding too much.
func redactByHand(raw string) string {
	ui, ok := cutUserinfo(raw)
	if !ok || !ui.hasPass {
		return raw
	}
	return raw[:ui.start] + ui.user + ":" + redacted + raw[ui.end:]
}

// checkSpec rejects a spec with a URL that does not parse cleanly, before
// any parser can quote its password in an error.
func checkSpec(spec string) error {
	parts := strings.Split(spec, ",")
	for i, p := range parts {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		if _, ok := parseClean(withScheme(p)); ok {
			continue
		}
		if len(parts) > 1 {
			return fmt.Errorf("cluster seed %d: %w", i+1, errMalformed)
		}
		return errMalformed
	}
	return nil
}

// secrets returns every spelling of every password in spec that an error
// message might contain, longest first.
func secrets(spec string) []string {
	var out []string
	for _, p := range strings.Split(spec, ",") {
		raw := withScheme(strings.TrimSpace(p))
		if ui, _ := cutUserinfo(raw); ui.pass != "" {
			out = append(out, ui.pass)
		}
		if u, err := url.Parse(raw); err == nil {
			pass, _ := u.User.Password()
			out = append(out, pass)
		}
	}
	return spellings(out)
}

// spellings adds the unescaped and Go-quoted forms of each secret.
func spellings(secrets []string) []string {
	var out []string
	for _, s := range secrets {
		if s == "" {
			continue
		}
		un, err := url.PathUnescape(s)
		if err != nil {
			un = s
		}
		for _, v := range []string{s, un} {
			q := strconv.Quote(v)
			out = append(out, v, q[1:len(q)-1])
		}
	}
	slices.SortFunc(out, func(a, b string) int {
		return cmp.Or(cmp.Compare(len(b), len(a)), strings.Compare(a, b))
	})
	return slices.Compact(out)
}

// redactedError is an error whose message has the passwords of a spec
// removed. Unwrap still gives the original error, for errors.Is and As;
// print the redactedError itself, not what it wraps.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// redactErr hides the passwords of spec in err's message.
func redactErr(err error, spec string) error {
	msg := err.Error()
	for _, s := range secrets(spec) {
		msg = strings.ReplaceAll(msg, s, redacted)
	}
	return &redactedError{msg: msg, err: err}
}
