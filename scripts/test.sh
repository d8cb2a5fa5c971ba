#!/usr/bin/env bash
# test.sh runs callqa's tests against a real redis-server and a real MinIO.
#
# Usage: bash scripts/test.sh [go test flags] [packages]
#
# It installs redis-server (and chromium, for the pages' browser test) with
# apt-get when they are missing, builds the pinned
# MinIO once into a cache folder outside the repo, starts one redis-server and
# one MinIO on free loopback ports with temporary data, runs `go vet` and
# `go test -race -count=1` with the given arguments (./... when no package is
# named), and always stops both servers and removes their data. It exits with
# go test's status.
#
# The tests find the servers through these variables (see internal/testserver):
#   CALLQA_TEST_REDIS_URL          redis://127.0.0.1:PORT/0
#   CALLQA_TEST_MINIO_ENDPOINT     127.0.0.1:PORT
#   CALLQA_TEST_MINIO_ACCESS_KEY   random per run
#   CALLQA_TEST_MINIO_SECRET_KEY   random per run
#   CALLQA_TEST_REDIS_SERVER       the redis-server binary
#   CALLQA_TEST_MINIO_BIN          the MinIO binary
# The shared MinIO pushes bucket notifications (access format) onto the Redis
# list callqa:minio-events of the shared Redis.
#
# Settings: CALLQA_CACHE_DIR (default $HOME/.cache/callqa) holds bin/ with the
# MinIO build; CALLQA_TEST_REDIS_SERVER and CALLQA_TEST_MINIO_BIN, when set,
# name binaries to use instead of installing or building them.

# Functions called through traps and wait_ready look unreachable to shellcheck.
# shellcheck disable=SC2317
set -euo pipefail

# MINIO_VERSION pins the MinIO server; internal/testserver.MinIOVersion must
# match it. Changing it makes the next run build the new version.
MINIO_VERSION=v0.0.0-20260212201848-7aac2a2c5b7c
MINIO_MODULE=github.com/minio/minio
EVENTS_KEY=callqa:minio-events

REDIS_READY_SECONDS=30
MINIO_READY_SECONDS=120
START_ATTEMPTS=5

log() { printf 'test.sh: %s\n' "$*" >&2; }
die() {
	log "$*"
	exit 1
}

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo_root"

# ---------------------------------------------------------------- tools

ensure_go() {
	if ! command -v go >/dev/null 2>&1; then
		if [[ -x /usr/local/go/bin/go ]]; then
			PATH=$PATH:/usr/local/go/bin
		else
			die "go is not on PATH; install Go (see go.mod for the version) first"
		fi
	fi
}

# apt_install installs Debian packages, refreshing the package lists when the
# first try fails. It returns apt-get's status.
apt_install() {
	local sudo=()
	if [[ $(id -u) != 0 ]]; then
		command -v sudo >/dev/null 2>&1 || return 1
		sudo=(sudo)
	fi
	command -v apt-get >/dev/null 2>&1 || return 1
	export DEBIAN_FRONTEND=noninteractive
	"${sudo[@]}" apt-get install -y --no-install-recommends "$@" ||
		{ "${sudo[@]}" apt-get update && "${sudo[@]}" apt-get install -y --no-install-recommends "$@"; }
}

ensure_redis() {
	if [[ -n ${CALLQA_TEST_REDIS_SERVER:-} ]]; then
		[[ -x $CALLQA_TEST_REDIS_SERVER ]] || die "CALLQA_TEST_REDIS_SERVER=$CALLQA_TEST_REDIS_SERVER is not an executable file"
		redis_bin=$CALLQA_TEST_REDIS_SERVER
		return
	fi
	if ! command -v redis-server >/dev/null 2>&1; then
		log "redis-server is missing; installing it with apt-get"
		# apt-get may fail to start the system service after unpacking (for
		# example when port 6379 is taken): what counts is the binary.
		apt_install redis-server || true
		command -v redis-server >/dev/null 2>&1 ||
			die "could not install redis-server with apt-get; install it yourself (Debian/Ubuntu: apt-get install redis-server) or set CALLQA_TEST_REDIS_SERVER to its path"
	fi
	redis_bin=$(command -v redis-server)
}

