// The random qemu definitions the define fuzzes draw: q35/pc machines with random devices, controllers and PCI addresses.
import fc from 'fast-check';
import { join } from 'node:path';

const address = fc.option(fc.record({ bus: fc.integer({ min: 0, max: 6 }), slot: fc.integer({ min: 0, max: 31 }), fn: fc.integer({ min: 0, max: 7 }) }), {
  nil: undefined,
  freq: 3,
});
const pciAddress = (a: { bus: number; slot: number; fn: number } | undefined) =>
  a
    ? `<address type='pci' domain='0x0000' bus='0x${a.bus.toString(16).padStart(2, '0')}' slot='0x${a.slot.toString(16).padStart(2, '0')}' function='0x${a.fn}'/>`
    : '';

/** One device element, from the kinds the driver runs (and a few it refuses). */
export const device = (images: string) =>
  fc.oneof(
    fc
      .record({ model: fc.option(fc.constantFrom('virtio', 'e1000', 'rtl8139', 'e1000e', 'ne2k_pci', 'bogus'), { nil: undefined }), at: address })
      .map(({ model, at }) => `<interface type='user'>${model ? `<model type='${model}'/>` : ''}${pciAddress(at)}</interface>`),
    fc
      .record({
        model: fc.constantFrom('pcie-root-port', 'pcie-to-pci-bridge', 'pci-bridge', 'dmi-to-pci-bridge', 'pcie-root', 'pci-root'),
        index: fc.option(fc.integer({ min: 0, max: 8 }), { nil: undefined }),
        at: address,
      })
      .map(({ model, index, at }) => `<controller type='pci' model='${model}'${index === undefined ? '' : ` index='${index}'`}>${pciAddress(at)}</controller>`),
    fc
      .record({ model: fc.option(fc.constantFrom('qemu-xhci', 'piix3-uhci', 'ich9-ehci1', 'nec-xhci', 'none'), { nil: undefined }), at: address })
      .map(({ model, at }) => `<controller type='usb'${model ? ` model='${model}'` : ''}>${pciAddress(at)}</controller>`),
    fc
      .record({ n: fc.integer({ min: 0, max: 3 }), bus: fc.constantFrom('virtio', 'sata', 'scsi', 'usb'), at: address })
      .map(
        ({ n, bus, at }) =>
          `<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='${join(images, `f${n}.qcow2`)}'/><target dev='${bus === 'virtio' ? 'vd' : 'sd'}${'abcd'[n]}' bus='${bus}'/>${bus === 'virtio' ? pciAddress(at) : ''}</disk>`,
      ),
    fc
      .record({ model: fc.constantFrom('virtio', 'vga', 'cirrus', 'bochs', 'ramfb', 'none'), at: address })
      .map(({ model, at }) => `<video><model type='${model}'/>${pciAddress(at)}</video>`),
    fc.constantFrom(
      `<memballoon model='virtio'/>`,
      `<memballoon model='none'/>`,
      `<serial type='pty'/>`,
      `<console type='pty'/>`,
      `<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>`,
      `<controller type='virtio-serial'/>`,
      `<input type='tablet' bus='usb'/>`,
      `<rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>`,
      `<graphics type='vnc' autoport='yes'/>`,
    ),
  );

/** The machines a definition names: the aliases and the versioned names QEMU 7.2 has. */
export const machine = fc.constantFrom('q35', 'pc', 'pc-q35-7.2', 'pc-i440fx-7.2');

/** Up to ten devices. */
export const devices = (images: string) => fc.array(device(images), { maxLength: 10 });

/** A definition named `name` on `machine` with `devices`. */
export const definitionXml = (name: string, machineName: string, deviceXml: readonly string[], uuid = '') =>
  `<domain type='qemu'><name>${name}</name>${uuid ? `<uuid>${uuid}</uuid>` : ''}<memory unit='KiB'>131072</memory><vcpu>1</vcpu><os><type arch='x86_64' machine='${machineName}'>hvm</type></os><devices>${deviceXml.join('')}</devices></domain>`;
