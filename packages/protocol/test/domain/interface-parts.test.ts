// An interface's <model> and <backend> as libvirt 9.0's test driver (Debian 12's build) reads and writes them (XML and errors recorded with python3-libvirt).
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
});