# ensure_chromium makes sure Debian's chromium is there for the pages'
# headless browser test (api/ui_test.go drives /usr/bin/chromium with
# chromedp).
ensure_chromium() {
	[[ -x /usr/bin/chromium ]] && return
	log "chromium is missing; installing it with apt-get (the web pages' browser test needs it)"
	apt_install chromium || true
	[[ -x /usr/bin/chromium ]] ||
		die "could not install chromium with apt-get; install it yourself (Debian: apt-get install chromium)"
}

# ensure_race_toolchain makes sure cgo works, which -race needs.
ensure_race_toolchain() {
	local cc
	cc=$(go env CC)
	command -v "${cc%% *}" >/dev/null 2>&1 && return
	log "the C compiler $cc that go test -race needs is missing; installing gcc with apt-get"
	apt_install gcc libc6-dev || true
	command -v "${cc%% *}" >/dev/null 2>&1 ||
		die "could not install a C compiler; go test -race needs one (Debian/Ubuntu: apt-get install gcc)"
}

# module_version prints the main module version recorded in a Go binary.
module_version() {
	go version -m "$1" 2>/dev/null | awk '$1 == "mod" && $2 == "'"$MINIO_MODULE"'" { print $3; exit }'
}

ensure_minio() {
	if [[ -n ${CALLQA_TEST_MINIO_BIN:-} ]]; then
		[[ -x $CALLQA_TEST_MINIO_BIN ]] || die "CALLQA_TEST_MINIO_BIN=$CALLQA_TEST_MINIO_BIN is not an executable file"
		minio_bin=$CALLQA_TEST_MINIO_BIN
		return
	fi
	local bin_dir=${CALLQA_CACHE_DIR:-$HOME/.cache/callqa}/bin
	minio_bin=$bin_dir/minio-$MINIO_VERSION
	[[ -x $minio_bin ]] && return
	mkdir -p "$bin_dir"

	# Adopt an unversioned build of the pinned version left by hand.
	if [[ -x $bin_dir/minio && $(module_version "$bin_dir/minio") == "$MINIO_VERSION" ]]; then
		log "adopting $bin_dir/minio ($MINIO_VERSION) as $minio_bin"
		ln -f "$bin_dir/minio" "$minio_bin" 2>/dev/null || cp "$bin_dir/minio" "$minio_bin"
		return
	fi

	log "building MinIO $MINIO_VERSION into $bin_dir (once; about 2 minutes)"
	local build_dir
	build_dir=$(mktemp -d "$bin_dir/.build.XXXXXX")
	# Built outside the repo so that callqa's go.mod plays no part; renamed
	# into place so that a concurrent or interrupted build leaves no half file.
	if ! (cd "$build_dir" && GOWORK=off GOBIN=$build_dir go install "$MINIO_MODULE@$MINIO_VERSION"); then
		rm -rf "$build_dir"
		die "building MinIO failed (go install $MINIO_MODULE@$MINIO_VERSION)"
	fi
	mv -f "$build_dir/minio" "$minio_bin"
	rm -rf "$build_dir"
}

# ---------------------------------------------------------------- servers

run_dir=
redis_pid=
minio_pid=
test_pid=

# stop_server kills one process (or, given "-PID", process group), politely
# first.
stop_server() {
	local pid=$1
	[[ -n $pid ]] || return 0
	kill -TERM -- "$pid" 2>/dev/null || return 0
	local i
	for ((i = 0; i < 50; i++)); do
		kill -0 -- "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL -- "$pid" 2>/dev/null || true
	wait "${pid#-}" 2>/dev/null || true
}

cleanup() {
	# go test runs in a process group of its own (see below): when this
	# script is interrupted, end it and its test binaries first.
	if [[ -n $test_pid ]]; then
		stop_server "-$test_pid"
		test_pid=
	fi
	stop_server "$minio_pid"
	stop_server "$redis_pid"
	minio_pid=''
	redis_pid=''
	if [[ -n $run_dir ]]; then
		rm -rf "$run_dir"
		run_dir=
	fi
}

