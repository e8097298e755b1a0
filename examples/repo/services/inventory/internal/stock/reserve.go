// Package stock reserves inventory for carts (example repository for the telemetry demo).
package stock

import "sync"

// Ledger records reserved quantities per SKU.
type Ledger struct {
	mu    sync.Mutex
	holds map[string]int
}

// Reserver places holds on a Ledger; a zero Reserver has no ledger yet.
type Reserver struct {
	ledger *Ledger
}

// Reserve adds qty to the hold for sku.
func (l *Ledger) Reserve(sku string, qty int) {
	l.mu.Lock() // l is nil when the Reserver was never given a ledger
	defer l.mu.Unlock()
	l.holds[sku] += qty
}

func (r *Reserver) hold(sku string, qty int) {
	r.ledger.Reserve(sku, qty)
}
