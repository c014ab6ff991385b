#!/usr/bin/env bash
# Assembles the virtwire test guest (distribution kernel + a busybox/qemu-ga initramfs) into a cache directory, without root.
#
# Usage: test/guest/build-guest.sh [--kernel-version VER] [--cache-dir DIR] [--force]
# Prints the directory holding vmlinuz (the distribution's bzImage), vmlinux (the same kernel uncompressed, for
# PVH boot), initrd.cpio and manifest.json on stdout; progress goes to stderr.
# The directory is named by a hash of every input (this script, rootfs/, package versions, and the path,
# size and mtime of each file taken from the host), so a second run with the same inputs only prints it.
# Exit status 3: a needed Debian package is missing (the message names it).
set -euo pipefail
export LC_ALL=C

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
kernel_version=${VIRTWIRE_GUEST_KERNEL:-}
cache_root=${VIRTWIRE_GUEST_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/virtwire/guest}
force=0
while [ $# -gt 0 ]; do
  case "$1" in
    --kernel-version) kernel_version=$2; shift 2 ;;
    --cache-dir) cache_root=$2; shift 2 ;;
    --force) force=1; shift ;;
    *) echo "build-guest: unknown argument $1" >&2; exit 2 ;;
  esac
done

# The modules the guest loads; their dependencies come from modules.dep and modules.softdep.
wanted_modules=(virtio_pci virtio_blk virtio_net virtio_console ext4 evdev button efivarfs)
busybox=/bin/busybox
qemu_ga=/usr/sbin/qemu-ga