# sweep_stale_run_dirs removes data folders of earlier runs whose script
# process is gone (killed before its cleanup could run).
sweep_stale_run_dirs() {
	local dir pid
	for dir in "${TMPDIR:-/tmp}"/callqa-test.*.*; do
		[[ -d $dir ]] || continue
		pid=${dir##*/callqa-test.}
		pid=${pid%%.*}
		[[ $pid =~ ^[0-9]+$ ]] || continue
		kill -0 "$pid" 2>/dev/null && continue
		rm -rf "$dir"
	done
}

# random_hex prints 2n random hex digits.
random_hex() {
	od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'
}

# pick_port prints a loopback port below the kernel's ephemeral range (where
# the tests' private servers get theirs) on which nothing listens.
pick_port() {
	local port i
	for ((i = 0; i < 100; i++)); do
		port=$((20000 + RANDOM % 12000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			echo "$port"
			return
		fi
	done
	die "found no free loopback port"
}

# spawn starts a server in the background with the rest of its arguments,
# dying with this script where setpriv can arrange it, and sets spawned_pid.
spawn() {
	local logfile=$1
	shift
	if [[ -n $pdeathsig ]]; then
		setpriv --pdeathsig KILL -- "$@" >>"$logfile" 2>&1 &
	else
		"$@" >>"$logfile" 2>&1 &
	fi
	spawned_pid=$!
}

# redis_ready reports whether the redis-server with pid answers on port.
redis_ready() {
	local port=$1 pid=$2 line
	exec 3<>"/dev/tcp/127.0.0.1/$port" || return 1
	printf 'PING\r\nINFO server\r\n' >&3
	if ! IFS= read -r -t 2 line <&3 || [[ $line != +PONG* ]]; then
		exec 3>&-
		return 1
	fi
	while IFS= read -r -t 2 line <&3; do
		if [[ $line == process_id:* ]]; then
			exec 3>&-
			line=${line#process_id:}
			[[ ${line%$'\r'} == "$pid" ]]
			return
		fi
	done
	exec 3>&-
	return 1
}

# minio_ready reports whether the MinIO on port is ready.
minio_ready() {
	local port=$1 line
	exec 3<>"/dev/tcp/127.0.0.1/$port" || return 1
	printf 'GET /minio/health/ready HTTP/1.0\r\nHost: 127.0.0.1:%s\r\n\r\n' "$port" >&3
	IFS= read -r -t 2 line <&3 || line=
	exec 3>&-
	[[ $line == "HTTP/1."?" 200"* ]]
}

# wait_ready polls the probe until it succeeds (0), the process exits (2) or
# the time is up (1).
wait_ready() {
	local pid=$1 seconds=$2 i
	shift 2
	for ((i = 0; i < seconds * 10; i++)); do
		"$@" 2>/dev/null && return 0
		kill -0 "$pid" 2>/dev/null || return 2
		sleep 0.1
	done
	return 1
}

# start_failed reports a server that did not come up, with its log, and exits.
start_failed() {
	local name=$1 logfile=$2
	log "$name did not start; last lines of its log:"
	tail -n 50 "$logfile" >&2 || true
	exit 1
}

start_redis() {
	local logfile=$run_dir/redis-server.log attempt port status
	mkdir -p "$run_dir/redis"
	for ((attempt = 0; attempt < START_ATTEMPTS; attempt++)); do
		port=$(pick_port)
		echo "=== redis-server on port $port" >>"$logfile"
		spawn "$logfile" "$redis_bin" --port "$port" --bind 127.0.0.1 --dir "$run_dir/redis" \
			--daemonize no --save "" --appendonly no --logfile ""
		redis_pid=$spawned_pid
		status=0
		wait_ready "$redis_pid" "$REDIS_READY_SECONDS" redis_ready "$port" "$redis_pid" || status=$?
		case $status in
		0)
			redis_port=$port
			return
			;;
		2) wait "$redis_pid" 2>/dev/null || true ;; # exited: try another port
		*)
			stop_server "$redis_pid"
			start_failed redis-server "$logfile"
			;;
		esac
	done
	redis_pid=
	start_failed redis-server "$logfile"
}

start_minio() {
	local logfile=$run_dir/minio.log attempt port status name
	local env_args=()
	# MINIO_ variables of the caller must not reconfigure the test server.
	for name in $(compgen -e); do
		[[ $name == MINIO_* ]] && env_args+=(-u "$name")
	done
	minio_access=test-$(random_hex 8)
	minio_secret=$(random_hex 20)
	env_args+=(
		MINIO_ROOT_USER="$minio_access"
		MINIO_ROOT_PASSWORD="$minio_secret"
		MINIO_BROWSER=off
		MINIO_UPDATE=off
		# Hold S3 requests until the notification targets are loaded, so an
		# early SetBucketNotification does not fail with "ARN does not exist".
		MINIO_SYNC_BOOT=on
		MINIO_NOTIFY_REDIS_ENABLE_PRIMARY=on
		MINIO_NOTIFY_REDIS_ADDRESS_PRIMARY="127.0.0.1:$redis_port"
		MINIO_NOTIFY_REDIS_KEY_PRIMARY="$EVENTS_KEY"
		MINIO_NOTIFY_REDIS_FORMAT_PRIMARY=access
	)
	mkdir -p "$run_dir/minio/data" "$run_dir/minio/certs"
	for ((attempt = 0; attempt < START_ATTEMPTS; attempt++)); do
		port=$(pick_port)
		echo "=== minio on port $port" >>"$logfile"
		spawn "$logfile" env "${env_args[@]}" "$minio_bin" server --address "127.0.0.1:$port" \
			--certs-dir "$run_dir/minio/certs" "$run_dir/minio/data"
		minio_pid=$spawned_pid
		status=0
		wait_ready "$minio_pid" "$MINIO_READY_SECONDS" minio_ready "$port" || status=$?
		case $status in
		0)
			minio_port=$port
			return
			;;
		2) wait "$minio_pid" 2>/dev/null || true ;;
		*)
			stop_server "$minio_pid"
			start_failed minio "$logfile"
			;;
		esac
	done
	minio_pid=
	start_failed minio "$logfile"
}

