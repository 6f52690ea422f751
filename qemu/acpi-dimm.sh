#!/bin/sh
# acpi-dimm.sh CELL OUTDIR [dimm-cycle options]: boot an ACPI cell (its
# topology says 'firmware acpi') to a shell and run qemu/dimm-cycle against
# it: host-driven pc-dimm plug / online / offline / device_del /
# DEVICE_DELETED / object-del, N cycles, the DIMMs on the cell's nodes in
# turn; the topology's cold-plugged DIMMs are checked first.
#
#   qemu/acpi-dimm.sh 7.3-plain-sv48-acpi2 results/acpi/7.3-sv48 --cycles 20
#
# The QEMU command is the cell's (mhp-cell argv: EDK2, ACPI, the DIMMs)
# with rdinit=/bin/sh and a second QMP monitor for events; the kernel is
# the cell's build (built if missing), the initramfs the guest root
# (build/rootfs/rootfs.cpio). QEMU= overrides our build (make qemu).
# Output in OUTDIR: transcript.log (QMP commands, replies, events, guest
# console, per-cycle verdicts), argv. Glue only: the logic is dimm-cycle.c.
set -eu
MHP_STEP=acpi-dimm
. "$(dirname "$0")/../ci/lib.sh"

[ $# -ge 2 ] || die "usage: $0 CELL OUTDIR [dimm-cycle options]"
CELL=$1
OUT=$2
shift 2
need_tool
desc=$("$MHP_TOOL" describe "$CELL") || exit 2
eval "$desc"
[ "$firmware" = acpi ] || die "$CELL: topology $topo boots with a device tree; acpi-dimm needs 'firmware acpi'"
[ -f "$edk2_vars" ] || die "no $edk2_vars: make deps installs qemu-efi-riscv64"
: "${QEMU:=$("$MHP_TOP/qemu/build.sh" | tail -n 1)}"
"$MHP_TOP/ci/build-kernel.sh" "$kernel" "$flavor"
"$MHP_TOP/ci/build-rootfs.sh"
KOUT=$(kernel_dir "$kernel" "$flavor")
INITRD=$MHP_BUILD/rootfs/rootfs.cpio
[ -f "$INITRD" ] || die "no $INITRD (make rootfs)"

mkdir -p "$OUT"
TOOL=$MHP_BUILD/acpi/bin/dimm-cycle
mkdir -p "$(dirname "$TOOL")"
gcc -D_GNU_SOURCE -std=gnu11 -Wall -Wextra -O2 -g -I"$MHP_TOP/ci/src" \
	-I"$MHP_TOP/selftests" -I"$MHP_TOP/stress" -o "$TOOL" \
	"$MHP_TOP/qemu/dimm-cycle.c" "$MHP_TOP/stress/qmp.c" \
	"$MHP_TOP/ci/src/verdict.c" "$MHP_TOP/ci/src/cell.c" \
	"$MHP_TOP/ci/src/registry.c" -ljson-c

# the variable store is written by the firmware: a private copy per run
cp "$edk2_vars" "$OUT/vars.fd"
rm -f "$OUT/qmp.sock" "$OUT/events.sock"
{
	"$MHP_TOOL" argv "$CELL" --qemu "$QEMU" --image "$KOUT/arch/riscv/boot/Image" \
		--initrd "$INITRD" --efivars "$OUT/vars.fd" --append "rdinit=/bin/sh" \
		--qmp "$OUT/qmp.sock"
	printf '%s\n' -qmp "unix:$OUT/events.sock,server=on,wait=off"
} >"$OUT/argv" || exit 2
rc=0
"$TOOL" --argv "$OUT/argv" --qmp "$OUT/qmp.sock" --events "$OUT/events.sock" \
	--log "$OUT/transcript.log" --nodes "$nodes" --cell "$CELL" "$@" || rc=$?
# the 32 MiB variable store and the sockets are of no use afterwards
rm -f "$OUT/vars.fd" "$OUT/qmp.sock" "$OUT/events.sock"
exit "$rc"
