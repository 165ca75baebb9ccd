// Package flowstest owns the behavioural contract of flows.Store.
//
// StoreContract is a table-driven suite that every Store implementation
// (flows.MemStore, the Redis store, any future one) runs from its own tests,
// so that they all agree on what "not found", "overwrite", "delete" and
// "cancelled context" mean. It depends only on the standard library and flows.
package flowstest
