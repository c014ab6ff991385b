// The test guest as a libvirt domain for the qemu driver, and a guest console over the SDK's byte stream.
import type { ByteStream } from '@virtwire/client';
import { GuestConsole } from './guest-console.js';
import { guestImage } from './guest-image.js';
import { GUEST_KERNEL_ARGS } from './guest-machine.js';

/** The test guest as a libvirt domain: direct kernel boot, ext4 data disks (vda, then vdb... for `more`), user networking, a pty serial console, the agent channel. */
export function guestDomainXml(name: string, disk: string, more: readonly string[] = []): string {
  const image = guestImage();
  const moreDisks = more
    .map(
      (path, i) => `
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='${path}'/>
      <target dev='vd${String.fromCharCode(98 + i)}' bus='virtio'/>
    </disk>`,
    )
    .join('');
  return `<domain type='qemu'>
  <name>${name}</name>
  <memory unit='MiB'>256</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='q35'>hvm</type>
    <kernel>${image.vmlinux ?? image.kernel}</kernel>
    <initrd>${image.initrd}</initrd>
    <cmdline>${GUEST_KERNEL_ARGS.join(' ')}</cmdline>
  </os>
  <features><acpi/></features>
  <cpu mode='maximum'/>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='${disk}'/>
      <target dev='vda' bus='virtio'/>
    </disk>${moreDisks}
    <interface type='user'><model type='virtio'/><rom enabled='no'/></interface>
    <serial type='pty'><target port='0'/></serial>
    <console type='pty'><target type='serial' port='0'/></console>
    <channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>
  </devices>
</domain>`;
}

/** A guest console over a byte stream of the SDK. */
export function consoleOver(stream: ByteStream): GuestConsole {
  return new GuestConsole({ write: (text) => stream.write(text), onData: (listener) => void stream.onData(listener) });
}
