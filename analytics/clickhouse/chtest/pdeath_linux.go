package chtest

import (
	"os/exec"
	"syscall"
)

// setParentDeath stops the server if the test binary dies without
// cleaning up (a panic, a timeout, ^C): no server outlives its tests.
func setParentDeath(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}
