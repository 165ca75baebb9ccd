package redistest

import (
	"os/exec"
	"syscall"
)

// setDeathSignal has the kernel kill the child if the test binary dies
// (a panic or -timeout) before its cleanups run.
func setDeathSignal(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
