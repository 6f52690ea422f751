#!/bin/sh
# mutants.sh [MUTANT...]: prove that named patches of kernel/patches/6.1
# are needed. For each mutant the series is built without that one patch
# (build/mutants/NAME, plain config, ccache) and its proof is booted in
# QEMU: the mutant must FAIL with the mutant's signature. The same proof
# on the full series (the kernel of `make kernel KERNEL=6.1`) must PASS.
# Prints a table mutant x kernel x expected x got; exits 1 if any row is
# not as expected, 2 on setup problems.
#
# Mutants (patches are found by subject, not by number):
#   pmd-dtor   "do not run page-table destructors on vmemmap tables"
#              proof hmm-sv48: Sv48, test_hmm loaded and unloaded 3 times;
#              its ZONE_DEVICE memory sits far above RAM, so its vmemmap
#              has a PMD table of its own that the unload frees.
#              FAIL = kernel BUG (VM_BUG_ON_PAGE(!PageTable)) in the teardown
#              PASS = 3 clean unloads
#   pcpu-page  "add the page first-chunk allocator"
#              proof pcpu-sparse-sv39: Sv39, 2 nodes, node 1's memory 65 GiB
#              above node 0's (an edited DTB: more than 3/4 of the 64 GiB
#              vmalloc area), 8 MiB of dynamic percpu memory per CPU through
#              the selftests' mhp_test.ko, then freed.
#              FAIL = the first chunk is set up without node information
#                     ("percpu: cpu N has no node -1 or node-local memory",
#                     "Embedded"): the generic setup_per_cpu_areas() knows
#                     no nodes, puts every unit in one group and so never
#                     meets the distance limit; the allocation still works
#              PASS = node-aware embedding refuses the spread ("max_distance
#                     ... too large for vmalloc space"), the page first
#                     chunk takes over ("percpu: N 4K pages/cpu") and the
#                     allocation succeeds
#
# Env: MHP_JOBS, QEMU, MUTANT_TIMEOUT (seconds per boot, default 300).
set -eu
MHP_STEP=mutants
. "$(dirname "$0")/../ci/lib.sh"
K=6.1
load_kernel $K
PATCHES=$MHP_TOP/kernel/patches/$K
TARBALL=/usr/src/linux-source-$K.tar.xz
WORK=$MHP_BUILD/mutants
QEMU=${QEMU:-qemu-system-riscv64}
TMO=${MUTANT_TIMEOUT:-300}
BUSYBOX=$MHP_BUILD/rootfs/root/bin/busybox

[ -f "$PATCHES/series" ] || die "no $PATCHES/series"
[ -f "$TARBALL" ] || die "$TARBALL missing: run 'make deps'"
command -v "$QEMU" >/dev/null || die "$QEMU not found: run 'make deps'"
command -v fdtput >/dev/null || die "fdtput not found (device-tree-compiler)"
[ -x "$BUSYBOX" ] || "$MHP_TOP/ci/build-rootfs.sh" >&2
[ -x "$BUSYBOX" ] || die "guest root missing ($BUSYBOX): run 'make rootfs'"

# mutant table: NAME|subject words of the dropped patch|proof
MUTANTS="pmd-dtor|do not run page-table destructors on vmemmap tables|hmm-sv48
pcpu-page|add the page first-chunk allocator|pcpu-sparse-sv39"

patch_of() { # SUBJECT -> file name in the series
	for p in $(grep -v '^#' "$PATCHES/series"); do
		grep -q "^Subject: .*$1" "$PATCHES/$p" && { echo "$p"; return 0; }
		# long subjects are folded by format-patch: compare unfolded
		sed -n '/^Subject:/{N;s/\n / /;p}' "$PATCHES/$p" | grep -q "$1" &&
			{ echo "$p"; return 0; }
	done
	return 1
}

