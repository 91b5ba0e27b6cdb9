#!/bin/sh
# fuzz/run.sh SECONDS TARGET...: run each libFuzzer target (built by `make
# fuzz` in build-fuzz/fuzz/) for SECONDS with a seed corpus copied here at
# run time: the conformance XML for xml, a few command lines for lex, QMP
# lines for qmp, frames for proto, plus tests/data/regress/TARGET-*.
# Crashes land in build-fuzz/artifacts/; copy each to tests/data/regress/.
set -eu
cd "$(dirname "$0")/.."
secs=$1
shift
B=build-fuzz
SHARED=${DOMSH_SHARED:-../shared}
mkdir -p $B/artifacts

seed_xml() {
    find "$SHARED/conformance" -name '*.xml' -size -200k | while read -r f; do
        cp "$f" "$1/$(echo "${f#"$SHARED"/conformance/}" | tr / _)"
    done
}

seed_lex() {
    i=0
    while IFS= read -r line; do
        i=$((i + 1))
        printf '%s' "$line" > "$1/seed$i"
    done <<'LINES'
define --file demo.xml --validate; list --all
start demo --console --paused
edit 'my dom'; dumpxml "a\"b" --inactive --security-info
device-set demo disk/vda --key source.file=/tmp/x,y.img
setmem demo 512M --config --live
attach-disk demo /var/lib/a.img vdb --driver qemu --subdriver qcow2 --persistent
# comment ; list
domxml-to-native qemu-argv --domain demo
list --all --name --uuid --state-running --json
echo a\ b 'c;d' "e\nf"
LINES
}

seed_qmp() {
    printf '{"QMP": {"version": {"qemu": {"micro": 2, "minor": 2, "major": 7}}, "capabilities": ["oob"]}}\r\n' > "$1/greeting"
    printf '{"return": {}}\r\n{"return": {"running": true, "singlestep": false, "status": "running"}}\r\n' > "$1/return"
    printf '{"timestamp": {"seconds": 1, "microseconds": 2}, "event": "SHUTDOWN", "data": {"guest": true, "reason": "guest-shutdown"}}\r\n' > "$1/event"
    printf '{"error": {"class": "GenericError", "desc": "Device \\"x\\" not found"}}\r\n{"return": {"actual": 536870912}}\r\n' > "$1/error"
    printf '{"execute": "qmp_capabilities"}\r\n{"execute":"query-status","id":"x"}\n' > "$1/execute"
}

seed_proto() {
    printf 'C\000\006status' > "$1/cmd"
    printf 'A\000\010\001serial0' > "$1/attach"
    printf 'K\000\042state=running reason=booted id=3 ' > "$1/ok"
    printf 'D\000\005helloW\000\004\000\030\000\120Q\000\000X\000\010poweroff' > "$1/mixed"
    printf 'E\000\055Active console session exists for this domain' > "$1/err"
}

status=0
for t in "$@"; do
    corpus=$B/corpus/$t
    rm -rf "$corpus" && mkdir -p "$corpus"
    "seed_$t" "$corpus"
    for r in tests/data/regress/"$t"-*; do
        [ -e "$r" ] && cp "$r" "$corpus/"
    done
    dict=""
    [ -f "fuzz/$t.dict" ] && dict="-dict=fuzz/$t.dict"
    echo "fuzz: $t for ${secs}s ($(ls "$corpus" | wc -l) seeds)"
    # shellcheck disable=SC2086
    if ! $B/fuzz/fuzz_$t "$corpus" -max_total_time="$secs" -max_len=65536 -rss_limit_mb=2048 \
        -timeout=20 -print_final_stats=1 -artifact_prefix="$B/artifacts/$t-" $dict \
        > "$B/fuzz-$t.log" 2>&1; then
        status=1
        echo "fuzz: $t FAILED, see $B/fuzz-$t.log and $B/artifacts/"
    fi
    grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb' "$B/fuzz-$t.log" | sed "s/^/fuzz: $t /"
done
exit $status
