package visitor

import (
	"encoding/binary"
	"math/bits"
)

// sipHash24 is SipHash-2-4 (Aumasson & Bernstein, 2012) with the 128-bit
// key k0||k1, over the concatenation of parts. It is a keyed PRF made for
// short inputs: fast, and without the key the output says nothing about the
// input, which is what a pseudonymous id needs.
func sipHash24(k0, k1 uint64, parts ...[]byte) uint64 {
	v0 := k0 ^ 0x736f6d6570736575
	v1 := k1 ^ 0x646f72616e646f6d
	v2 := k0 ^ 0x6c7967656e657261
	v3 := k1 ^ 0x7465646279746573

	round := func() {
		v0 += v1
		v1 = bits.RotateLeft64(v1, 13)
		v1 ^= v0
		v0 = bits.RotateLeft64(v0, 32)
		v2 += v3
		v3 = bits.RotateLeft64(v3, 16)
		v3 ^= v2
		v0 += v3
		v3 = bits.RotateLeft64(v3, 21)
		v3 ^= v0
		v2 += v1
		v1 = bits.RotateLeft64(v1, 17)
		v1 ^= v2
		v2 = bits.RotateLeft64(v2, 32)
	}
	compress := func(m uint64) {
		v3 ^= m
		round()
		round()
		v0 ^= m
	}

	var tail [8]byte // bytes not yet compressed
	nt := 0
	total := 0
	for _, p := range parts {
		total += len(p)
		if nt > 0 {
			n := copy(tail[nt:], p)
			nt += n
			p = p[n:]
			if nt < 8 {
				continue
			}
			compress(binary.LittleEndian.Uint64(tail[:]))
			nt = 0
		}
		for len(p) >= 8 {
			compress(binary.LittleEndian.Uint64(p))
			p = p[8:]
		}
		nt = copy(tail[:], p)
	}
	clear(tail[nt:])
	tail[7] = byte(total)
	compress(binary.LittleEndian.Uint64(tail[:]))

	v2 ^= 0xff
	round()
	round()
	round()
	round()
	return v0 ^ v1 ^ v2 ^ v3
}