# --- build the series minus one patch ----------------------------------
build_mutant() { # NAME DROPPED-PATCH -> prints the O= directory
	base=$WORK/$1
	src=$base/src/linux-source-$K
	out=$base/kernel/$K-plain
	frags=$(kernel_fragments plain)
	want=$({ ls -l "$TARBALL"; echo "drop $2"; cat $frags
		 for p in $(grep -v '^#' "$PATCHES/series"); do
			 [ "$p" = "$2" ] || cat "$PATCHES/$p"; done; } |
	       sha256sum | cut -c1-16)
	if [ "$(cat "$out/.mutant.stamp" 2>/dev/null)" = "$want" ] &&
	   [ -f "$out/arch/riscv/boot/Image" ]; then
		say "$1: kernel up to date ($out)" >&2
		echo "$out"
		return 0
	fi
	say "$1: series without $2" >&2
	rm -rf "$src"
	mkdir -p "$base/src" "$out"
	tar -C "$base/src" -xf "$TARBALL"
	for p in $(grep -v '^#' "$PATCHES/series"); do
		[ "$p" = "$2" ] && continue
		patch -d "$src" -p1 -s -N <"$PATCHES/$p" >&2 ||
			die "$1: $p does not apply without $2"
	done
	export ARCH=riscv CROSS_COMPILE=$MHP_CROSS
	export CCACHE_DIR=$MHP_CACHE/ccache CCACHE_BASEDIR=$base CCACHE_NOHASHDIR=1
	export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-8G}
	mkdir -p "$CCACHE_DIR"
	(cd "$src" && ./scripts/kconfig/merge_config.sh -n -O "$out" $frags) \
		>"$out/merge_config.log" 2>&1 || die "$1: merge_config failed"
	t0=$(date +%s)
	say "$1: building Image and modules with $MHP_JOBS jobs (log: $out/build.log)" >&2
	make -C "$src" O="$out" -j"$MHP_JOBS" CC="ccache ${MHP_CROSS}gcc" Image modules \
		>"$out/build.log" 2>&1 ||
		{ tail -20 "$out/build.log" >&2; die "$1: kernel build failed"; }
	say "$1: built in $(($(date +%s) - t0))s" >&2
	echo "$want" >"$out/.mutant.stamp"
	echo "$out"
}

# --- initramfs: busybox, a proof script as /init, the modules it needs ---
make_initrd() { # KOUT SRC PROOF DIR -> DIR/initrd.cpio (nothing in KOUT)
	kout=$1 ksrc=$2 proof=$3 dir=$4
	st=$dir/stage
	rm -rf "$st"
	mkdir -p "$st/bin" "$st/proc" "$st/sys" "$st/dev" "$st/tmp"
	cp "$BUSYBOX" "$st/bin/busybox"
	case $proof in
	hmm-sv48)
		cp "$kout/lib/test_hmm.ko" "$st/" ;;
	pcpu-sparse-sv39)
		mo=$dir/selftests
		mkdir -p "$mo"
		make -s -C "$MHP_TOP/selftests" KSRC="$ksrc" OUTPUT="$mo" KDIR="$kout" \
			ARCH=riscv CROSS_COMPILE=$MHP_CROSS module >"$mo/module.log" 2>&1 ||
			{ cat "$mo/module.log" >&2; die "mhp_test.ko build failed"; }
		cp "$mo/mhp_test.ko" "$st/" ;;
	esac
	guest_init "$proof" >"$st/init"
	chmod 755 "$st/init"
	(cd "$st" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) \
		>"$dir/initrd.cpio"
	echo "$dir/initrd.cpio"
}

guest_init() { # PROOF: the guest's /init on stdout
	cat <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
mount -t debugfs debugfs /sys/kernel/debug
echo "mutant-proof: mmu=$(sed -n 's/^mmu[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo | head -n 1) cpus=$(grep -c ^processor /proc/cpuinfo)"
EOF
	case $1 in
	hmm-sv48) cat <<'EOF'
ok=0
for i in 1 2 3; do
	insmod /test_hmm.ko || { echo "mutant-proof: test_hmm load $i FAIL"; break; }
	rmmod test_hmm || { echo "mutant-proof: test_hmm unload $i FAIL"; break; }
	ok=$((ok + 1))
done
echo "mutant-proof: test_hmm load+unload ok=$ok of 3"
EOF
		;;
	pcpu-sparse-sv39) cat <<'EOF'
grep -i 'node ' /proc/zoneinfo | sed 's/^/mutant-proof: /' | head -4
insmod /mhp_test.ko || echo "mutant-proof: mhp_test load FAIL"
if echo "256 32768" >/sys/kernel/debug/mhp_test/percpu; then
	echo "mutant-proof: percpu alloc ok: $(cat /sys/kernel/debug/mhp_test/percpu)"
else
	echo "mutant-proof: percpu alloc FAIL"
fi
echo "0 0" >/sys/kernel/debug/mhp_test/percpu
rmmod mhp_test
EOF
		;;
	esac
	cat <<'EOF'
echo "mutant-proof: done"
sync
poweroff -f
EOF
}

# --- QEMU ---------------------------------------------------------------
boot() { # KOUT INITRD PROOF LOG
	img=$1/arch/riscv/boot/Image rd=$2 proof=$3 log=$4
	app="console=ttyS0 panic=-1 loglevel=7"
	# the machine replaces the arguments: keep none of them past here
	case $proof in
	hmm-sv48)
		set -- -M virt -cpu rv64,sv57=off -smp 2 -m 1G ;;
	pcpu-sparse-sv39)
		# node 0: 1 GiB of a 65 GiB backend (reserve=off: no host cost),
		# shrunk in the DTB; node 1: 1 GiB right after the backend
		dtb=$WORK/sparse-numa.dtb
		set -- -cpu rv64,sv57=off,sv48=off -smp 2 -m 66G \
			-object memory-backend-ram,id=m0,size=65G,reserve=off \
			-object memory-backend-ram,id=m1,size=1G \
			-numa node,nodeid=0,cpus=0,memdev=m0 \
			-numa node,nodeid=1,cpus=1,memdev=m1
		"$QEMU" -M virt,dumpdtb="$dtb" "$@" -display none >/dev/null 2>&1 ||
			die "QEMU could not dump the virt DTB"
		fdtput -t x "$dtb" /memory@80000000 reg 0 0x80000000 0 0x40000000
		set -- -M virt "$@" -dtb "$dtb" ;;
	esac
	# timeout(1) is the only child: on expiry it kills its own QEMU
	timeout --kill-after=10 "$TMO" "$QEMU" "$@" -display none -serial stdio \
		-no-reboot -kernel "$img" -initrd "$rd" -append "$app" \
		</dev/null >"$log" 2>&1 || true
}

