// Unit tests of the shared flag rules and the driver-side checks, against libvirt's observed texts.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  checkDriverCall,
  checkFlagRules,
  DomainSnapshotCreateFlags as Create,
  DomainSnapshotCreateFlagSet,
  flagConstantName,
  methods,
  type DriverCapabilities,
} from '../src/index.js';

const createRules = methods.DomainSnapshotCreateXML.rules;
const context = { set: DomainSnapshotCreateFlagSet, functionName: 'virDomainSnapshotCreateXML', errorDomain: 35 };

const caps: DriverCapabilities = {
  driver: 'test',
  version: 2,
  functionPrefix: 'test',
  errorDomain: 12,
  methods: { DomainSnapshotCreateXML: 0x3ff },
  atomic: [],
  crashConsistent: false,
};

describe('flag constant names', () => {
  it('turns TypeScript keys into libvirt constant names', () => {
    expect(flagConstantName(DomainSnapshotCreateFlagSet, Create.NoMetadata)).toBe('VIR_DOMAIN_SNAPSHOT_CREATE_NO_METADATA');
    expect(flagConstantName(DomainSnapshotCreateFlagSet, Create.ReuseExt)).toBe('VIR_DOMAIN_SNAPSHOT_CREATE_REUSE_EXT');
    expect(flagConstantName(DomainSnapshotCreateFlagSet, Create.Atomic)).toBe('VIR_DOMAIN_SNAPSHOT_CREATE_ATOMIC');
  });

  it("has libvirt's values", () => {
    expect(Create).toEqual({
      Redefine: 1,
      Current: 2,
      NoMetadata: 4,
      Halt: 8,
      DiskOnly: 16,
      ReuseExt: 32,
      Quiesce: 64,
      Atomic: 128,
      Live: 256,
      Validate: 512,
    });
    expect(DomainSnapshotCreateFlagSet.mask).toBe(0x3ff);
  });
});

describe('virDomainSnapshotCreateXML public-API rules', () => {
  it('reports CURRENT without REDEFINE first, as libvirt does', () => {
    const error = checkFlagRules(Create.Current | Create.NoMetadata | Create.Halt, createRules, context);
    expect(error).toMatchObject({
      code: 8,
      domain: 35,
      message: "Flag 'VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE' is required by flag 'VIR_DOMAIN_SNAPSHOT_CREATE_CURRENT'",
      str1: 'virDomainSnapshotCreateXML',
      str2: 'ctl',
      int1: 0,
      int2: 0,
    });
  });

  it('then REDEFINE with NO_METADATA, then REDEFINE with HALT', () => {
    expect(checkFlagRules(Create.Redefine | Create.NoMetadata | Create.Halt, createRules, context)?.message).toBe(
      "Flags 'VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE' and 'VIR_DOMAIN_SNAPSHOT_CREATE_NO_METADATA' are mutually exclusive",
    );
    expect(checkFlagRules(Create.Redefine | Create.Halt, createRules, context)?.message).toBe(
      "Flags 'VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE' and 'VIR_DOMAIN_SNAPSHOT_CREATE_HALT' are mutually exclusive",
    );
  });

  it('accepts exactly the combinations libvirt accepts (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0x3ff }), (flags) => {
        const redefine = (flags & Create.Redefine) !== 0;
        const valid = (!(flags & Create.Current) || redefine) && !(redefine && flags & Create.NoMetadata) && !(redefine && flags & Create.Halt);
        expect(checkFlagRules(flags, createRules, context) === undefined).toBe(valid);
      }),
    );
  });
});

describe('driver checks', () => {
  it('names only the unsupported bits, in lower-case hex', () => {
    const error = checkDriverCall('DomainSnapshotCreateXML', methods.DomainSnapshotCreateXML, 0x10 | 0xc00, {
      ...caps,
      methods: { DomainSnapshotCreateXML: 0x3ef },
    });
    expect(error).toMatchObject({
      code: 8,
      domain: 12,
      message: 'unsupported flags (0xc10) in function testDomainSnapshotCreateXML',
      str1: 'testDomainSnapshotCreateXML',
      str2: 'flags',
    });
  });

  it('reports a method the driver lacks as VIR_ERR_NO_SUPPORT', () => {
    expect(checkDriverCall('DomainRevertToSnapshot', methods.DomainRevertToSnapshot, 0, caps)).toMatchObject({
      code: 3,
      domain: 35,
      message: 'this function is not supported by the connection driver: virDomainRevertToSnapshot',
    });
  });
});