# report_dead_servers names a shared server that died during the tests.
report_dead_servers() {
	if [[ -n $redis_pid ]] && ! kill -0 "$redis_pid" 2>/dev/null; then
		log "the shared redis-server died during the tests; last lines of its log:"
		tail -n 30 "$run_dir/redis-server.log" >&2 || true
	fi
	if [[ -n $minio_pid ]] && ! kill -0 "$minio_pid" 2>/dev/null; then
		log "the shared MinIO died during the tests; last lines of its log:"
		tail -n 30 "$run_dir/minio.log" >&2 || true
	fi
}

# ---------------------------------------------------------------- main

ensure_go
ensure_redis
ensure_minio
ensure_race_toolchain
ensure_chromium

pdeathsig=
if command -v setpriv >/dev/null 2>&1 && setpriv --help 2>&1 | grep -q -- --pdeathsig; then
	pdeathsig=yes
fi

# Package patterns among the arguments; without any, everything is tested.
packages=()
for arg in "$@"; do
	case $arg in
	. | ./* | .. | ../* | callqa | callqa/*) packages+=("$arg") ;;
	esac
done
all=()
if ((${#packages[@]} == 0)); then
	packages=(./...)
	all=(./...)
fi

log "go vet ${packages[*]}"
go vet "${packages[@]}"

trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
sweep_stale_run_dirs
run_dir=$(mktemp -d "${TMPDIR:-/tmp}/callqa-test.$$.XXXXXX")

started=$SECONDS
start_redis
start_minio
log "redis-server on 127.0.0.1:$redis_port, MinIO on 127.0.0.1:$minio_port (ready after $((SECONDS - started)) s)"

export CALLQA_TEST_REDIS_URL="redis://127.0.0.1:$redis_port/0"
export CALLQA_TEST_MINIO_ENDPOINT="127.0.0.1:$minio_port"
export CALLQA_TEST_MINIO_ACCESS_KEY="$minio_access"
export CALLQA_TEST_MINIO_SECRET_KEY="$minio_secret"
export CALLQA_TEST_REDIS_SERVER="$redis_bin"
export CALLQA_TEST_MINIO_BIN="$minio_bin"
# Temporary files of the tests (t.TempDir, servers that tests start) go
# inside the run folder, so that they are removed with it.
mkdir -p "$run_dir/tmp"
export TMPDIR="$run_dir/tmp"

# -timeout: the worker's integration tests take about two minutes under
# -race on two cores; 20 minutes leaves room for a slower machine while a
# hung test still ends well inside CI's limit. A later -timeout wins.
log "go test -race -count=1 -timeout 20m $* ${all[*]}"
# go test runs in the background in a process group of its own, so that a
# signal to this script is handled at once (bash defers traps while a
# foreground command runs) and cleanup can end the test binaries too.
set -m
go test -race -count=1 -timeout 20m "$@" "${all[@]}" &
test_pid=$!
set +m
status=0
wait "$test_pid" || status=$?
test_pid=
report_dead_servers
exit "$status"
