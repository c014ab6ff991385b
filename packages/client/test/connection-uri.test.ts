// Unit tests of connection URI parsing: transport stripped, driver URI kept, as libvirt's remote driver does.
import { describe, expect, it } from 'vitest';
import { resolveConnectionUri } from '../src/core/connection-uri.js';

describe('resolveConnectionUri', () => {
  it.each([
    ['test:///default', { transport: 'unix', driverUri: 'test:///default' }],
    ['test+ws://127.0.0.1:16520/default', { transport: 'ws', address: 'ws://127.0.0.1:16520', driverUri: 'test:///default' }],
    ['qemu+wss://host.example:16520/session', { transport: 'wss', address: 'wss://host.example:16520', driverUri: 'qemu:///session' }],
    ['qemu+unix:///session?socket=/run/x/sock', { transport: 'unix', address: '/run/x/sock', driverUri: 'qemu:///session' }],
    ['test+ws://[::1]:1/tmp/node.xml?atomic=none', { transport: 'ws', address: 'ws://[::1]:1', driverUri: 'test:///tmp/node.xml?atomic=none' }],
  ])('%s', (uri, expected) => {
    expect(resolveConnectionUri(uri)).toEqual(expected);
  });

  it.each(['nonsense', 'test+ftp://h/default', 'test+unix://host/default', 'test+ws:///default'])('refuses %s', (uri) => {
    expect(() => resolveConnectionUri(uri)).toThrow(TypeError);
  });
});
