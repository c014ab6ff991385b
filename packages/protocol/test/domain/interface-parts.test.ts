// An interface's <model>, <backend>, filter and port id as libvirt 9.0's test driver (Debian 12's build) reads and writes them (XML and errors recorded with python3-libvirt).
import { describe, expect, it } from 'vitest';
import { defineError, formattedDomain } from './define-errors.js';

const dom = (devices: string) =>
  `<domain type='test'><name>c</name><uuid>3e978e16-2dc8-45ed-b8b7-3574083dc879</uuid><memory>1048576</memory><os><type>hvm</type></os><devices>${devices}</devices></domain>`;
const nicLines = (nic: string) =>
  formattedDomain(dom(nic))
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /^<(model|backend)/.test(l));

describe('interface model and backend', () => {
  it.each([
    ['ViRtIo', ["<model type='virtio'/>"]],
    ['am79c970a', ["<model type='Am79C970A'/>"]],
    ['my_Model-2', ["<model type='my_Model-2'/>"]],
    ['unknown', []],
    ['', []],
  ])('writes the model %j in libvirt’s spelling', (model, expected) => {
    expect(nicLines(`<interface type='user'><model type='${model}'/></interface>`)).toEqual(expected);
  });

  it('writes a backend’s tap and (for a virtio NIC) vhost paths sanitised, then its log file, the first backend only', () => {
    expect(
      nicLines("<interface type='user'><model type='virtio'/><backend vhost='/dev//vh/' tap='//dev//tap/' logFile='/a'/><backend tap='/x'/></interface>"),
    ).toEqual(["<model type='virtio'/>", "<backend tap='//dev/tap' vhost='/dev/vh' logFile='/a'/>"]);
    expect(nicLines("<interface type='user'><model type='e1000'/><backend vhost='/dev//vh/' tap='//dev//tap/'/></interface>")).toEqual([
      "<model type='e1000'/>",
      "<backend tap='//dev/tap'/>",
    ]);
    expect(nicLines("<interface type='user'><backend/></interface>")).toEqual([]);
  });

  it.each([
    ['a model with other characters', "<model type='my.model'/>", [8, 20, 'invalid argument: Model name contains invalid characters']],
    ['the default backend named', "<backend type='default'/>", [27, 5, "XML error: Invalid value for attribute 'type' in element 'backend': 'default'."]],
    ['an unknown backend', "<backend type='x'/>", [27, 5, "XML error: Invalid value for attribute 'type' in element 'backend': 'x'."]],
    [
      'the passt backend, as the recorded build does',
      "<backend type='passt'/>",
      [27, 20, "XML error: Invalid value for attribute 'type' in element 'backend': 'passt'."],
    ],
  ])('refuses %s', (_what, child, expected) => {
    expect(defineError(dom(`<interface type='user'>${child}</interface>`))).toEqual(expected);
  });

  const lines = (nic: string) =>
    formattedDomain(dom(nic))
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => /^<(source|filterref)/.test(l));

  it('keeps a filter only on network, bridge and ethernet interfaces, and no port id in a definition', () => {
    expect(
      lines("<interface type='network'><source network='n' portgroup='p' portid='873be5a0-6b8a-4a0b-a1df-ef3659cd64bc'/><filterref filter='f'/></interface>"),
    ).toEqual(["<source network='n' portgroup='p'/>", "<filterref filter='f'/>"]);
    expect(lines("<interface type='bridge'><source bridge='br0'/><filterref filter='f'/></interface>")).toEqual([
      "<source bridge='br0'/>",
      "<filterref filter='f'/>",
    ]);
    expect(
      lines("<interface type='vhostuser'><source type='unix' path='/tmp/s' mode='server'/><model type='virtio'/><filterref filter='f'/></interface>"),
    ).toEqual(["<source type='unix' path='/tmp/s' mode='server'/>"]);
    expect(lines("<interface type='user'><filterref filter='f'/></interface>")).toEqual([]);
  });
});