missing=()
need() { # need PACKAGE TEST...: records PACKAGE as missing unless the test succeeds
  local package=$1; shift
  "$@" >/dev/null 2>&1 || missing+=("$package")
}
if [ -z "$kernel_version" ]; then
  for vmlinuz in /boot/vmlinuz-*; do
    [ -d "/lib/modules/${vmlinuz#/boot/vmlinuz-}" ] && kernel_version=${vmlinuz#/boot/vmlinuz-}
  done
fi
kernel=/boot/vmlinuz-$kernel_version
modules_dir=/lib/modules/$kernel_version
need linux-image-amd64 test -n "$kernel_version" -a -r "$kernel" -a -r "$modules_dir/modules.dep"
need busybox-static sh -c "$busybox --list | grep -qx udhcpc && ! ldd $busybox"
need qemu-guest-agent test -x "$qemu_ga"
need cpio command -v cpio
need libc-bin command -v ldd
if [ ${#missing[@]} -gt 0 ]; then
  echo "build-guest: missing Debian packages: ${missing[*]} (apt-get install ${missing[*]})" >&2
  [ -n "$kernel_version" ] && [ -e "$kernel" ] && [ ! -r "$kernel" ] && echo "build-guest: $kernel is not readable by $(id -un)" >&2
  exit 3
fi

# --- Kernel modules: the wanted ones and everything they need, dependencies first. ---
declare -A dep_of=() path_of=() builtin=() softdep_of=() visited=()
module_name() { REPLY=${1##*/}; REPLY=${REPLY%%.ko*}; REPLY=${REPLY//-/_}; } # path or alias -> name, in $REPLY
while IFS= read -r line; do
  module_name "${line%%:*}"
  name=$REPLY
  path_of[$name]=${line%%:*}
  deps=
  for dep in ${line#*:}; do module_name "$dep"; deps+=" $REPLY"; done
  dep_of[$name]=$deps
done <"$modules_dir/modules.dep"
while IFS= read -r path; do module_name "$path"; builtin[$REPLY]=1; done <"$modules_dir/modules.builtin"
while read -r keyword name rest; do
  [ "$keyword" = softdep ] || continue
  pre=${rest#*pre:}; [ "$pre" = "$rest" ] && pre=; pre=${pre%%post:*}
  module_name "$name"
  softdep_of[$REPLY]+=" $pre"
done <"$modules_dir/modules.softdep"
providers() { # the modules modules.alias lists for an exact alias such as crypto-crc32c
  awk -v alias="$1" '$1 == "alias" && $2 == alias { print $3 }' "$modules_dir/modules.alias"
}

ordered_modules=() # "relative/path.ko required|optional"
visit() { # visit NAME NEED: appends NAME after its softdeps and dependencies
  local name=${1//-/_} need=$2 target
  [ -n "${builtin[$name]:-}" ] && return 0
  if [ -z "${path_of[$name]:-}" ]; then
    if [ "$need" = optional ]; then # a softdep may name an alias (crypto-crc32c): every module providing it
      for target in $(providers "$1"); do visit "$target" optional; done
      return 0
    fi
    echo "build-guest: module $name not found in $modules_dir" >&2
    exit 1
  fi
  [ -n "${visited[$name]:-}" ] && return 0
  visited[$name]=1
  for target in ${softdep_of[$name]:-}; do visit "$target" optional; done
  for target in ${dep_of[$name]}; do visit "$target" "$need"; done
  ordered_modules+=("${path_of[$name]} $need")
}
for module in "${wanted_modules[@]}"; do visit "$module" required; done

# --- Shared libraries of qemu-ga, as the dynamic loader resolves them. ---
libraries=()
while read -r first arrow second _; do
  if [ "$arrow" = '=>' ] && [ "${second:0:1}" = / ]; then libraries+=("$second")
  elif [ "${first:0:1}" = / ]; then libraries+=("$first")
  fi
done < <(ldd "$qemu_ga")

# --- The cache key: every input, by content (our own files) or by identity (host files). ---
host_inputs=("$kernel" "$busybox" "$qemu_ga" "${libraries[@]}")
for entry in "${ordered_modules[@]}"; do host_inputs+=("$modules_dir/${entry% *}"); done
key=$(
  {
    echo "kernel $kernel_version"
    dpkg-query -W -f='${Package} ${Version}\n' "linux-image-$kernel_version" busybox-static qemu-guest-agent 2>/dev/null || true
    printf '%s\n' "${ordered_modules[@]}"
    stat -L -c '%n %s %Y' "${host_inputs[@]}"
    cd "$here" && find build-guest.sh rootfs -type f -print0 | sort -z | xargs -0 sha256sum
    cd "$here" && find rootfs -printf '%p %m\n' | sort
  } | sha256sum | cut -c1-16
)
out=$cache_root/$key
if [ "$force" = 0 ] && [ -s "$out/manifest.json" ]; then
  touch "$out" # most recently used: the pruning below keeps it
  echo "$out"
  exit 0
fi

# --- Build in a scratch directory, then move it into place (concurrent builders: the first one wins). ---
mkdir -p "$cache_root"
scratch=$(mktemp -d "$cache_root/.build-XXXXXX")
chmod 755 "$scratch"
trap 'rm -rf "$scratch"' EXIT
root=$scratch/root
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc/guest,lib/modules,dev,proc,sys,run,tmp,mnt,root}
cp -a "$here/rootfs/." "$root/"
cp "$busybox" "$root/bin/busybox"
cp "$qemu_ga" "$root/usr/sbin/qemu-ga"
for library in "${libraries[@]}"; do
  mkdir -p "$root${library%/*}"
  cp -L "$library" "$root$library"
done
: >"$root/etc/guest/modules"
for entry in "${ordered_modules[@]}"; do
  relative=${entry% *} need=${entry#* }
  target=/lib/modules/$kernel_version/${relative%%.ko*}.ko
  mkdir -p "$root${target%/*}"
  case "$relative" in
    *.ko) cp "$modules_dir/$relative" "$root$target" ;;
    *.ko.xz) xz -dc "$modules_dir/$relative" >"$root$target" ;;
    *.ko.zst) zstd -qdc "$modules_dir/$relative" >"$root$target" ;;
    *.ko.gz) gzip -dc "$modules_dir/$relative" >"$root$target" ;;
    *) echo "build-guest: unknown module format $relative" >&2; exit 1 ;;
  esac
  echo "$target $need" >>"$root/etc/guest/modules"
done
cp "$kernel" "$scratch/vmlinuz"
# The uncompressed kernel, an ELF QEMU boots through its PVH entry point (-kernel vmlinux): no decompressor
# to run, which saves seconds under TCG. Found by the magic of the compressor inside the bzImage.
vmlinux=null
if grep -qx 'CONFIG_PVH=y' "/boot/config-$kernel_version" 2>/dev/null; then
  for format in $'xz \xfd7zXZ' $'zstd \x28\xb5\x2f\xfd' $'gzip \x1f\x8b\x08'; do
    offset=$(grep -abo -m1 "${format#* }" "$kernel" | head -n 1 | cut -d: -f1) || true
    [ -n "$offset" ] || continue
    if tail -c +$((offset + 1)) "$kernel" | "${format%% *}" -dc 2>/dev/null >"$scratch/vmlinux.part"; [ -s "$scratch/vmlinux.part" ] &&
      [ "$(head -c 4 "$scratch/vmlinux.part")" = $'\x7fELF' ]; then
      mv "$scratch/vmlinux.part" "$scratch/vmlinux" && vmlinux="\"$out/vmlinux\""
      break
    fi
  done
  rm -f "$scratch/vmlinux.part"
fi
# newc with every file owned by root, built from a file list: no root needed. /dev/console comes from the
# kernel's built-in initramfs; /init opens it again after mounting devtmpfs in any case.
# Not compressed: unpacking gzip costs the guest about a second under TCG, and the file is only ~11 MiB.
(cd "$root" && find . -mindepth 1 | sort | cpio --quiet -o -H newc -R 0:0) >"$scratch/initrd.cpio"

packages=$(dpkg-query -W -f='"${Package}": "${Version}", ' "linux-image-$kernel_version" busybox-static qemu-guest-agent 2>/dev/null || true)
cat >"$scratch/manifest.json" <<EOF
{
  "key": "$key",
  "kernelVersion": "$kernel_version",
  "kernel": "$out/vmlinuz",
  "vmlinux": $vmlinux,
  "initrd": "$out/initrd.cpio",
  "packages": { ${packages%, } },
  "modules": [$(printf '"%s", ' "${ordered_modules[@]%% *}" | sed 's/, $//')],
  "builtAt": "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
}
EOF
rm -rf "$root"
[ "$force" = 1 ] && rm -rf "$out"
if mv -T "$scratch" "$out" 2>/dev/null; then # fails if a concurrent build got there first: then use that one
  trap - EXIT
  echo "build-guest: built $out" >&2
  # Keep the four most recently used builds; older ones belong to inputs that changed.
  (cd "$cache_root" && ls -1dt -- */ 2>/dev/null | tail -n +5 | xargs -r rm -rf --)
fi
echo "$out"
