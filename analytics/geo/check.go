package geo

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/oschwald/maxminddb-golang/v2"
)

// The start-up check. maxminddb's Verify decodes every record of the data
// section: 5 s for a 66 MB GeoLite2 City, during which serve could not
// listen. What a lookup reads is already bounds-checked by the reader (every
// tree step, data pointer and decoded length, with limits on nesting and
// size, and panics are recovered), so damage the start does not see shows as
// counted lookup errors, never as a crash or a hang. The check below is what
// makes damage a start-up error instead: the metadata's values, the
// separator, and one sequential pass over every node of the search tree
// (each of its records must be a node, "empty" or a pointer into the data
// section, and none may point back to the root); then a sample of records
// is decoded in full. On the 66 MB file it takes about 0.1 s.

// metadataMarker starts the metadata section at the end of every MaxMind DB.
var metadataMarker = []byte("\xAB\xCD\xEFMaxMind.com")

// metadataMax is how far from the end the metadata may start (the
// specification allows 128 KiB).
const metadataMax = 128 << 10

// corruptf describes damage; the caller says which file is corrupt.
func corruptf(format string, args ...any) error { return fmt.Errorf(format, args...) }

// checkStructure checks r's metadata and walks its search tree in the file
// at path, without decoding data.
func checkStructure(path string, r *maxminddb.Reader) error {
	m := r.Metadata
	switch {
	case m.BinaryFormatMajorVersion != 2:
		return corruptf("binary format version %d.%d, want 2.x", m.BinaryFormatMajorVersion, m.BinaryFormatMinorVersion)
	case m.IPVersion != 4 && m.IPVersion != 6:
		return corruptf("ip_version %d, want 4 or 6", m.IPVersion)
	case m.RecordSize != 24 && m.RecordSize != 28 && m.RecordSize != 32:
		return corruptf("record_size %d, want 24, 28 or 32", m.RecordSize)
	case m.NodeCount == 0:
		return corruptf("node_count is 0")
	case m.DatabaseType == "":
		return corruptf("no database_type in the metadata")
	}
	// A build time before MaxMind DB existed or far in the future is damage.
	if built := m.BuildEpoch; built < 1_000_000_000 || built > uint(time.Now().Add(2*365*24*time.Hour).Unix()) {
		return corruptf("build_epoch %d is not a plausible date", built)
	}

	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	size := fi.Size()
	tail := min(size, metadataMax+int64(len(metadataMarker)))
	buf := make([]byte, tail)
	if _, err := f.ReadAt(buf, size-tail); err != nil {
		return err
	}
	at := bytes.LastIndex(buf, metadataMarker)
	if at < 0 {
		return corruptf("no metadata marker")
	}
	metaStart := size - tail + int64(at)
	nodeBytes := int64(m.RecordSize) / 4
	treeSize := int64(m.NodeCount) * nodeBytes
	dataSize := metaStart - treeSize - 16
	if dataSize < 0 {
		return corruptf("the search tree (%d nodes) is larger than the file", m.NodeCount)
	}
	var sep [16]byte
	if _, err := f.ReadAt(sep[:], treeSize); err != nil {
		return err
	}
	if sep != [16]byte{} {
		return corruptf("the data section separator is not 16 zero bytes")
	}

	nodes := uint64(m.NodeCount)
	dataPointers := nodes + 16 + uint64(dataSize) // records below this point into the data
	const chunkNodes = 8192
	tree := io.NewSectionReader(f, 0, treeSize)
	chunk := make([]byte, chunkNodes*nodeBytes)
	for first := uint64(0); first < nodes; first += chunkNodes {
		n := min(nodes-first, chunkNodes)
		b := chunk[:n*uint64(nodeBytes)]
		if _, err := io.ReadFull(tree, b); err != nil {
			return corruptf("reading the search tree at node %d: %v", first, err)
		}
		for j := uint64(0); j < n; j++ {
			left, right := records(b[j*uint64(nodeBytes):], m.RecordSize)
			for _, p := range [2]uint64{left, right} {
				switch {
				case p == 0:
					return corruptf("search tree node %d points back to the root", first+j)
				case p > nodes && p < nodes+16:
					return corruptf("search tree node %d points into the data section separator", first+j)
				case p >= dataPointers:
					return corruptf("search tree node %d points past the data section", first+j)
				}
			}
		}
	}
	return nil
}

// records decodes a node's two records (MaxMind DB format, section "Search
// Tree Section": 28-bit records share the middle byte's nibbles).
func records(b []byte, recordSize uint) (left, right uint64) {
	switch recordSize {
	case 24:
		left = uint64(b[0])<<16 | uint64(b[1])<<8 | uint64(b[2])
		right = uint64(b[3])<<16 | uint64(b[4])<<8 | uint64(b[5])
	case 28:
		left = uint64(b[3]>>4)<<24 | uint64(b[0])<<16 | uint64(b[1])<<8 | uint64(b[2])
		right = uint64(b[3]&0x0f)<<24 | uint64(b[4])<<16 | uint64(b[5])<<8 | uint64(b[6])
	default:
		left = uint64(b[0])<<24 | uint64(b[1])<<16 | uint64(b[2])<<8 | uint64(b[3])
		right = uint64(b[4])<<24 | uint64(b[5])<<16 | uint64(b[6])<<8 | uint64(b[7])
	}
	return left, right
}
