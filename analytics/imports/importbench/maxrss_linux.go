package importbench

import (
	"os"
	"syscall"
)

// maxRSS is a finished process's peak resident memory in KiB.
func maxRSS(st *os.ProcessState) (int64, bool) {
	ru, ok := st.SysUsage().(*syscall.Rusage)
	if !ok {
		return 0, false
	}
	return ru.Maxrss, true
}
