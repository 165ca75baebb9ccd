package main

import (
	"os/exec"
	"syscall"
)

// setDeathSignal kills the bot if the load tool dies, so that no bot is left
// running against the fake API.
func setDeathSignal(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