# judge LOG PROOF WANT(fail|pass) -> prints FAIL/PASS plus the evidence
judge() {
	log=$1
	bad=$(grep -aE 'kernel BUG|WARNING:|Oops|Unable to handle|KASAN:|Kernel panic' "$log" | head -n 1)
	case $2 in
	hmm-sv48)
		if grep -aq 'VM_BUG_ON_PAGE(!PageTable' "$log" &&
		   grep -aq 'kernel BUG at .*page-flags.h' "$log"; then
			echo "FAIL (kernel BUG: VM_BUG_ON_PAGE(!PageTable) in $(grep -aoE 'epc : [a-z_]+' "$log" | head -n 1 | cut -c7-))"
		elif grep -aq 'mutant-proof: test_hmm load+unload ok=3 of 3' "$log" && [ -z "$bad" ]; then
			echo "PASS (3 clean test_hmm unloads, Sv48)"
		else
			echo "OTHER (${bad:-no proof result})"
		fi ;;
	pcpu-sparse-sv39)
		pc=$(grep -aoE 'percpu: ([0-9]+ 4K pages/cpu|Embedded [0-9]+ pages/cpu)' "$log" | head -n 1)
		nonode=$(grep -aoE 'percpu: cpu [0-9]+ has no node -1' "$log" | head -n 1)
		if [ -n "$nonode" ] && echo "$pc" | grep -q Embedded; then
			echo "FAIL (no node information: '$nonode or node-local memory'; $pc)"
		elif grep -aq 'too large for vmalloc space' "$log" &&
		     echo "$pc" | grep -q '4K pages/cpu' &&
		     grep -aq 'mutant-proof: percpu alloc ok' "$log" && [ -z "$bad" ]; then
			echo "PASS (embedding refused the node spread, $pc; 8 MiB/cpu of dynamic percpu allocated)"
		else
			echo "OTHER (${bad:-$pc; no proof result})"
		fi ;;
	esac
}

# --- main ---------------------------------------------------------------
mkdir -p "$WORK/runs"
sel=${*:-pmd-dtor pcpu-page}
say "full series: make kernel KERNEL=$K FLAVOR=plain"
"$MHP_TOP/ci/build-kernel.sh" "$K" plain >&2 || die "full series does not build"
FULL=$MHP_BUILD/kernel/$K-plain
FULLSRC=$MHP_BUILD/src/linux-source-$K
rows= bad=0
for m in $sel; do
	line=$(printf '%s\n' "$MUTANTS" | grep "^$m|") || die "unknown mutant '$m' (known: pmd-dtor pcpu-page)"
	subj=$(echo "$line" | cut -d'|' -f2)
	proof=$(echo "$line" | cut -d'|' -f3)
	p=$(patch_of "$subj") || die "$m: no patch with subject '$subj' in the series"
	kout=$(build_mutant "$m" "$p")
	for v in mutant full; do
		if [ "$v" = mutant ]; then
			o=$kout s=$WORK/$m/src/linux-source-$K want=FAIL
		else
			o=$FULL s=$FULLSRC want=PASS
		fi
		rd=$(make_initrd "$o" "$s" "$proof" "$WORK/runs/$m-$v")
		log=$WORK/runs/$m-$v.log
		say "$m/$v: booting $proof (console: $log)"
		t0=$(date +%s)
		boot "$o" "$rd" "$proof" "$log"
		got=$(judge "$log" "$proof")
		say "$m/$v: $got in $(($(date +%s) - t0))s"
		case $got in "$want"*) ok=yes ;; *) ok=NO; bad=$((bad + 1)) ;; esac
		if [ "$v" = mutant ]; then what="series minus ${p%%-*}"; else what="full series"; fi
		rows="$rows$(printf '%-10s %-18s %-17s %-5s %-4s %s' "$m" "$what" "$proof" "$want" "$ok" "$got")
"
	done
done
echo
printf '%-10s %-18s %-17s %-5s %-4s %s\n' mutant kernel proof want ok got
printf '%s' "$rows"
echo "mutants: $(echo "$sel" | wc -w) mutants, $bad rows not as expected"
[ "$bad" = 0 ]
