//go:build !linux

package harness

import "syscall"

// childProcAttr returns no special attributes outside Linux.
func childProcAttr() *syscall.SysProcAttr { return nil }
