package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"mekongbot/flows"
)

// chatOptions are the flags of `mekongbot chat`.
type chatOptions struct {
	lang  string
	user  int64
	admin bool
}

func parseChatFlags(args []string, stderr io.Writer) (chatOptions, error) {
	var o chatOptions
	fs := flag.NewFlagSet("chat", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.lang, "lang", "", "the language your Telegram app would report (km lo my vi th zh en)")
	fs.Int64Var(&o.user, "user", 1, "the user and chat id to talk as")
	fs.BoolVar(&o.admin, "admin", false, "talk as a staff member")
	if err := fs.Parse(args); err != nil {
		return o, errUsage
	}
	if o.lang != "" && flows.SupportedLang(o.lang) == "" {
		fmt.Fprintf(stderr, "--lang %q is not one of %s\n", o.lang, strings.Join(flows.Languages, " "))
		return o, errUsage
	}
	return o, nil
}

// chat runs the conversation in a terminal: buttons are numbered, a number
// presses one, anything else is sent as typed text. It reads to end of input.
func chat(ctx context.Context, args []string, env Env) error {
	o, err := parseChatFlags(args, env.Stderr)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	c := appConfig{RedisURL: env.Getenv("REDIS_URL"), Prefix: "mekongbot-chat:", SessionTTL: 24 * time.Hour, StaffLang: flows.DefaultLang}
	if o.admin {
		c.Admins = []int64{o.user}
	}
	a, err := openApp(ctx, c, log, env.Stderr)
	if err != nil {
		return err
	}
	defer a.close()
	t := &terminal{engine: a.engine, out: env.Stdout, opts: o, echo: !isTerminal(env.Stdin)}
	return t.run(ctx, env.Stdin)
}

// terminal holds the state of one terminal conversation.
type terminal struct {
	engine  *flows.Engine
	out     io.Writer
	opts    chatOptions
	echo    bool
	buttons []pressable // the buttons shown last, numbered from 1
	nextMsg int
}

type pressable struct {
	data      string
	messageID int
}

func (t *terminal) run(ctx context.Context, in io.Reader) error {
	if err := t.send(ctx, flows.Event{Kind: flows.KindCommand, Command: "start"}); err != nil {
		return err
	}
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() && ctx.Err() == nil {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		if t.echo {
			fmt.Fprintf(t.out, "> %s\n", line)
		}
		if err := t.send(ctx, t.eventFor(line)); err != nil {
			return err
		}
	}
	return sc.Err()
}

// eventFor turns a typed line into what Telegram would deliver.
func (t *terminal) eventFor(line string) flows.Event {
	if n, err := strconv.Atoi(line); err == nil && n >= 1 && n <= len(t.buttons) {
		b := t.buttons[n-1]
		return flows.Event{Kind: flows.KindButton, Data: b.data, MessageID: b.messageID}
	}
	if strings.HasPrefix(line, "/") {
		head, args, _ := strings.Cut(line[1:], " ")
		return flows.Event{Kind: flows.KindCommand, Command: strings.ToLower(head), Text: strings.TrimSpace(args)}
	}
	return flows.Event{Kind: flows.KindText, Text: line}
}

func (t *terminal) send(ctx context.Context, ev flows.Event) error {
	ev.ChatID, ev.UserID, ev.ClientLang = t.opts.user, t.opts.user, t.opts.lang
	replies, err := t.engine.Process(ctx, ev)
	if err != nil {
		fmt.Fprintln(t.out, "(error:", err, ")")
	}
	t.buttons = t.buttons[:0]
	for _, r := range replies {
		t.print(r)
	}
	return nil
}

func (t *terminal) print(r flows.Reply) {
	t.nextMsg++
	if r.ChatID != 0 && r.ChatID != t.opts.user {
		fmt.Fprintf(t.out, "(to chat %d)\n", r.ChatID)
	}
	if r.Note != "" {
		fmt.Fprintf(t.out, "(%s)\n", r.Note)
	}
	if r.Title != "" {
		fmt.Fprintf(t.out, "== %s ==\n", r.Title)
	}
	if r.Text != "" {
		fmt.Fprintln(t.out, r.Text)
	}
	for _, row := range r.Buttons {
		cells := make([]string, 0, len(row))
		for _, b := range row {
			t.buttons = append(t.buttons, pressable{data: b.Data, messageID: t.nextMsg})
			cells = append(cells, fmt.Sprintf("[%d] %s", len(t.buttons), b.Text))
		}
		fmt.Fprintln(t.out, "  "+strings.Join(cells, "   "))
	}
	fmt.Fprintln(t.out)
}

func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
