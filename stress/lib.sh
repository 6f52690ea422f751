# Shared by stress/run and stress/bench (source after ci/lib.sh): one cell's
# boot files for host-driven hotplug. Needs CELL, VMEM, QEMU.
# shellcheck shell=sh

TOOL=$MHP_TOOL
ENGINE=$MHP_BUILD/host/mhp-stress
AGENT=$MHP_BUILD/stress/mhp-agent
TOPODIR=$MHP_TOP/virtme-configs/topologies

# stress_cell: validate tools and CELL; sets kernel flavor KOUT KSRC vmem_mb
stress_cell() {
	case "$VMEM" in *[0-9]G) vmem_mb=$((${VMEM%G} * 1024)) ;;
		*[0-9]M) vmem_mb=${VMEM%M} ;;
		*) die "VMEM must be like 1G or 512M, got '$VMEM'" ;; esac
	case "$vmem_mb" in ''|*[!0-9]*) die "VMEM must be like 1G or 512M, got '$VMEM'" ;; esac
	for t in "$TOOL" "$ENGINE" "$AGENT"; do
		[ -x "$t" ] || die "$t missing: run 'make stress-tools'"
	done
	[ -x "$QEMU" ] || die "$QEMU missing: run 'make qemu' (stock QEMU has no riscv virtio-mem)"
	desc=$("$TOOL" describe "$CELL" --topodir "$TOPODIR") || exit 2
	eval "$desc"	# kernel= flavor= paging= topo= percpu= timeout= dtb= firmware= edk2_vars= nodes= dimm_slots=
	KOUT=$(kernel_dir "$kernel" "$flavor")
	load_kernel "$kernel"
	KSRC=$(kernel_src "$kernel")
	KO=$MHP_BUILD/selftests/$kernel-$flavor/mhp_test.ko
	# MHP_KERNEL_DIR: a kernel built elsewhere (a mutant, an old build: an
	# O= directory with Image, modroot/ and kernelrelease); stress_build
	# puts its initrd.cpio and mhp_test.ko next to its Image
	if [ -n "${MHP_KERNEL_DIR:-}" ]; then
		KOUT=$(cd "$MHP_KERNEL_DIR" 2>/dev/null && pwd) ||
			die "MHP_KERNEL_DIR=$MHP_KERNEL_DIR: no such directory"
		[ -f "$KOUT/arch/riscv/boot/Image" ] ||
			die "MHP_KERNEL_DIR=$KOUT holds no built kernel (arch/riscv/boot/Image)"
		export MHP_KERNEL_DIR=$KOUT
		KO=$KOUT/mhp_test.ko
	fi
}

# stress_build: the cell's kernel and initramfs, as ci/run-cell has them
# (build-kernel.sh is cached; for kernel local it builds KSRC or stages
# KBUILD, whatever an earlier run left in build/); for MHP_KERNEL_DIR the
# initramfs and the test module built against it
stress_build() {
	[ -n "${MHP_KERNEL_DIR:-}" ] || "$MHP_TOP/ci/build-kernel.sh" "$kernel" "$flavor"
	"$MHP_TOP/ci/build-initrd.sh" "$kernel" "$flavor"
	[ -z "${MHP_KERNEL_DIR:-}" ] ||
		cp "$MHP_BUILD/selftests/$kernel-$flavor/mhp_test.ko" "$KO"
}

# stress_argv OUT INITRD APPEND SOCK [mhp-cell argv options]: the cell's
# QEMU command (mhp-cell argv), one word a line, with a virtio-mem device
# of VMEM on node 0 and, with SOCK, QMP, for host-driven hotplug
stress_argv() {
	_o=$1 _i=$2 _a=$3 _s=$4
	shift 4
	"$TOOL" argv "$CELL" --topodir "$TOPODIR" --qemu "$QEMU" \
		--image "$KOUT/arch/riscv/boot/Image" --initrd "$_i" \
		--append "$_a" --tap "$_o/tap.log" --vmem "${vmem_mb}M" \
		${_s:+--qmp "$_s"} ${efivars:+--efivars "$efivars"} "$@"
}

# stress_boot OUT PLAN APPEND: writes OUT/qemu.argv (QEMU with virtio-mem,
# QMP on $sock) booting the cell's initramfs plus the agent, PLAN (may be
# empty) and the init dispatch; sets stage (remove it when done) and sock
stress_boot() {
	_out=$1 _plan=$2 _append=$3
	[ -f "$KOUT/initrd.cpio" ] || die "no initramfs for $kernel-$flavor: run 'make initrd KERNEL=$kernel FLAVOR=$flavor'"
	mkdir -p "$MHP_BUILD/stress"
	stage=$(mktemp -d "$MHP_BUILD/stress/stage.XXXXXX")
	mkdir -p "$stage/root/opt/mhp/stress"
	# a later cpio archive overrides earlier files: /init with the dispatch
	install -m 755 "$MHP_TOP/ci/guest/init" "$stage/root/init"
	install -m 755 "$AGENT" "$MHP_TOP/stress/guest-run" "$stage/root/opt/mhp/stress/"
	[ -z "$_plan" ] || cp "$_plan" "$stage/root/opt/mhp/stress/plan"
	cp "$KO" "$stage/root/opt/mhp/stress/" ||
		die "mhp_test.ko missing for $kernel-$flavor: run 'make initrd KERNEL=$kernel FLAVOR=$flavor'"
	(cd "$stage/root" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) >"$stage/stress.cpio"
	cat "$KOUT/initrd.cpio" "$stage/stress.cpio" >"$stage/initrd.cpio"
	# a unix socket path is limited to 107 bytes
	sock=$_out/qmp.sock
	[ ${#sock} -lt 100 ] || sock=$stage/qmp.sock
	rm -f "$sock"
	# an ACPI cell: EDK2's variable store, written by the firmware, a
	# private copy in the stage (removed with it)
	efivars=
	if [ "$firmware" = acpi ]; then
		[ -f "$edk2_vars" ] || die "$CELL boots through EDK2: no $edk2_vars (make deps)"
		efivars=$stage/efivars.fd
		cp "$edk2_vars" "$efivars"
	fi
	if [ "$dtb" = 1 ]; then
		# sparse NUMA / pmem: QEMU's own device tree (of this very machine,
		# virtio-mem included), edited for the topology, as ci/run-cell does
		stress_argv "$_out" "$stage/initrd.cpio" "$_append" "" \
			--dumpdtb "$_out/qemu.dtb" | tr '\n' '\0' |
			xargs -0 sh -c 'exec "$@" >"$0" 2>&1' "$_out/dumpdtb.log" ||
			die "$CELL: QEMU could not dump its device tree (see $_out/dumpdtb.log)"
		"$TOOL" dtb "$CELL" --topodir "$TOPODIR" --in "$_out/qemu.dtb" \
			--out "$_out/cell.dtb" || exit 2
		dtc -q -I dtb -O dts -o "$_out/cell.dts" "$_out/cell.dtb"
		stress_argv "$_out" "$stage/initrd.cpio" "$_append" "$sock" \
			--dtb "$_out/cell.dtb" >"$_out/qemu.argv"
	else
		stress_argv "$_out" "$stage/initrd.cpio" "$_append" "$sock" >"$_out/qemu.argv"
	fi
	cp "$KOUT/.config" "$_out/kernel.config"
	cat "$KOUT/kernelrelease" >"$_out/kernelrelease" 2>/dev/null || true
}
