#!/bin/sh
# acpi-dimm.sh: boot a riscv virt guest through EDK2 with ACPI (GED memory
# hotplug) and run qemu/dimm-cycle against it: pc-dimm plug / online /
# offline / device_del / DEVICE_DELETED / object-del, N cycles.
#
#   QEMU=... IMAGE=... INITRD=... qemu/acpi-dimm.sh OUTDIR [dimm-cycle options]
#
#   QEMU     patched qemu-system-riscv64 (qemu/build.sh; stock 10.0.2 has
#            no pc-dimm on riscv)
#   IMAGE    kernel Image with ACPI + EFI stub (virtme-configs/fragments/acpi.config)
#   INITRD   initramfs with a /bin/sh (build/rootfs/rootfs.cpio will do)
#   CPU      -cpu value (default rv64,sv57=off: Sv48); sv39: rv64,sv57=off,sv48=off
#   NODES    NUMA nodes, 1 CPU and 512 MiB each (default 2)
#   COLD     DIMMs cold-plugged on the command line, 256 MiB on node 0 (default 1)
#
# Output in OUTDIR: transcript.log (QMP commands, replies, events, guest
# console, per-cycle verdicts), argv. Glue only: the logic is dimm-cycle.c.
set -eu
MHP_STEP=acpi-dimm
. "$(dirname "$0")/../ci/lib.sh"

[ $# -ge 1 ] || die "usage: QEMU=... IMAGE=... INITRD=... $0 OUTDIR [dimm-cycle options]"
OUT=$1
shift
: "${QEMU:?QEMU= the patched qemu-system-riscv64}"
: "${IMAGE:?IMAGE= an ACPI kernel Image}"
: "${INITRD:=$MHP_BUILD/rootfs/rootfs.cpio}"
: "${CPU:=rv64,sv57=off}"
: "${NODES:=2}"
: "${COLD:=1}"
FW=/usr/share/qemu-efi-riscv64
[ -f "$FW/RISCV_VIRT_CODE.fd" ] || die "no $FW/RISCV_VIRT_CODE.fd: apt-get install qemu-efi-riscv64/trixie (make deps)"

mkdir -p "$OUT"
TOOL=$MHP_BUILD/acpi/bin/dimm-cycle
mkdir -p "$(dirname "$TOOL")"
gcc -D_GNU_SOURCE -std=gnu11 -Wall -Wextra -O2 -g -I"$MHP_TOP/ci/src" \
	-I"$MHP_TOP/selftests" -I"$MHP_TOP/stress" -o "$TOOL" \
	"$MHP_TOP/qemu/dimm-cycle.c" "$MHP_TOP/stress/qmp.c" \
	"$MHP_TOP/ci/src/verdict.c" "$MHP_TOP/ci/src/cell.c" \
	"$MHP_TOP/ci/src/registry.c" -ljson-c

# the variable store is written by the firmware: a private copy per run
cp "$FW/RISCV_VIRT_VARS.fd" "$OUT/vars.fd"
rm -f "$OUT/qmp.sock" "$OUT/events.sock"
{
	echo "$QEMU"
	# OpenSBI (-bios default) comes from Debian's QEMU data directory
	printf '%s\n' -L /usr/share/qemu -nodefaults -display none -no-reboot
	printf '%s\n' -M virt,acpi=on,pflash0=code,pflash1=vars
	printf '%s\n' -blockdev "node-name=code,driver=file,read-only=on,filename=$FW/RISCV_VIRT_CODE.fd"
	printf '%s\n' -blockdev "node-name=vars,driver=file,filename=$OUT/vars.fd"
	printf '%s\n' -cpu "$CPU" -smp "$NODES"
	# boot RAM 512 MiB a node; slots + maxmem: room for DIMMs above RAM
	printf '%s\n' -m "$((NODES * 512))M,slots=8,maxmem=$((NODES * 512 + 4096))M"
	n=0
	while [ "$n" -lt "$NODES" ]; do
		printf '%s\n' -object "memory-backend-ram,id=ram$n,size=512M" \
			-numa "node,nodeid=$n,cpus=$n,memdev=ram$n"
		n=$((n + 1))
	done
	n=0
	while [ "$n" -lt "$COLD" ]; do
		printf '%s\n' -object "memory-backend-ram,id=coldmem$n,size=256M" \
			-device "pc-dimm,id=cold$n,memdev=coldmem$n,node=0"
		n=$((n + 1))
	done
	printf '%s\n' -kernel "$IMAGE" -initrd "$INITRD"
	printf '%s\n' -append "console=ttyS0 rdinit=/bin/sh"
	printf '%s\n' -serial stdio
	printf '%s\n' -qmp "unix:$OUT/qmp.sock,server=on,wait=off"
	printf '%s\n' -qmp "unix:$OUT/events.sock,server=on,wait=off"
} >"$OUT/argv"
rc=0
"$TOOL" --argv "$OUT/argv" --qmp "$OUT/qmp.sock" --events "$OUT/events.sock" \
	--log "$OUT/transcript.log" --nodes "$NODES" "$@" || rc=$?
# the 32 MiB variable store and the sockets are of no use afterwards
rm -f "$OUT/vars.fd" "$OUT/qmp.sock" "$OUT/events.sock"
exit "$rc"
