package visitor

import (
	"math/rand/v2"
	"testing"
)

// TestVisitTableAgainstMap drives the table and a map with the same random
// puts, removals and sweeps, in a small id space so that clusters are long
// and wrap around the end, and checks after each step that they agree.
func TestVisitTableAgainstMap(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var tab visitTable
	want := map[uint64]visitSlot{}
	check := func(step int) {
		t.Helper()
		if tab.n != len(want) {
			t.Fatalf("step %d: table holds %d, map %d", step, tab.n, len(want))
		}
		for v, s := range want {
			i := tab.find(v)
			if i < 0 || tab.slots[i] != s {
				t.Fatalf("step %d: visitor %d: found at %d, want %+v", step, v, i, s)
			}
		}
		seen := 0
		tab.each(func(s visitSlot) {
			if want[s.visitor] != s {
				t.Fatalf("step %d: stray slot %+v", step, s)
			}
			seen++
		})
		if seen != len(want) {
			t.Fatalf("step %d: %d slots, want %d", step, seen, len(want))
		}
	}
	for step := range 20000 {
		// Ids spread over the whole range (their home is the high bits),
		// few enough that they recur.
		v := (r.Uint64N(3000) + 1) * (1 << 64 / 3001)
		switch op := r.IntN(100); {
		case op < 60:
			s := visitSlot{visitor: v, start: uint16(step), last: uint32(step + 1), events: uint16(step % 7)}
			tab.put(s)
			want[v] = s
		case op < 90:
			if i := tab.find(v); i >= 0 {
				tab.remove(i)
				delete(want, v)
			}
		default:
			cut := uint32(r.IntN(step + 1))
			tab.sweep(func(s visitSlot) bool { return s.last < cut })
			for k, s := range want {
				if s.last < cut {
					delete(want, k)
				}
			}
		}
		if step%97 == 0 {
			check(step)
		}
	}
	check(-1)
	tab.sweep(func(visitSlot) bool { return true })
	if tab.n != 0 || len(tab.slots) != 0 {
		t.Errorf("after sweeping everything: %d visits in %d slots", tab.n, len(tab.slots))
	}
}
