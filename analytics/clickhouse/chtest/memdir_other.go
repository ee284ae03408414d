//go:build !linux

package chtest

// memDir is "" where no RAM file system is known: servers use the
// temporary directory.
func memDir() string { return "" }
