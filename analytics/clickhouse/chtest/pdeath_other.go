//go:build !linux

package chtest

import "os/exec"

func setParentDeath(cmd *exec.Cmd) {}
