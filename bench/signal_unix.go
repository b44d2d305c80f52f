//go:build unix

package bench

import "syscall"

// interruptSignal stops a child simulator gracefully.
var interruptSignal = syscall.SIGINT
