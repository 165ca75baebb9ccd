package bot

import (
	"context"
	"strconv"
	"testing"
	"time"

	"mekongbot/bot/redisstore"
	"mekongbot/bot/redisstore/redistest"
	"mekongbot/content"
	"mekongbot/flows"
	"mekongbot/locales"
)

// BenchmarkProcessPress is the bot's own work for the common update, a
// known person pressing a button, short of Telegram: decode the update,
// the engine on the real handbook and strings with the session in Redis
// (cached, as when polling), and rendering the reply. Profile with
//
//	go test ./bot -run '^$' -bench ProcessPress -cpuprofile cpu.out
func BenchmarkProcessPress(b *testing.B) {
	catalog, err := content.Load()
	if err != nil {
		b.Fatal(err)
	}
	text, err := locales.Load()
	if err != nil {
		b.Fatal(err)
	}
	client, prefix := redistest.Client(b)
	store := redisstore.New(client, prefix, time.Hour, redisstore.CacheSessions(1000))
	engine := flows.NewEngine(flows.Config{Store: store, Catalog: catalog, Text: text, MoU: catalog})
	const chat = 1234567890
	ctx := context.Background()
	if err := store.Save(ctx, chat, flows.Session{Lang: "km", Role: flows.RoleWorker, Page: flows.RootPage}); err != nil {
		b.Fatal(err)
	}
	presses := []string{flows.Press{Action: flows.ActOpen, Arg: "pre"}.Encode(), flows.Press{Action: flows.ActBack}.Encode()}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		raw := pressUpdate(812345678+i, chat, presses[i%2])
		u, err := decodeUpdate(raw)
		if err != nil {
			b.Fatal(err)
		}
		in, _ := toEvent(u)
		replies, err := engine.Process(ctx, in.event)
		if err != nil || len(replies) == 0 {
			b.Fatalf("Process = %v, %v", replies, err)
		}
		for _, r := range replies {
			_ = render(r)
		}
	}
}

func pressUpdate(id int, chat int64, data string) []byte {
	return []byte(`{"update_id":` + strconv.Itoa(id) + `,"callback_query":{"id":"q` + strconv.Itoa(id) + `","from":{"id":` + strconv.FormatInt(chat, 10) +
		`,"is_bot":false,"first_name":"A","language_code":"km"},"message":{"message_id":7,"date":1,"chat":{"id":` +
		strconv.FormatInt(chat, 10) + `,"type":"private"},"text":"menu"},"chat_instance":"1","data":"` + data + `"}}`)
}
