package visitor

import "testing"

// Test vectors from the SipHash reference implementation (vectors.h):
// key 00 01 .. 0f, message 00 01 .. (n-1).
func TestSipHashVectors(t *testing.T) {
	const k0, k1 = 0x0706050403020100, 0x0f0e0d0c0b0a0908
	want := map[int]uint64{
		0:  0x726fdb47dd0e0e31,
		1:  0x74f839c593dc67fd,
		63: 0x958a324ceb064572,
	}
	msg := make([]byte, 64)
	for i := range msg {
		msg[i] = byte(i)
	}
	for n, w := range want {
		if got := sipHash24(k0, k1, msg[:n]); got != w {
			t.Errorf("len %d: got %#016x, want %#016x", n, got, w)
		}
		// The same message split into parts at every position hashes alike.
		for cut := 0; cut <= n; cut++ {
			if got := sipHash24(k0, k1, msg[:cut], nil, msg[cut:n]); got != w {
				t.Errorf("len %d cut %d: got %#016x, want %#016x", n, cut, got, w)
			}
		}
	}
}
