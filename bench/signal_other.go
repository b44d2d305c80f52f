//go:build !unix

package bench

import "os"

var interruptSignal = os.Kill
