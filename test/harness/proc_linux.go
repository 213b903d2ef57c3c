package harness

import "syscall"

// childProcAttr kills function processes when the process that started
// them dies, so a crashed test leaves no servers behind.
func childProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
