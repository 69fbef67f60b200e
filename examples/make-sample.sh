#!/usr/bin/env bash
# Builds examples/sample.qcow2 with real tools and no root: a GPT disk with an EFI system
# partition (FAT32) and an ext4 root holding a small Linux tree (identity files taken from
# this Debian host, so inspection has real data to read). Rebuilt only when missing.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out="$here/sample.qcow2"
[[ -f "$out" && "${1:-}" != "--force" ]] && exit 0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
raw="$work/disk.raw"
truncate -s 256M "$raw"
sgdisk --clear \
  --new=1:2048:+32M --typecode=1:ef00 --change-name=1:"EFI System Partition" \
  --new=2:0:0 --typecode=2:8300 --change-name=2:root \
  --disk-guid=6A2F0F2B-9E1C-4C57-9C4B-3F1B1E2D5A10 "$raw" >/dev/null
# Partition offsets in sectors, read back from the table rather than assumed.
p1=$(sgdisk -i 1 "$raw" | awk '/First sector/ {print $3}')
p2=$(sgdisk -i 2 "$raw" | awk '/First sector/ {print $3}')
p2end=$(sgdisk -i 2 "$raw" | awk '/Last sector/ {print $3}')

# Root tree.
root="$work/root"
mkdir -p "$root"/{etc/ssh,etc/default,boot/efi,home/alice,root,tmp,var/lib/dpkg,var/log,usr/bin,usr/lib,usr/sbin}
ln -s usr/bin "$root/bin"; ln -s usr/sbin "$root/sbin"; ln -s usr/lib "$root/lib"
for f in /etc/os-release /usr/lib/os-release /etc/debian_version /var/lib/dpkg/status; do
  [[ -f "$f" ]] && cp -L "$f" "$root$f"
done
[[ -f "$root/etc/os-release" ]] || printf 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\n' > "$root/etc/os-release"
echo sample-vm > "$root/etc/hostname"
uuid_root=2f9c5a71-4d0e-4bb4-8a0e-0c6f3c1d9e01
cat > "$root/etc/fstab" <<FSTAB
# <file system> <mount point> <type> <options> <dump> <pass>
UUID=$uuid_root  /          ext4  errors=remount-ro  0 1
LABEL=ESP        /boot/efi  vfat  umask=0077         0 1
FSTAB
printf 'root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000:Alice:/home/alice:/bin/bash\n' > "$root/etc/passwd"
printf 'root:x:0:\nsudo:x:27:alice\nalice:x:1000:\n' > "$root/etc/group"
printf 'PermitRootLogin yes\nPasswordAuthentication yes\n' > "$root/etc/ssh/sshd_config"
echo "hello from the guest" > "$root/home/alice/notes.txt"
cp /bin/true "$root/usr/bin/true"

# Filesystems written straight into the partitions of the raw file (offsets in bytes / sectors).
mkfs.vfat -n ESP -i 5A3C0E11 --offset "$p1" "$raw" $((32 * 1024)) >/dev/null 2>&1
mkdir -p "$work/esp/EFI/debian"
echo "fake shim" > "$work/esp/EFI/debian/shimx64.efi"
MTOOLS_SKIP_CHECK=1 mcopy -s -i "$raw@@$((p1 * 512))" "$work/esp/EFI" ::/
mkfs.ext4 -q -F -L root -U "$uuid_root" -d "$root" -E offset=$((p2 * 512)) "$raw" $(((p2end - p2 + 1) / 2))k
qemu-img convert -q -c -f raw -O qcow2 "$raw" "$out"
echo "built $out" >&2
