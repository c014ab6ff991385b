// <cputune> as libvirt 9.0's test driver reads and writes it (XML and errors recorded with python3-libvirt).
import { describe, expect, it } from 'vitest';
import { defineError, formattedDomain } from './define-errors.js';

const dom = (cputune: string) =>
  `<domain type='test'><name>c</name><uuid>3e978e16-2dc8-45ed-b8b7-3574083dc879</uuid><memory>1048576</memory><vcpu>2</vcpu><iothreads>2</iothreads>${cputune}<os><type>hvm</type></os><devices/></domain>`;
const lines = (cputune: string) => {
  const all = formattedDomain(dom(cputune)).split('\n');
  return all
    .slice(
      all.findIndex((l) => l.includes('<cputune>')),
      all.findIndex((l) => l.includes('</cputune>')) + 1,
    )
    .map((l) => l.trim());
};

describe('cputune', () => {
  it('writes scalars, pins by vCPU and I/O thread, in libvirt’s order and CPU set form, ignoring pins of missing vCPUs', () => {
    expect(
      lines(
        "<cputune><iothreadpin iothread='2' cpuset='3'/><vcpupin vcpu='1' cpuset='1-3,^2'/><vcpupin vcpu='0' cpuset='0'/><vcpupin vcpu='5' cpuset='0'/><shares>2048</shares><emulatorpin cpuset='1'/><quota>-1</quota><period>1000</period></cputune>",
      ),
    ).toEqual([
      '<cputune>',
      '<shares>2048</shares>',
      '<period>1000</period>',
      '<quota>-1</quota>',
      "<vcpupin vcpu='0' cpuset='0'/>",
      "<vcpupin vcpu='1' cpuset='1,3'/>",
      "<emulatorpin cpuset='1'/>",
      "<iothreadpin iothread='2' cpuset='3'/>",
      '</cputune>',
    ]);
  });

  it('writes one scheduler per vCPU and per I/O thread', () => {
    expect(
      lines(
        "<cputune><vcpusched vcpus='0-1' scheduler='fifo' priority='1'/><iothreadsched iothreads='1-2' scheduler='batch'/><emulatorsched scheduler='idle'/></cputune>",
      ),
    ).toEqual([
      '<cputune>',
      "<emulatorsched scheduler='idle'/>",
      "<vcpusched vcpus='0' scheduler='fifo' priority='1'/>",
      "<vcpusched vcpus='1' scheduler='fifo' priority='1'/>",
      "<iothreadsched iothreads='1' scheduler='batch'/>",
      "<iothreadsched iothreads='2' scheduler='batch'/>",
      '</cputune>',
    ]);
  });

  it.each([
    [
      'a scheduler for a missing vCPU',
      "<cputune><vcpusched vcpus='0-3' scheduler='fifo' priority='1'/></cputune>",
      [67, 20, "unsupported configuration: vCPU '2' is not present in domain definition"],
    ],
    [
      'overlapping vCPU schedulers',
      "<cputune><vcpusched vcpus='0-1' scheduler='fifo' priority='1'/><vcpusched vcpus='1' scheduler='batch'/></cputune>",
      [35, 20, "'vcpusched' attributes 'vcpus' must not overlap"],
    ],
    [
      'a scheduler for a missing I/O thread',
      "<cputune><iothreadsched iothreads='3' scheduler='batch'/></cputune>",
      [67, 20, "unsupported configuration: Cannot find 'iothread' : 3"],
    ],
    [
      'a real-time scheduler without a priority',
      "<cputune><vcpusched vcpus='0' scheduler='fifo'/></cputune>",
      [27, 5, "XML error: Missing required attribute 'priority' in element 'vcpusched'"],
    ],
    [
      'scheduler none',
      "<cputune><vcpusched vcpus='0' scheduler='none'/></cputune>",
      [27, 5, "XML error: Invalid value for attribute 'scheduler' in element 'vcpusched': 'none'."],
    ],
    [
      'two pins of a vCPU',
      "<cputune><vcpupin vcpu='0' cpuset='1'/><vcpupin vcpu='0' cpuset='2'/></cputune>",
      [1, 20, "internal error: duplicate vcpupin for vcpu '0'"],
    ],
    [
      'a pin of a missing I/O thread',
      "<cputune><iothreadpin iothread='7' cpuset='1'/></cputune>",
      [67, 20, "unsupported configuration: Cannot find 'iothread' : 7"],
    ],
    ['a pin without a CPU set', "<cputune><vcpupin vcpu='0'/></cputune>", [1, 20, 'internal error: missing cpuset for vcpupin']],
    ['two emulator pins', "<cputune><emulatorpin cpuset='1'/><emulatorpin cpuset='2'/></cputune>", [27, 20, 'XML error: only one emulatorpin is supported']],
    [
      'a scheduler without its thread set',
      "<cputune><vcpusched scheduler='batch'/></cputune>",
      [27, 20, "XML error: Missing attribute 'vcpus' in element 'vcpusched'"],
    ],
    ['a CPU past the mask', "<cputune><emulatorpin cpuset='16384'/></cputune>", [8, 0, "invalid argument: Failed to parse bitmap '16384'"]],
  ])('refuses %s', (_name, cputune, expected) => {
    expect(defineError(dom(cputune))).toEqual(expected);
  });
});
