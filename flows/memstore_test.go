package flows_test

import (
	"testing"

	"mekongbot/flows"
	"mekongbot/flows/flowstest"
)

func TestMemStoreContract(t *testing.T) {
	flowstest.StoreContract(t, func(*testing.T) flows.Store { return flows.NewMemStore() })
}
