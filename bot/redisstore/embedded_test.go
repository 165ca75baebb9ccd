package redisstore_test

import (
	"testing"
	"time"

	"mekongbot/bot/redisstore"
	"mekongbot/flows"
	"mekongbot/flows/flowstest"
)

func TestEmbeddedStoreContract(t *testing.T) {
	flowstest.StoreContractWith(t, func(t *testing.T) flows.Store {
		client, stop, err := redisstore.Embedded()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(stop)
		return redisstore.New(client, "mekongbot:", time.Hour)
	}, flowstest.Options{CancelledContextFails: true})
}
