// Package testserver starts real redis-server and MinIO processes for tests
// and gives tests clients and isolated names on them.
//
// Tests that only need "a Redis" or "a MinIO" use SharedRedis and SharedMinIO:
// under scripts/test.sh these are the servers the script started for the
// whole run (announced through the CALLQA_TEST_* environment variables);
// under a plain `go test ./pkg` the package starts one private pair per test
// binary instead, as long as it can find the binaries. Tests on shared
// servers isolate themselves with UniqueBucket and KeyPrefix.
//
// Tests that stop, restart or reconfigure a server start their own with Redis
// or MinIO; such a server is killed and its data removed when the test ends.
//
// A typical test:
//
//	func TestStore(t *testing.T) {
//		rdb := testserver.SharedRedis(t).Client(t)
//		prefix := testserver.KeyPrefix(t) // keep to your own keys
//		mio := testserver.SharedMinIO(t)
//		bucket := mio.Bucket(t) // a fresh, empty bucket
//		…
//	}
//
//	func TestWorkerSurvivesRedisCrash(t *testing.T) {
//		rds := testserver.Redis(t, testserver.WithAOF())
//		…
//		rds.Stop()  // SIGKILL
//		rds.Start() // same port and data
//	}
//
// Every server runs on a free loopback port, in its own process group, with
// its output captured to a log file whose tail is printed when the test
// fails. On Linux the processes also receive SIGKILL when the test binary
// dies, so no server outlives its test run. The package supports Linux and
// other Unix systems.
package testserver
