// Random domain definitions as fuzz cases: define one on test:///default, then read it back with flags 0 and INACTIVE.
import fc from 'fast-check';
import type { FuzzCase } from './call-sequences.js';
import { randomDomainXml } from './random-domain-xml.js';

/** `count` define cases from `seed`: the same seed gives the same cases. */
export function defineCases(seed: number, count: number): FuzzCase[] {
  return fc.sample(randomDomainXml('fz'), { seed, numRuns: count }).map((xml, i) => ({
    id: `define-${seed}-${i}`,
    host: 'default',
    steps: [
      ['virDomainDefineXMLFlags', '', xml, 0],
      ['virDomainGetXMLDesc', 'fz', 0],
      ['virDomainGetXMLDesc', 'fz', 2],
    ],
    random: 1,
  }));
}
