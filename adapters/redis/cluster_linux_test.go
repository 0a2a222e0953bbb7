package redis_test

import "syscall"

// On Linux the kernel kills the test's redis-servers when the test binary
// dies, even when it dies without running TestMain's cleanup.
func init() { clusterProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} }
