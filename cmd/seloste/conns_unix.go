//go:build unix

package main

import (
	"log/slog"
	"syscall"
)

// connCap is the connection cap: want, or less if the process may not open
// that many files (the database, the log and the GeoIP file need a few).
func connCap(want int, logger *slog.Logger) int {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil || lim.Cur > 1<<30 {
		return want
	}
	if most := int(lim.Cur) - 64; most < want {
		logger.Warn("max-connections lowered to the open-file limit", "max_connections", max(most, 16), "nofile", lim.Cur)
		return max(most, 16)
	}
	return want
}
